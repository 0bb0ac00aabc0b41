"""Camunda's historic details (GET /history/detail): every variable update of a case, read from its event log —
each event records what its command set or changed — case by case, as the reader may see the values (masked),
every case a page shows logged as read."""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.domain.actors import Actor
from app.domain.errors import NotFound
from app.domain.personal import mask_marked
from app.store.db import GENERIC_PLAN
from app.store.listing import conditions
from app.store.partitions import earliest_row_of
from app.store.runtime_lists import CASE_TENANTS
from app.store.tables import CaseEvent, ProcessInstance
from app.store.tenancy import in_scope

from .case_data import HISTORY_DETAILS, case_marks, open_case
from .runtime import Runtime

BATCH = 200
TASK_COMMANDS = frozenset({"complete", "claim", "unclaim", "comment"})


@dataclass(frozen=True)
class Detail:
    """One variable update: the case, the event that made it, the variable, its value then and its revision."""

    instance: ProcessInstance
    event_id: int
    seq: int
    time: datetime
    task_id: str | None
    name: str
    value: Any
    declared: dict | None
    revision: int  # 0 for the value the variable was created with

    @property
    def id(self) -> str:
        return f"{self.instance.id}:{self.seq}:{self.name}"

    @property
    def variable_instance_id(self) -> str:
        return f"{self.instance.id}:{self.name}"  # as /history/variable-instance names it


def _type_of(value: Any, declared: dict | None) -> str:
    if declared:
        return str(declared["type"])
    return {bool: "Boolean", int: "Integer", float: "Double", dict: "Json", list: "Json", str: "String"}.get(
        type(value), "Null")


def _cases(actor: Actor, params: Mapping[str, Any]):
    query = select(ProcessInstance).where(in_scope(ProcessInstance, actor))
    ids = [{params[name]} for name in ("processInstanceId", "executionId") if params.get(name) is not None]
    if params.get("processInstanceIdIn") is not None:
        ids.append(set(params["processInstanceIdIn"]))
    if ids:
        query = query.where(ProcessInstance.id.in_(set.intersection(*ids)))
    if params.get("caseInstanceId") or params.get("caseExecutionId") or params.get("formFields"):
        query = query.where(False)  # no CMMN, and no form-field details: values are variable updates
    return query.where(*conditions(CASE_TENANTS, params)).order_by(ProcessInstance.started_at, ProcessInstance.id)


def _like(text: str, pattern: str) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.DOTALL) is not None


_CHECKS = {
    "taskId": lambda d, v: d.task_id == v,
    "activityInstanceId": lambda d, v: (d.task_id or d.instance.id) == v,
    "variableInstanceId": lambda d, v: d.variable_instance_id == v,
    "variableTypeIn": lambda d, v: _type_of(d.value, d.declared).lower() in {t.lower() for t in v},
    "variableNameLike": lambda d, v: _like(d.name, v),
    "userOperationId": lambda d, v: str(d.event_id) == v,
    "excludeTaskDetails": lambda d, v: not v or d.task_id is None,
    "initial": lambda d, v: not v or d.revision == 0,
    "occurredBefore": lambda d, v: d.time <= v,
    "occurredAfter": lambda d, v: d.time >= v,
}


def _case_details(session, case: ProcessInstance, masked: bool) -> list[Detail]:
    marks = case_marks(session, case.definition_id) if masked else {}
    revisions: dict[str, int] = {}
    found = []
    events = session.execute(select(CaseEvent.id, CaseEvent.seq, CaseEvent.at, CaseEvent.command, CaseEvent.inputs,
                                    CaseEvent.changed).where(CaseEvent.process_instance_id == case.id,
                                                             CaseEvent.at >= earliest_row_of(case.started_at))
                             .order_by(CaseEvent.seq).execution_options(**GENERIC_PLAN))
    for event_id, seq, at, command, inputs, changed in events:
        shown = mask_marked(changed or {}, marks) if masked else dict(changed or {})
        task_id = (inputs or {}).get("taskId") if command in TASK_COMMANDS else None
        for name in sorted(shown):
            revision = revisions.get(name, -1) + 1
            revisions[name] = revision
            found.append(Detail(case, event_id, seq, at, task_id, name, shown[name],
                                (case.variable_types or {}).get(name), revision))
    return found


def _details(session, actor: Actor, params: Mapping[str, Any]) -> Iterator[Detail]:
    masked = not actor.may("personal.unmasked")
    checks = [(check, params[name]) for name, check in _CHECKS.items() if params.get(name) is not None]
    offset = 0
    while True:
        cases = list(session.scalars(_cases(actor, params).offset(offset).limit(BATCH)))
        for case in cases:
            yield from (d for d in _case_details(session, case, masked) if all(c(d, v) for c, v in checks))
        if len(cases) < BATCH:
            return
        offset += BATCH


_SORT_KEYS = {"processInstanceId": lambda d: d.instance.id, "variableName": lambda d: d.name,
              "variableType": lambda d: _type_of(d.value, d.declared), "variableRevision": lambda d: d.revision,
              "time": lambda d: d.time, "occurrence": lambda d: (d.time, d.event_id),
              "tenantId": lambda d: d.instance.tenant_id or ""}
SORT_BY = [*_SORT_KEYS, "formPropertyId"]  # no form-field details: every row alike


def detail_rows(rt: Runtime, actor: Actor, params: Mapping[str, Any], sorting, first: int,
                limit: int | None) -> list[Detail]:
    """One page of variable updates; each case whose values the page shows is logged as read."""
    actor.require("history.read")
    with rt.unit_of_work() as uow:
        rows = list(_details(uow.session, actor, params))
        for by, order in reversed(sorting):
            if by in _SORT_KEYS:
                rows.sort(key=_SORT_KEYS[by], reverse=order == "desc")
        page = rows[first:] if limit is None else rows[first:first + limit]
        for case in {row.instance.id: row.instance for row in page}.values():
            open_case(uow.session, actor, case, HISTORY_DETAILS)
        uow.commit()
        return page


def count_details(rt: Runtime, actor: Actor, params: Mapping[str, Any]) -> int:
    actor.require("history.read")
    with rt.reading() as uow:
        return sum(1 for _ in _details(uow.session, actor, params))


def one_detail(rt: Runtime, actor: Actor, detail_id: str) -> Detail:
    """One variable update by id (`case:seq:name`), logged as read."""
    case_id, _, rest = detail_id.partition(":")
    found = [d for d in detail_rows(rt, actor, {"processInstanceId": case_id}, (), 0, None) if d.id == detail_id] \
        if rest else []
    if not found:
        raise NotFound(f"历史明细 {detail_id} 不存在", field="id")
    return found[0]
