"""Store workflows without their specs: the spec lives once with the definition.

A case's stored state is only its task tree and data (zlib-compressed JSON), so a
waiting case costs a few kilobytes; the spec is restored from the definition and
kept per thread, because Camunda multi-instance tasks update their spec while running.
The converters that make this so are registered in app/engine/spiff_compat/converters.py.
"""

import json
import threading
import zlib
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from .spiff_compat.converters import SERIALIZER as _SERIALIZER

_cache = threading.local()


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
    return BpmnWorkflow(spec, subprocess_specs, script_engine=script_engine)


def dump_workflow(workflow: BpmnWorkflow) -> bytes:
    """Serialize a workflow's state, without its spec, compressed."""
    dct = _SERIALIZER.to_dict(workflow)
    text = json.dumps(dct, separators=(",", ":"), ensure_ascii=False)
    return zlib.compress(text.encode("utf-8"), 6)


def load_workflow(state: bytes, definition_id: str, spec_dict: dict[str, Any], script_engine: Any) -> BpmnWorkflow:
    """Restore a workflow stored by `dump_workflow` onto the definition's spec."""
    dct = json.loads(zlib.decompress(state))
    dct["spec"], dct["subprocess_specs"] = _specs(definition_id, spec_dict)
    workflow = _SERIALIZER.from_dict(dct)
    workflow.script_engine = script_engine
    return workflow
