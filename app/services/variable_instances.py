"""Variable instances (runtime and history): one row per variable of each case in scope, read from case data.

A case keeps its variables in one JSON column, so the list walks the cases in order and pages over
their variables; every case whose values a page shows is read through the door (logged), and the
filters on values see the values as the reader does (masked), so a filter cannot reveal what
masking hides.
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.domain.actors import Actor
from app.domain.personal import mask_marked
from app.store.listing import conditions
from app.store.runtime_lists import CASE_TENANTS
from app.store.tables import ProcessInstance
from app.store.tenancy import in_scope

from .case_data import HISTORY_VARIABLES, PROCESS_VARIABLES, case_marks, open_case
from .runtime import Runtime

BATCH = 200


@dataclass(frozen=True)
class VariableRow:
    instance: ProcessInstance
    name: str
    value: Any
    declared: dict | None

    @property
    def id(self) -> str:
        return f"{self.instance.id}:{self.name}"


def _type_of(value, declared: dict | None) -> str:
    if declared:
        return declared["type"]
    return {bool: "Boolean", int: "Integer", float: "Double", dict: "Json", list: "Json", str: "String"}.get(
        type(value), "Null")


def _cases(actor: Actor, params: Mapping[str, Any], running_only: bool):
    query = select(ProcessInstance).where(in_scope(ProcessInstance, actor))
    if running_only:
        query = query.where(ProcessInstance.state == "ACTIVE")
    ids = [set(params[name]) for name in ("processInstanceIdIn", "executionIdIn", "activityInstanceIdIn")
           if params.get(name) is not None]
    if params.get("processInstanceId") is not None:
        ids.append({params["processInstanceId"]})
    if ids:
        query = query.where(ProcessInstance.id.in_(set.intersection(*ids)))
    for name, column in (("processDefinitionId", ProcessInstance.definition_id),
                         ("processDefinitionKey", ProcessInstance.definition_key)):
        if params.get(name) is not None:
            query = query.where(column == params[name])
    query = query.where(*conditions(CASE_TENANTS, params))
    if any(params.get(name) for name in ("taskIdIn", "caseInstanceId", "caseExecutionIdIn", "caseActivityIdIn")):
        query = query.where(False)  # case variables belong to no task or CMMN case here
    return query.order_by(ProcessInstance.started_at, ProcessInstance.id)


def _text(value, fold: bool):
    return value.casefold() if fold and isinstance(value, str) else value


def _wanted(row: VariableRow, params: Mapping[str, Any]) -> bool:
    fold_name, fold_value = params.get("variableNamesIgnoreCase"), params.get("variableValuesIgnoreCase")
    name = _text(row.name, fold_name)
    if params.get("variableName") is not None and name != _text(params["variableName"], fold_name):
        return False
    if params.get("variableNameIn") is not None and row.name not in params["variableNameIn"]:
        return False
    if params.get("variableNameLike") is not None and not _like(row.name, params["variableNameLike"]):
        return False
    if params.get("variableTypeIn") is not None and \
            _type_of(row.value, row.declared).lower() not in {t.lower() for t in params["variableTypeIn"]}:
        return False
    # Camunda reads `variableValue` as a String: it matches String variables of that value
    return params.get("variableValue") is None or (
        isinstance(row.value, str) and _text(row.value, fold_value) == _text(params["variableValue"], fold_value))


def _like(text: str, pattern: str) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.DOTALL) is not None


def _as_shown(session, actor: Actor, case: ProcessInstance) -> dict:
    """The case's variables as the door would show them to the actor (masked), without logging a read."""
    data = dict(case.variables or {})
    return mask_marked(data, case_marks(session, case.definition_id)) if not actor.may("personal.unmasked") else data


def _rows(session, actor: Actor, params, running_only: bool) -> Iterator[VariableRow]:
    """Every wanted variable of the cases in scope: case by case in start order, by name within a case."""
    offset = 0
    while True:
        cases = list(session.scalars(_cases(actor, params, running_only).offset(offset).limit(BATCH)))
        for case in cases:
            shown = _as_shown(session, actor, case)
            rows = [VariableRow(case, name, value, (case.variable_types or {}).get(name))
                    for name, value in shown.items()]
            yield from sorted((row for row in rows if _wanted(row, params)), key=lambda r: r.name)
        if len(cases) < BATCH:
            return
        offset += BATCH


_SORT_KEYS = {"variableName": lambda r: r.name, "instanceId": lambda r: r.instance.id,
              "tenantId": lambda r: r.instance.tenant_id or ""}
SORT_BY = list(_SORT_KEYS)


def variable_rows(rt: Runtime, actor: Actor, params: Mapping[str, Any], sorting, first: int, limit: int | None,
                  running_only: bool) -> list[VariableRow]:
    """One page of variable instances; each case whose variables the page shows is logged as read."""
    actor.require("case.read" if running_only else "history.read")
    with rt.unit_of_work() as uow:
        rows = list(_rows(uow.session, actor, params, running_only))
        for by, order in reversed(sorting):  # stable sorts, the last key first
            if by in _SORT_KEYS:
                rows.sort(key=_SORT_KEYS[by], reverse=order == "desc")
        page = rows[first:] if limit is None else rows[first:first + limit]
        for case in {row.instance.id: row.instance for row in page}.values():  # the door logs each read
            open_case(uow.session, actor, case, PROCESS_VARIABLES if running_only else HISTORY_VARIABLES)
        uow.commit()
        return page


def count_variables(rt: Runtime, actor: Actor, params: Mapping[str, Any], running_only: bool) -> int:
    actor.require("case.read" if running_only else "history.read")
    with rt.reading() as uow:
        return sum(1 for _ in _rows(uow.session, actor, params, running_only))
