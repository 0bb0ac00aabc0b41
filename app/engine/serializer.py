"""Store workflows without their specs: the spec lives once with the definition.

A case's stored state is only its task tree and data (zlib-compressed JSON), so a
waiting case costs a few kilobytes; the spec is restored from the definition and
kept per thread, because Camunda multi-instance tasks update their spec while running.
The converters that make this so are registered in app/engine/spiff_compat/converters.py.

The state is compressed with a preset dictionary (state.zdict): the JSON every state repeats (the keys of each
task, the county settings a case starts with, the 低保 path's task names and data keys), taken from the states of
a demo 低保 case with their ids, times and personal data removed. A state of 26 KB of JSON compresses to 2.6 KB
instead of 4.5 KB, in less time. States written before (plain zlib, no dictionary) read the same way, and the
events that recorded them keep their hashes: replay compares a replayed state in the form its event recorded
(`as_recorded`). The dictionary is part of the stored format: changing it would leave every state written with it
unreadable (zlib names a stream's dictionary by its Adler-32, STATE_DICTIONARY_ID; tests pin it).
"""

import hashlib
import json
import threading
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from .binding import BOUND
from .changes import Definition
from .spiff_compat.converters import SERIALIZER as _SERIALIZER

_cache = threading.local()
_DICTIONARY = (Path(__file__).parent / "state.zdict").read_bytes()
STATE_DICTIONARY_ID = zlib.adler32(_DICTIONARY)


def compress_state(text: bytes) -> bytes:
    """A state's JSON as stored: zlib (level 6) with the preset dictionary."""
    packer = zlib.compressobj(6, zdict=_DICTIONARY)
    return packer.compress(text) + packer.flush()


def inflate_state(state: bytes) -> bytes:
    """A stored state's JSON, whether written with the dictionary or before it."""
    unpacker = zlib.decompressobj(zdict=_DICTIONARY)
    text = unpacker.decompress(state)
    if not unpacker.eof:
        raise zlib.error("truncated state")
    return text


def as_recorded(state: bytes, recorded_hash: str) -> bytes:
    """`state` in the form an event recorded it: as written now, or, for an event recorded before the dictionary,
    as it was written then (plain zlib of the same JSON), where that is what the event's hash names."""
    if hashlib.sha256(state).hexdigest() == recorded_hash:
        return state
    earlier = zlib.compress(inflate_state(state), 6)
    return earlier if hashlib.sha256(earlier).hexdigest() == recorded_hash else state


def dump_spec(spec: Any, subprocess_specs: dict[str, Any]) -> dict[str, Any]:
    """Return a JSON-able dict of a process spec and the specs it calls (some may be stored dicts already)."""
    return {
        "spec": _SERIALIZER.to_dict(spec),
        "subprocess_specs": {name: s if isinstance(s, dict) else _SERIALIZER.to_dict(s)
                             for name, s in subprocess_specs.items()},
    }


def _specs(definition_id: str, spec_dict: dict[str, Any]) -> Any:
    cache = getattr(_cache, "specs", None)
    if cache is None:
        cache = _cache.specs = {}
    if definition_id not in cache:
        copy = json.loads(json.dumps(spec_dict))
        cache[definition_id] = (
            _SERIALIZER.from_dict(copy["spec"]),
            {name: _SERIALIZER.from_dict(s) for name, s in copy["subprocess_specs"].items()},
        )
    return cache[definition_id]


def process_spec(definition_id: str, spec_dict: dict[str, Any]) -> Any:
    """The definition's process spec (shared, not to be changed)."""
    return _specs(definition_id, spec_dict)[0]


def new_workflow(definition_id: str, spec_dict: dict[str, Any], script_engine: Any) -> BpmnWorkflow:
    spec, subprocess_specs = _specs(definition_id, spec_dict)
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)
    workflow.bound_specs, workflow.bound_definitions = {}, {}
    return workflow


def attach_bound(workflow: BpmnWorkflow, definition: Definition) -> None:
    """Give a workflow the specs of a definition one of its calls was bound to (app/engine/binding.py)."""
    workflow.bound_definitions[definition.id] = definition
    workflow.bound_specs[definition.id] = _specs(definition.id, definition.spec)


def _bound_ids(dct: dict[str, Any]) -> Iterable[str]:
    """The definitions the calls of a stored state were bound to."""
    for tasks in (dct["tasks"], *(sub["tasks"] for sub in dct.get("subprocesses", {}).values())):
        for task in tasks.values():
            found = (task.get("internal_data") or {}).get(BOUND)
            if isinstance(found, str):
                yield found


def dump_workflow(workflow: BpmnWorkflow) -> bytes:
    """Serialize a workflow's state, without its spec, compressed."""
    dct = _SERIALIZER.to_dict(workflow)
    text = json.dumps(dct, separators=(",", ":"), ensure_ascii=False)
    return compress_state(text.encode("utf-8"))


def load_workflow(state: bytes, definition_id: str, spec_dict: dict[str, Any], script_engine: Any,
                  definitions: Callable[[str], Definition] | None = None) -> BpmnWorkflow:
    """Restore a workflow stored by `dump_workflow` onto the definition's spec, and the called processes its calls
    were bound to when they started onto theirs (`definitions` finds them by id)."""
    dct = json.loads(inflate_state(state))
    dct["spec"], dct["subprocess_specs"] = _specs(definition_id, spec_dict)
    bound: dict[str, Definition] = {}
    for found in dict.fromkeys(_bound_ids(dct)):
        if definitions is None:
            raise RuntimeError("a state whose calls were bound when they started loads only with their definitions")
        bound[found] = definitions(found)
    dct["bound"] = ({key: _specs(key, d.spec) for key, d in bound.items()}, bound)
    workflow = _SERIALIZER.from_dict(dct)
    workflow.script_engine = script_engine
    return workflow
