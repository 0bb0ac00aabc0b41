"""Every change this service makes to SpiffWorkflow's behaviour, in one place, installed once by the app factory.

Where SpiffWorkflow offers an extension point it is used in the module that needs it: task spec classes through
the parser's `OVERRIDE_PARSER_CLASSES` (app/engine/parser.py), the script engine by subclassing
(app/engine/script_engine.py), the state codec through the serializer's converter registry (`converters`).
What no extension point reaches is patched here, only by `install()`, and only on a SpiffWorkflow version it was
tested with:

- `task_ids`: task ids and state-change times from the command, so replay rebuilds a case byte for byte;
- `timers`: timers on the command's clock, firing only when their job fires, cycles as Camunda runs them;
- `listeners`: Camunda listeners and output parameters in every task's life cycle;
- `multi_instance`: the cap on a multi-instance collection;
- `called_specs`: a subworkflow runs the spec of the definition it belongs to (a call bound when it starts).

Each module names in `RELIES_ON` the SpiffWorkflow code it was written against; tests/unit/test_spiff_compat.py
fails when that code changes, so an upgrade is reviewed patch by patch before `TESTED_VERSIONS` admits it.
"""

from SpiffWorkflow.version import __version__ as SPIFF_VERSION

from . import called_specs, listeners, multi_instance, task_ids, timers

TESTED_VERSIONS = frozenset({"3.2.0"})
PATCHES = (task_ids, timers, listeners, multi_instance, called_specs)
_installed: list[str] = []  # the version the patches were installed on, once


class UntestedSpiffWorkflow(RuntimeError):
    """The installed SpiffWorkflow is not a version the patches were tested with."""


def check_version(version: str) -> None:
    """Refuse a SpiffWorkflow version the patches were not tested with, saying what to do."""
    if version not in TESTED_VERSIONS:
        tested = ", ".join(sorted(TESTED_VERSIONS))
        raise UntestedSpiffWorkflow(
            f"SpiffWorkflow {version} is installed, but this service is tested with SpiffWorkflow {tested} only: "
            f"its changes to SpiffWorkflow (app/engine/spiff_compat) could alter task ids or timers and make every "
            f"stored case fail verification. Install SpiffWorkflow=={tested} (setup.cfg pins it), or review each "
            f"patch against the new version (tests/unit/test_spiff_compat.py) and add it to TESTED_VERSIONS.")


def install() -> None:
    """Check the installed SpiffWorkflow and apply every patch, once per process."""
    if _installed:
        return
    check_version(SPIFF_VERSION)
    for patch in PATCHES:
        patch.install()
    _installed.append(SPIFF_VERSION)


def installed() -> bool:
    """Whether `install()` has run in this process."""
    return bool(_installed)
