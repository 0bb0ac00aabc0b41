"""Tamper evidence: each case event hashes its content together with the previous event's hash."""

import functools
import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def state_digest(state: bytes) -> str:
    """Return the sha256 of a stored workflow state."""
    return hashlib.sha256(state).hexdigest()


def event_digest(case_id: str, seq: int, at: datetime, actor: str, command: str, target: str | None,
                 inputs: dict[str, Any], changed: dict[str, Any], state_hash: str, prev_hash: str | None) -> str:
    """Return the sha256 of an event's canonical JSON (sorted keys, UTC time to the microsecond)."""
    content = {"case": case_id, "seq": seq, "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
               "actor": actor, "command": command, "target": target, "inputs": inputs, "changed": changed,
               "state": state_hash, "prev": prev_hash}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def definition_digest(resources: dict[str, bytes], spec: dict[str, Any], activities: dict[str, Any]) -> str:
    """Return the sha256 of a deployed definition: its deployment's files, parsed spec and activity attributes."""
    content = {"resources": {name: hashlib.sha256(data).hexdigest() for name, data in resources.items()},
               "spec": spec, "activities": activities}
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


LEDGER_FIELDS = ("county_path", "seq", "run_id", "line_id", "process_instance_id", "month", "entry", "amount_fen",
                 "note", "at", "actor", "prev_hash")


def ledger_time(at: datetime) -> str:
    """A ledger entry's time as its hash covers it: UTC ISO-8601 to the microsecond."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def ledger_digest(values: tuple[Any, ...] | list[Any]) -> str:
    """Return the sha256 of a payment ledger entry: its LEDGER_FIELDS values in order, the time as `ledger_time`,
    as one JSON array (which takes in the previous entry's hash)."""
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def checkpoint_signature(key: bytes, case_id: str, seq: int, event_hash: str, state_hash: str,
                         variables_hash: str, case_data_hash: str, case_row_version: int | None = None,
                         case_identity_hash: str | None = None, case_status_hash: str | None = None) -> str:
    """Return the HMAC-SHA256 of a verified case's checkpoint: its last verified event, the state and the data
    replay reached there, the hash of the case's data as stored then, where the database has one the version of the
    case row it was taken from and, since migration 0045, the hashes of the row's other columns (those its start
    fixed, and those its commands move). Whoever changes the events up to it, or the checkpoint, without the key is
    found. A checkpoint signed before 0045 holds neither row hash and is signed without them."""
    return checkpoint_signer(key)(case_id, seq, event_hash, state_hash, variables_hash, case_data_hash,
                                  case_row_version, case_identity_hash, case_status_hash)


@functools.lru_cache(maxsize=16)
def checkpoint_signer(key: bytes) -> Callable[..., str]:
    """`checkpoint_signature` under one key, for a nightly run that checks millions: the keyed HMAC is set up
    once, and the signed JSON array is written directly where json.dumps would write it the same way."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)

    def sign(case_id: str, seq: int, event_hash: str, state_hash: str, variables_hash: str, case_data_hash: str,
             case_row_version: int | None = None, case_identity_hash: str | None = None,
             case_status_hash: str | None = None) -> str:
        hashed = case_identity_hash is not None or case_status_hash is not None
        if type(case_id) is str and type(event_hash) is str and type(state_hash) is str and \
                type(variables_hash) is str and type(case_data_hash) is str and type(seq) is int and \
                (case_row_version is None or type(case_row_version) is int) and \
                (not hashed or (type(case_identity_hash) is str and type(case_status_hash) is str)) and \
                _PLAIN.fullmatch(case_id + event_hash + state_hash + variables_hash + case_data_hash +
                                 (f"{case_identity_hash}{case_status_hash}" if hashed else "")):
            text = f'["{case_id}",{seq},"{event_hash}","{state_hash}","{variables_hash}","{case_data_hash}"' + \
                (f",{case_row_version}" if case_row_version is not None else "") + \
                (f',"{case_identity_hash}","{case_status_hash}"]' if hashed else "]")
        else:
            signed: list[Any] = [case_id, seq, event_hash, state_hash, variables_hash, case_data_hash]
            if case_row_version is not None:
                signed.append(case_row_version)
            if hashed:
                signed.extend([case_identity_hash, case_status_hash])
            text = json.dumps(signed, separators=(",", ":"))
        mac = keyed.copy()
        mac.update(text.encode("utf-8"))
        return mac.hexdigest()

    return sign


_PLAIN = re.compile(r"[A-Za-z0-9_.:-]*")  # a string json.dumps writes as it is, between quotes


def key_id(key: bytes) -> str:
    """A name for an audit key that does not disclose it: the start of its HMAC of a fixed text (as a signature
    made with it does not disclose it either)."""
    return hmac.new(key, b"assistance audit key id", hashlib.sha256).hexdigest()[:12]


@dataclass(frozen=True)
class AuditKeys:
    """The audit key that signs (`current`), and the retired keys a signature made before a rotation may still hold
    under: tried only where the current key's fails, so nothing costs more while every signature is current."""

    current: bytes
    retired: tuple[bytes, ...] = ()

    @staticmethod
    def of(keys: "bytes | AuditKeys") -> "AuditKeys":
        """`keys` as AuditKeys: a lone key is the current one, with none retired."""
        return keys if isinstance(keys, AuditKeys) else AuditKeys(keys)

    def retired_checkpoint_key(self, signature: str | None, *signed: Any) -> bytes | None:
        """The retired key a checkpoint's `signature` holds under (over `signed`, as `checkpoint_signature` takes
        them), if any."""
        for key in self.retired:
            if hmac.compare_digest(checkpoint_signer(key)(*signed), signature or ""):
                return key
        return None

    def archive_key(self, content: bytes, signature: str) -> bytes | None:
        """The key, current or retired, under which `signature` is the HMAC-SHA256 of an archive's `content`."""
        for key in (self.current, *self.retired):
            if hmac.compare_digest(hmac.new(key, content, hashlib.sha256).hexdigest().encode(), signature.encode()):
                return key
        return None


def variables_digest(variables: dict[str, Any]) -> str:
    """Return the sha256 of a case's data as canonical JSON."""
    text = json.dumps(variables, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
