"""What the web pages read: the inbox, the case list and one case's page, the start choices, the auditor's
search — queries on the tables kept for reading, scoped to the actor. A case's variables reach a page only
through the door (app/services/case_data.py)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from app.domain.actors import Actor
from app.domain.orgs import tenant_of
from app.engine.changes import Definition
from app.store.queries import (
    activity_query,
    case_events,
    definition_query,
    definition_xml,
    inbox_query,
    inbox_steps,
    instance_query,
    job_query,
    open_tasks_of,
    villages_in,
)
from app.store.tables import HistoryActivity, OrgUnit, ProcessInstance, Task

from . import registry
from .case_data import AUDIT_SEARCH, INBOX_SEARCH, WEB_CASE_PAGE, WEB_INBOX, CaseView, case_in_scope, open_case
from .cases import SERVICE_STARTED
from .definitions import cached_definition, may_see_tenant
from .runtime import Runtime


@dataclass(frozen=True)
class Desk:
    """What the inbox shows beside a task, read through the door: who applied (masked for the role), whether the
    case is 急难, and the case's overall limit."""

    applicant: str | None
    urgent: bool
    accepted_at: str | None
    overall_limit: int | None


@dataclass(frozen=True)
class Inbox:
    tasks: list[Task]
    total: int
    steps: list[Any]  # (definition_key, activity_id, name) of every task in the inbox, for its filter
    villages: list[OrgUnit]
    desks: dict[str, Desk]  # per task id
    searched_personal: bool = False  # the search looked in names and 身份证 (and was logged where it found any)


DESK_FIELDS = ("applicant_name", "kind", "accepted_at", "overall_limit")


def inbox(rt: Runtime, actor: Actor, params: dict, village: str | None, latest_first: bool, page: int,
          size: int, search: str | None = None) -> Inbox:
    """Return one page of my tasks and my groups' unclaimed ones, in one village of my unit or all, 急难 first;
    `search` finds a business key, or — for roles that see personal data whole — an applicant's name or 身份证."""
    with rt.unit_of_work() as uow:
        session = uow.session
        villages = list(session.scalars(villages_in(actor)))
        village_path = next((v.path for v in villages if v.code == village), None)
        query = inbox_query(actor, params, village_path, latest_first=latest_first)
        personal = bool(search) and actor.may("personal.unmasked")
        if search:
            found = _cases_by_person(session, actor, query, search) if personal else []
            query = query.where(or_(Task.business_key.contains(search), Task.process_instance_id.in_(found)))
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        tasks = list(session.scalars(query.offset((page - 1) * size).limit(size)))
        result = Inbox(tasks, total, list(session.execute(inbox_steps(actor))), villages, _desks(session, actor, tasks),
                       personal)
        uow.commit()
        session.expunge_all()
        return result


def _cases_by_person(session, actor: Actor, query, search: str) -> list[str]:
    """The cases of my inbox whose applicant's name contains `search` or whose 身份证 is it; each one found is
    logged as a read of its personal data."""
    ids = select(query.order_by(None).subquery().c.process_instance_id).distinct()
    wanted = search.strip().upper()
    found = []
    for instance in session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(ids))):
        data = instance.variables or {}
        if str(data.get("id_number") or "").upper() == wanted or (
                len(wanted) >= 2 and wanted in str(data.get("applicant_name") or "")):
            open_case(session, actor, instance, INBOX_SEARCH)
            found.append(instance.id)
    return found


def _desks(session, actor: Actor, tasks: list[Task]) -> dict[str, Desk]:
    cases = {c.id: c for c in session.scalars(select(ProcessInstance).where(
        ProcessInstance.id.in_({t.process_instance_id for t in tasks})))}
    desks = {}
    for task in tasks:
        view = open_case(session, actor, cases[task.process_instance_id], WEB_INBOX, task.local_variables or {},
                         names=DESK_FIELDS).variables
        limit = view.get("overall_limit")
        desks[task.id] = Desk(view.get("applicant_name"), view.get("kind") == "急难" or task.priority > 50,
                              view.get("accepted_at"), limit if isinstance(limit, int) else None)
    return desks


def next_task_of(rt: Runtime, actor: Actor, case_id: str) -> Task | None:
    """Return the first task of the case waiting for me or my groups, if any."""
    with rt.reading() as uow:
        return uow.session.scalars(inbox_query(actor, {"processInstanceId": case_id})).first()


def case_list(rt: Runtime, actor: Actor, params: dict, page: int, size: int) -> tuple[list[ProcessInstance], int]:
    """Return one page of the cases in my scope, newest first, and how many there are."""
    actor.require("case.read")
    query = instance_query(actor, params).order_by(None).order_by(ProcessInstance.started_at.desc(),
                                                                   ProcessInstance.id)
    with rt.reading() as uow:
        total = uow.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        return list(uow.session.scalars(query.offset((page - 1) * size).limit(size))), total


def start_choices(rt: Runtime, actor: Actor) -> tuple[list[Any], list[OrgUnit]]:
    """Return the definitions I may start a case of here, each key once as a start by key runs it (my county's
    latest version, else the shared latest), and the villages of my unit, to start a case in."""
    actor.require("case.start")
    county = tenant_of(actor.org_path)
    with rt.reading() as uow:
        latest = {(d.key, d.tenant_id): d for d in uow.session.scalars(definition_query({"latestVersion": True}))
                  if may_see_tenant(actor, d.tenant_id)}
        chosen = (latest.get((key, county)) or latest.get((key, None)) for key in dict.fromkeys(k for k, _ in latest))
        startable = [d for d in chosen if d is not None and _offered(cached_definition(uow.session, d.id), d)]
        return startable, list(uow.session.scalars(villages_in(actor)))


def _offered(spec: Definition, row: Any) -> bool:
    """Whether the start page offers a version: not suspended (a start would be refused), not
    camunda:isStartableInTasklist="false" (started by its caller or a client), and with a none start event (a
    process with only message or timer starts is started by its message or timer, never by hand)."""
    return not row.suspended and spec.spec.get("startableInTasklist", True) and spec.starts_by_hand \
        and row.key not in SERVICE_STARTED


@dataclass(frozen=True)
class CasePage:
    """One case as its page shows it: where it has been and waits, its log and its data."""

    instance: ProcessInstance
    history: list[Any]
    jobs: list[Any]
    tasks: list[Task]
    events: list[Any]
    xml: bytes | None
    view: CaseView


def case_page(rt: Runtime, actor: Actor, case_id: str) -> CasePage:
    """Return a case in my scope with its history, timers, open tasks, events, diagram and data (logged)."""
    actor.require("case.read")
    with rt.unit_of_work() as uow:
        session = uow.session
        instance = case_in_scope(session, actor, case_id, field=None)
        page = CasePage(instance, list(session.scalars(activity_query(actor, {}, case=instance))),
                        list(session.scalars(job_query(actor, {"processInstanceId": instance.id}))),
                        list(session.scalars(open_tasks_of(instance.id))),
                        list(session.scalars(case_events(instance))),
                        session.scalar(definition_xml(instance.definition_id)),
                        open_case(session, actor, instance, WEB_CASE_PAGE))
        uow.commit()
        return page


@dataclass(frozen=True)
class FoundCases:
    """The auditor's search: the cases found, and the applicant (as the reader may see it) of each case found by
    its applicant's name or 身份证 — those reads are logged."""

    cases: list[ProcessInstance]
    applicants: dict[str, str]


def find_cases(rt: Runtime, actor: Actor, text: str, limit: int) -> FoundCases:
    """Return the newest cases in scope whose business key contains `text`, whose id it is, whose applicant's name
    contains it or whose applicant's 身份证 it is."""
    query = instance_query(actor, {}).order_by(None)
    wanted = text.strip().upper()
    if text:
        name = ProcessInstance.variables["applicant_name"].as_string()
        person = ProcessInstance.variables["id_number"].as_string() == wanted
        if len(text) >= 2:
            person = or_(person, name.contains(text, autoescape=True))
        query = query.where(or_(ProcessInstance.business_key.contains(text, autoescape=True),
                                ProcessInstance.id == text, person))
    with rt.unit_of_work() as uow:
        session = uow.session
        cases = list(session.scalars(query.order_by(ProcessInstance.started_at.desc(), ProcessInstance.id)
                                     .limit(limit)))
        applicants = {}
        for case in cases:
            if text and text not in (case.business_key or "") and case.id != text:
                shown = open_case(session, actor, case, AUDIT_SEARCH, names=("applicant_name",)).variables
                applicants[case.id] = str(shown.get("applicant_name") or "")
        uow.commit()
        session.expunge_all()
        return FoundCases(cases, applicants)


def finished_by(rt: Runtime, actor: Actor, case_id: str, moment: datetime) -> set[str]:
    """Return the activities the case had finished by `moment` (from the history table)."""
    with rt.reading() as uow:
        rows = uow.session.scalars(activity_query(actor, {"processInstanceId": case_id, "finished": True}))
        return {row.activity_id for row in rows if row.end_time <= moment}


@dataclass(frozen=True)
class FinishedTask:
    """A task no longer open: who finished it and when, or that the case moved past it."""

    name: str
    case_id: str
    business_key: str | None
    finished_at: datetime | None
    finished_by: str | None  # None: withdrawn by the case's flow (an objection, a timer, a cancellation)
    how: str  # the command's label


def finished_task(rt: Runtime, actor: Actor, task_id: str) -> FinishedTask | None:
    """Return how a task of my scope ended, from the history and the case log; None if there never was one."""
    with rt.reading() as uow:
        session = uow.session
        row = session.scalar(select(HistoryActivity).where(HistoryActivity.id == task_id))  # malformed: none
        if row is None or row.end_time is None or not actor.scope.covers(row.org_path) or not (
                actor.may("case.read") or actor.groups & set(row.candidate_groups or ())
                or row.assignee == actor.username):
            return None
        instance = session.get(ProcessInstance, row.process_instance_id)
        ended = next((e for e in session.scalars(case_events(instance))
                      if (e.inputs or {}).get("taskId") == task_id and e.command in FINISHING), None) \
            if instance is not None else None
        return FinishedTask(row.activity_name, row.process_instance_id, instance.business_key if instance else None,
                            ended.at if ended else row.end_time, ended.actor if ended else None,
                            registry.label(ended.command) if ended else "流程已推进")


FINISHING = {registry.COMPLETE.name, registry.EXTERNAL_COMPLETE.name, registry.EXTERNAL_BPMN_ERROR.name}
