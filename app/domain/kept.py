"""A bounded map kept in a process's memory: the least recently used entry is forgotten first."""
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Kept(Generic[K, V]):
    """Up to `size` entries, safe to share between a process's threads."""

    def __init__(self, size: int):
        self.size, self._entries, self._lock = size, OrderedDict[K, V](), threading.Lock()

    def get(self, key: K) -> V | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def made(self, key: K, make: Callable[[], V]) -> V:
        """The value kept for `key`, else what `make` makes (kept unless it raises)."""
        found = self.get(key)
        if found is None:
            found = make()
            self.put(key, found)
        return found
