"""The one door for case data.

Whatever a route, a page or a worker shows of a case's data — its variables, a task's own variables, a
command's answer, an event's inputs, a state rebuilt by replay, a finding, a worker's payload — it gets
through `open_case`: the read is scoped to what its purpose may show, masked for the actor by the marks of
the case's definition (app/domain/personal.py, the forms, and what scripts carry), and written to the
access log in the reading unit of work. `PURPOSES` is the table of every way case data leaves the service.
"""

from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import Enum
from types import MappingProxyType
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.errors import EngineFailure, NotFound
from app.domain.personal import PERSONAL_FIELDS, mask_marked, scrub
from app.engine.marks import carried_marks
from app.store.queries import visible_instance
from app.store.tables import ProcessInstance
from app.store.tenancy import in_scope

from .access_log import record_read
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
    """The case, if the actor's scope covers it; else NotFound naming `field` (other scopes are not revealed)."""
    instance = visible_instance(session, actor, case_id)
    if instance is None:
        raise NotFound(f"案件 {case_id} 不存在", field=field)
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


_marks: dict[str, Mapping[str, str]] = {}


def case_marks(session: Session, definition_id: str) -> Mapping[str, str]:
    """Return the personal variables of a definition's cases and their kinds: the table's, those its bound
    forms mark, and those its scripts and input parameters fill from them (definitions never change)."""
    if definition_id not in _marks:
        definition = cached_definition(session, definition_id)
        marks = dict(PERSONAL_FIELDS)
        groups = [definition.activities, *definition.called.values()]
        for form_id in {info.form_id for group in groups for info in group.values() if info.form_id}:
            marks.update(form_marks(cached_form(session, form_id) or {}))
        _marks[definition_id] = MappingProxyType(carried_marks(definition, marks))
    return _marks[definition_id]


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
