"""Check a case row's columns beside its workflow and data against what the case's log proves.

The start event records the business key, the starter (its actor), the moment and the definition (its target); a
migration event moves the case to its target definition; the last suspension event says whether the case is
suspended; the verified workflow says whether the case has ended, and the last engine event before it ended says
how and when (a cancellation, a voiding or a modification that left nothing running terminates it; anything else
completes it). The county is the first segment of the org path. Nothing in the log records the org path itself or
the declared variable types: the signed checkpoint fixes those (app/services/verification.py).
"""

import json
from datetime import UTC, datetime

from app.domain.orgs import tenant_of
from app.engine.serializer import inflate_state
from app.store.tables import CaseEvent, ProcessInstance

from .registry import CANCEL, COMMANDS, MIGRATION, MODIFICATION, START, SUSPENSION, VOID

_TERMINATING = frozenset({CANCEL.name, VOID.name, MODIFICATION.name})
_REWRITTEN = "（案件记录被改写）"


def case_row_problem(instance: ProcessInstance, events: list[CaseEvent]) -> tuple[int, str] | None:
    """The first of the case row's columns that disagrees with the (chain-checked) log, as (event, problem)."""
    start = events[0]
    if start.command != START.name:
        return None  # no start event: the replay fails on the first event
    if instance.business_key != (start.inputs or {}).get("businessKey") or instance.started_by != start.actor \
            or _utc(instance.started_at) != _utc(start.at):
        return 1, "案件记录的业务标识、发起人或发起时间与发起事件记录的不符" + _REWRITTEN
    if instance.tenant_id != tenant_of(instance.org_path):
        return 1, "案件记录的所属县与其所属单位不符" + _REWRITTEN
    return _definition_problem(instance, events) or _suspension_problem(instance, events) \
        or _end_problem(instance, events)


def _definition_problem(instance: ProcessInstance, events: list[CaseEvent]) -> tuple[int, str] | None:
    migrated = [event for event in events if event.command == MIGRATION.name]
    recorded = (migrated[-1].inputs or {}).get("targetProcessDefinitionId") if migrated else events[0].target
    if (recorded is not None and instance.definition_id != recorded) or \
            instance.definition_id.split(":", 1)[0] != instance.definition_key:
        return (migrated[-1].seq if migrated else 1), "案件记录的流程定义与日志记录的不符" + _REWRITTEN
    return None


def _suspension_problem(instance: ProcessInstance, events: list[CaseEvent]) -> tuple[int, str] | None:
    suspensions = [event for event in events if event.command == SUSPENSION.name]
    suspended = bool(suspensions) and bool((suspensions[-1].inputs or {}).get("suspended"))
    if bool(instance.suspended) != suspended:
        return (suspensions[-1].seq if suspensions else len(events)), "案件记录的挂起状态与日志不符" + _REWRITTEN
    return None


def _end_problem(instance: ProcessInstance, events: list[CaseEvent]) -> tuple[int, str] | None:
    """ACTIVE and no end while the workflow runs; else ended at the last engine event, terminated by a cancellation,
    a voiding or a modification, completed by anything else (no engine command runs on an ended case)."""
    expected: tuple[str, datetime | None] = ("ACTIVE", None)
    last = events[-1]
    if json.loads(inflate_state(instance.workflow)).get("completed"):
        last = [event for event in events if _runs_engine(event)][-1]
        expected = ("EXTERNALLY_TERMINATED" if last.command in _TERMINATING else "COMPLETED", _utc(last.at))
    if (instance.state, _utc(instance.ended_at)) != expected:
        return last.seq, "案件记录的办理状态或结束时间与日志不符" + _REWRITTEN
    return None


def _runs_engine(event: CaseEvent) -> bool:
    command = COMMANDS.get(event.command)
    return command is not None and command.apply is not None


def _utc(moment: datetime | None) -> datetime | None:
    """A stored moment in UTC (SQLite returns the UTC moment without its zone)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
