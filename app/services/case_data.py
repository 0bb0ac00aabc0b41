"""The one door for case data.

Whatever a route, a page or a worker shows of a case's data — its variables, a task's own variables, a
command's answer, an event's inputs, a state rebuilt by replay, a finding, a worker's payload — it gets
through `open_case`: the read is scoped to what its purpose may show, masked for the actor by the marks of
the case's definition (app/domain/personal.py, the forms, and what scripts carry) and of every version of the
processes it calls or is called by (`case_marks`), and written to the access log in the reading unit of work.
`PURPOSES` is the table of every way case data leaves the service.
"""

import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import Enum
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.errors import EngineFailure, NotFound
from app.domain.personal import DERIVED, PERSONAL_FIELDS, mask_marked, scrub
from app.engine.marks import carried_marks
from app.store.broadcast import EVERYTHING
from app.store.queries import visible_instance
from app.store.tables import ProcessDefinition, ProcessInstance
from app.store.tenancy import in_scope

from .access_log import record_read
from .archived_cases import case_not_found
from .definitions import cached_definition, cached_form
from .forms import form_marks


class Reach(Enum):
    CASE = "case"  # the case's variables
    OWN = "own"  # the task's or the command's own variables, over the case's for roles that read cases
    GIVEN = "given"  # none of the case's variables: only what the reader shows through the view


@dataclass(frozen=True)
class Purpose:
    what: str  # written to the access log
    reach: Reach
    permission: str | None = None  # needed beyond having the case in scope

    def at(self, detail: str) -> "Purpose":
        return replace(self, what=f"{self.what} {detail}")


PROCESS_VARIABLES = Purpose("process-instance variables", Reach.CASE, "case.read")
HISTORY_VARIABLES = Purpose("history variable-instance", Reach.CASE, "history.read")
WEB_CASE_PAGE = Purpose("web case page", Reach.CASE, "case.read")
TASK_FORM = Purpose("task form-variables", Reach.OWN)
WEB_TASK_PAGE = Purpose("web task page", Reach.OWN)
TASK_RESULT = Purpose("task completion result", Reach.OWN)
START_RESULT = Purpose("case start result", Reach.OWN)
MESSAGE_RESULT = Purpose("message correlation result", Reach.OWN)
WORKER_PAYLOAD = Purpose("external-task fetchAndLock", Reach.CASE, "external_task.work")
AUDIT_EVENTS = Purpose("audit events", Reach.GIVEN, "audit.verify")
AUDIT_STATE = Purpose("audit state", Reach.GIVEN, "audit.verify")
FINDINGS = Purpose("household findings", Reach.GIVEN, "finding.read")
PAYMENTS = Purpose("payments", Reach.GIVEN)  # a household's roll lines (app/services/payroll/reads.py)
BANK_FILE = Purpose("bank file", Reach.GIVEN, "payroll.run")  # a frozen roll's file, whole: logged on its run
NOTICES = Purpose("notices", Reach.GIVEN, "case.read")  # its notices of decisions: whole or as masked when issued
NOTICE_PDF = Purpose("notice pdf", Reach.GIVEN, "case.read")
ROSTER = Purpose("roster", Reach.GIVEN, "payroll.read")  # a township's 发放名册 (finance copy whole)
ATTACHMENTS = Purpose("attachments", Reach.GIVEN, "case.read")  # a case's or its tasks' files and their bytes
HISTORY_DETAILS = Purpose("history detail", Reach.GIVEN, "history.read")  # each variable update, masked as the data
WEB_INBOX = Purpose("web inbox", Reach.OWN)  # the applicant's name and the case's kind beside each task
INBOX_SEARCH = Purpose("web inbox search", Reach.GIVEN, "personal.unmasked")  # a search that found personal data
# the auditor's search that found a case by its applicant's name or 身份证: the applicant shown, masked as the data
AUDIT_SEARCH = Purpose("audit search", Reach.CASE, "audit.verify")
COMMENTS = Purpose("comments", Reach.GIVEN, "case.read")  # 办理意见: personal values in them masked as the data
PURPOSES = (ATTACHMENTS, PROCESS_VARIABLES, HISTORY_VARIABLES, WEB_CASE_PAGE, TASK_FORM, WEB_TASK_PAGE, TASK_RESULT,
            START_RESULT, MESSAGE_RESULT, WORKER_PAYLOAD, AUDIT_EVENTS, AUDIT_STATE, FINDINGS, PAYMENTS, BANK_FILE,
            ROSTER, NOTICES, NOTICE_PDF, COMMENTS, HISTORY_DETAILS, WEB_INBOX, INBOX_SEARCH, AUDIT_SEARCH)


@dataclass(frozen=True)
class CaseView:
    """What one read shows of one case: its variables for the purpose, masked for the reader."""

    case_id: str
    variables: Mapping[str, Any]
    masked: bool
    marks: Mapping[str, str]

    def shown(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """Return more data of this case (an event's inputs, a replayed state) as this reader may see it."""
        return mask_marked(data, self.marks) if self.masked else dict(data)

    def withheld(self, name: str) -> bool:
        """Return whether this reader sees the variable `name` masked."""
        return self.masked and name in self.marks


def case_in_scope(session: Session, actor: Actor, case_id: str, field: str | None = "id") -> ProcessInstance:
    """The case, if the actor's scope covers it; else NotFound naming `field`, saying so if the case was archived
    (other scopes are not revealed)."""
    instance = visible_instance(session, actor, case_id)
    if instance is None:
        raise case_not_found(session, actor, case_id, field)
    return instance


def cases_in_scope(session: Session, actor: Actor, case_ids: list[str],
                   field: str = "processInstanceIds") -> list[ProcessInstance]:
    """Each case named, once and in the order named, if the actor's scope covers them all; else NotFound for the
    first it does not cover, naming `field` (other scopes are not revealed)."""
    named = list(dict.fromkeys(case_ids))
    found = {c.id: c for c in session.scalars(select(ProcessInstance).where(
        ProcessInstance.id.in_(named), in_scope(ProcessInstance, actor)))}
    for case_id in named:
        if case_id not in found:
            raise NotFound(f"案件 {case_id} 不存在", field=field)
    return [found[case_id] for case_id in named]


def open_case(session: Session, actor: Actor, instance: ProcessInstance, purpose: Purpose,
              own: Mapping[str, Any] | None = None, names: Collection[str] | None = None) -> CaseView:
    """Return what `purpose` shows `actor` of the case — scoped, masked — and log the read.

    `own`: the task's or command's own variables (Reach.OWN); `names`: show only these variables.
    """
    if not actor.scope.covers(instance.org_path):
        raise NotFound(f"案件 {instance.id} 不存在", field="id")
    if purpose.permission:
        actor.require(purpose.permission)
    masked = not actor.may("personal.unmasked")
    marks = case_marks(session, instance.definition_id)
    data = _scoped(actor, instance, purpose.reach, own or {})
    if names is not None:
        data = {name: value for name, value in data.items() if name in names}
    record_read(session, actor, instance, purpose.what, masked)
    return CaseView(instance.id, mask_marked(data, marks) if masked else data, masked, marks)


def _scoped(actor: Actor, instance: ProcessInstance, reach: Reach, own: Mapping[str, Any]) -> dict[str, Any]:
    if reach is Reach.GIVEN:
        return {}
    case = dict(instance.variables or {})
    if reach is Reach.CASE:
        return case
    return {**(case if actor.may("case.read") else {}), **own}


DEFINITIONS = "definitions"  # the broadcast topic: a process key has a new version (key; "*": any key may have)


@dataclass(frozen=True)
class CallGraph:
    """Every deployed version of every process key, and which keys call which (in any version)."""

    versions: Mapping[str, frozenset[str]]  # key -> its definitions' ids
    calls: Mapping[str, frozenset[str]]  # key -> the keys some version of it calls
    callers: Mapping[str, frozenset[str]]  # key -> the keys some version of which calls it

    def reach(self, key: str, edges: Mapping[str, frozenset[str]]) -> set[str]:
        """The keys `edges` lead to from `key`, directly or not."""
        found: set[str] = set()
        pending = set(edges.get(key, ()))
        while pending:
            found |= pending
            pending = {k for p in pending for k in edges.get(p, ())} - found
        return found


class _MarksCache:
    """The marks of each definition's cases, kept per process until a version of some process is deployed.

    A definition's own marks (its forms', its call bundle's, what it carries) never change. What its cases hold
    from other processes does: a call binds its version when it starts, so the cases hold what any version of a
    called process passes out, and a called instance holds what any version of a process calling it passes in.
    A deployment announces its keys (`DEFINITIONS`); every process drops the call graph, the marks of those keys
    and every case's, and reads them again when next asked (one query for the graph, one per definition not read
    before). A call bound to a version the graph does not hold (deployed by another process, not heard of yet)
    drops them too. A read on the hot path finds them kept and costs no statement."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.changes = 0  # deployments heard; what was read before one is not kept
        self.own: dict[str, Mapping[str, str]] = {}  # definition id -> its own marks
        self.graph: CallGraph | None = None
        self.keys: dict[str, Mapping[str, str]] = {}  # process key -> the own marks of all its versions
        self.cases: dict[str, Mapping[str, str]] = {}  # definition id -> its cases' marks

    def forget(self, key: str) -> None:
        """A version of `key` was deployed (EVERYTHING: any key may have had one)."""
        with self.lock:
            self.changes += 1
            self.graph = None
            self.cases.clear()
            if key == EVERYTHING:
                self.keys.clear()
            else:
                self.keys.pop(key, None)

    def bound(self, key: str, definition_id: str) -> None:
        """A call of `key` was bound to `definition_id`: if the graph was read before it was deployed, drop it."""
        graph = self.graph
        if graph is not None and definition_id not in graph.versions.get(key, ()):
            self.forget(key)

    def keep(self, seen: int, keep: Callable[[], None]) -> None:
        """Keep what was read, unless a deployment was heard since it began (`seen`)."""
        with self.lock:
            if seen == self.changes:
                keep()


_marks = _MarksCache()


def forget_marks(key: str) -> None:
    """The broadcast's handler (app/__init__.py): a version of the process `key` was deployed somewhere."""
    _marks.forget(key)


def call_bound(key: str, definition_id: str) -> None:
    """A call of `key` was bound to the version `definition_id` (app/services/called_instances.py)."""
    _marks.bound(key, definition_id)


def case_marks(session: Session, definition_id: str) -> Mapping[str, str]:
    """Return the personal variables of a definition's cases and their kinds: the table's, those its bound
    forms mark, those its scripts, parameters and call mappings fill from them — and, since a call binds its
    version when it starts, those any version of a process it calls (directly or not) marks, which
    `camunda:out` brings back, and, for a called instance, those of every process that may call it (directly
    or not) and of what those call, which `camunda:in` brings in. Over-masking is safe; a leak is not."""
    found = _marks.cases.get(definition_id)
    if found is not None:
        return found
    seen = _marks.changes
    definition = cached_definition(session, definition_id)
    graph = _call_graph(session, seen)
    key = definition.key
    ancestors = graph.reach(key, graph.callers)
    related = ancestors | graph.reach(key, graph.calls) | {k for a in ancestors for k in graph.reach(a, graph.calls)}
    gathered: dict[str, str] = {}
    for other in sorted(related):
        _merge(gathered, _key_marks(session, graph, other, seen))
    marks = MappingProxyType(carried_marks(definition, _merge(gathered, _own_marks(session, definition_id))))
    _marks.keep(seen, lambda: _marks.cases.__setitem__(definition_id, marks))
    return marks


def _own_marks(session: Session, definition_id: str) -> Mapping[str, str]:
    """A definition's own marks: the table's, its bound forms' (its call bundle's too), what it carries."""
    if definition_id not in _marks.own:
        definition = cached_definition(session, definition_id)
        marks = dict(PERSONAL_FIELDS)
        groups = [definition.activities, *definition.called.values()]
        for form_id in {info.form_id for group in groups for info in group.values() if info.form_id}:
            marks.update(form_marks(cached_form(session, form_id) or {}))
        _marks.own[definition_id] = MappingProxyType(carried_marks(definition, marks))
    return _marks.own[definition_id]


def _key_marks(session: Session, graph: CallGraph, key: str, seen: int) -> Mapping[str, str]:
    """The own marks of every deployed version of `key`."""
    found = _marks.keys.get(key)
    if found is None:
        marks: dict[str, str] = {}
        for definition_id in sorted(graph.versions.get(key, ())):
            try:
                _merge(marks, _own_marks(session, definition_id))
            except NotFound:  # its deployment was deleted (no case ran on it) since the graph was read
                continue
        found = MappingProxyType(marks)
        _marks.keep(seen, lambda: _marks.keys.__setitem__(key, found))
    return found


def _call_graph(session: Session, seen: int) -> CallGraph:
    """Every definition's key and calls (each definition's spec keeps its call graph, app/engine/calls.py)."""
    graph = _marks.graph
    if graph is None:
        versions: dict[str, set[str]] = {}
        calls: dict[str, set[str]] = {}
        for definition_id, key, called in session.execute(
                select(ProcessDefinition.id, ProcessDefinition.key, ProcessDefinition.spec["calls"])):
            versions.setdefault(key, set()).add(definition_id)
            for caller, callees in (called or {}).items():
                calls.setdefault(caller, set()).update(c for c in callees or () if c)
        callers: dict[str, set[str]] = {}
        for caller, callees in calls.items():
            for callee in callees:
                callers.setdefault(callee, set()).add(caller)
        graph = CallGraph({k: frozenset(v) for k, v in versions.items()}, {k: frozenset(v) for k, v in calls.items()},
                          {k: frozenset(v) for k, v in callers.items()})
        made = graph
        _marks.keep(seen, lambda: setattr(_marks, "graph", made))
    return graph


def _merge(into: dict[str, str], marks: Mapping[str, str]) -> dict[str, str]:
    """Add `marks` to `into`; a variable two processes mark as different kinds is hidden whole (DERIVED)."""
    for name, kind in marks.items():
        into[name] = kind if into.get(name, kind) == kind else DERIVED
    return into


def scrubbed(session: Session, definition_id: str, text: str, *data: Mapping[str, Any]) -> str:
    """Return `text` (an error, a verdict) with every personal value of `data` in it masked, by the marks of
    the definition's cases: a message never quotes a personal value whole."""
    marks = case_marks(session, definition_id)
    return scrub(text, [(marks[name], value) for values in data for name, value in values.items()
                        if name in marks])


@contextmanager
def errors_quote_no_personal_values(session: Session, definition_id: str, *data: Mapping[str, Any]) -> Iterator[None]:
    """Mask the personal values of `data` in the message of an engine failure raised inside (an expression's
    error may quote a value; the answer, the log and an incident must not)."""
    try:
        yield
    except EngineFailure as err:
        err.message = scrubbed(session, definition_id, err.message, *data)
        err.args = (err.message,)
        raise
