"""Notices of decisions: issued in the command that opens their handover task, stored immutably, read by role.

A handover task whose diagram declares `camunda:property name="notice"` (app/engine/notice_property.py)
issues a notice as it opens: the template version pinned at deployment is rendered on the case data,
the task's own input parameters, the county's 复议 body and court in force, and the statutory limits.
The text is stored twice — whole, and as masked roles see it (the same template on masked data) — and
a `notice` event in the case's log records both sha256 and everything the text depends on that is not
case data, so replay renders it again and verification compares (app/services/audit.py).
"""

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.clock import local
from app.domain.errors import NotFound
from app.domain.notices import (
    COURT_SETTING,
    KINDS,
    LITIGATION_MONTHS,
    REVIEW_BODY_SETTING,
    REVIEW_DAYS,
    default_court,
    default_review_body,
)
from app.domain.personal import mask_marked
from app.engine.changes import Changes, OpenTask
from app.store.queries import visible_instance
from app.store.tables import CountySetting, Notice, OrgUnit, ProcessDefinition, ProcessInstance
from app.store.writes import Writes

from .case_data import NOTICE_PDF, NOTICES, CaseView, Purpose, case_in_scope, case_marks, open_case
from .definitions import cached_definition
from .notice_templates import render
from .notice_versions import cached_template
from .registry import NOTICE, Issued, NoticeInputs
from .runtime import Runtime

COMMAND = NOTICE.name  # the event that issues a notice; replay changes nothing for it (app/services/replay.py)
_NAMESPACE = uuid.UUID("5c0f6f1e-3d1b-4c53-9a43-6e6f74696365")


@dataclass(frozen=True)
class Issue:
    """What a notice's text depends on besides the case data: recorded in its event's inputs."""

    notice_id: str
    kind: str
    template_id: str
    task_id: str
    seq: int
    at: datetime
    business_key: str | None
    process_name: str
    settings: dict

    @classmethod
    def from_event(cls, inputs: NoticeInputs, seq: int, at: datetime) -> "Issue":
        return cls(inputs.notice_id, inputs.kind, inputs.template, inputs.task_id, seq, at, inputs.business_key,
                   inputs.process_name, inputs.settings)


def compose(issue: Issue, template: str, variables: dict, local_inputs: dict, process_key: str,
            marks: Mapping[str, str]) -> tuple[str, str]:
    """Render the notice whole and masked (the personal data `marks` names masked as its kind): a function of the
    case data, the task's inputs, the template, the issue and the definition's marks alone."""
    facts = {"process": process_key, "process_name": issue.process_name, "business_key": issue.business_key,
             "notice": {"kind": issue.kind, "title": KINDS[issue.kind].title,
                        "number": f"{issue.business_key or issue.notice_id[:8]}-{issue.seq}",
                        "issued_at": issue.at.isoformat(), "issued_on": _chinese_date(issue.at)},
             "review_days": REVIEW_DAYS, "litigation_months": LITIGATION_MONTHS, **issue.settings}
    whole = render(issue.template_id, template, {**variables, **local_inputs, **facts})
    masked = render(issue.template_id, template, {**mask_marked(variables, marks), **mask_marked(local_inputs, marks),
                                                  **facts})
    return whole, masked


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chinese_date(moment: datetime) -> str:
    day = local(moment)
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class PendingNotice:
    """A notice a command issues: its event follows the command's, its row is written with the command's."""

    issue: Issue
    activity_id: str
    whole: str
    masked: str

    def issued(self, actor: Actor) -> Issued:
        """Its event: the NOTICE command, set off by `actor`'s command (app/services/projection.py)."""
        issue = self.issue
        return Issued(NOTICE, NoticeInputs(issue.notice_id, issue.kind, issue.template_id, issue.task_id,
                                           issue.process_name, issue.settings, digest(self.whole),
                                           digest(self.masked), issue.business_key),
                      actor, issue.at, self.activity_id)

    def row(self, instance: ProcessInstance) -> dict:
        issue = self.issue
        return {"id": issue.notice_id, "process_instance_id": instance.id, "seq": issue.seq,
                "org_path": instance.org_path, "tenant_id": instance.tenant_id, "business_key": instance.business_key,
                "kind": issue.kind,
                "template_id": issue.template_id, "task_id": issue.task_id, "activity_id": self.activity_id,
                "issued_at": issue.at, "text": self.whole, "masked_text": self.masked, "sha256": digest(self.whole),
                "masked_sha256": digest(self.masked)}


def notices_to_issue(session: Session, instance: ProcessInstance, changes: Changes, moment: datetime,
                     first_seq: int) -> list[PendingNotice]:
    """The notices of the handover tasks this command opened, their events numbered from `first_seq`."""
    opened = [task for task in changes.opened if task.notice]
    if not opened:
        return []
    settings = appeal_settings(session, instance.org_path)
    return [_render(session, instance, task, changes.variables, moment, seq, settings)
            for seq, task in enumerate(opened, start=first_seq)]


def _render(session: Session, instance: ProcessInstance, task: OpenTask, variables: dict, moment: datetime,
            seq: int, settings: dict) -> PendingNotice:
    pinned = cached_definition(session, instance.definition_id).activities[task.activity_id].notice_templates
    template_id = (pinned or {})[task.notice]
    issue = Issue(str(uuid.uuid5(_NAMESPACE, f"{instance.id}/{seq}")), task.notice, template_id, task.id, seq,
                  moment, instance.business_key, _process_name(session, instance.definition_id), settings)
    whole, masked = compose(issue, cached_template(session, template_id), variables, task.local,
                            instance.definition_key, case_marks(session, instance.definition_id))
    return PendingNotice(issue, task.activity_id, whole, masked)


def insert_notices(writes: Writes, instance: ProcessInstance, issued: list[PendingNotice]) -> None:
    writes.insert(Notice.__table__, [notice.row(instance) for notice in issued])


_names: dict[str, str] = {}


def _process_name(session: Session, definition_id: str) -> str:
    """A definition's name (immutable once deployed, so each process keeps it)."""
    if definition_id not in _names:
        _names[definition_id] = session.scalar(
            select(ProcessDefinition.name).where(ProcessDefinition.id == definition_id)) or ""
    return _names[definition_id]


def appeal_settings(session: Session, org_path: str) -> dict:
    """The county's 复议 body and court in force now (one query); unset, its own government and basic court."""
    county_path = "/" + org_path.strip("/").split("/")[0] + "/"
    rows = session.execute(
        select(OrgUnit.name, CountySetting.key, CountySetting.value).outerjoin(CountySetting, and_(
            CountySetting.county_path == OrgUnit.path, CountySetting.key.in_((REVIEW_BODY_SETTING, COURT_SETTING))))
        .where(OrgUnit.path == county_path)).all()
    county = rows[0][0] if rows else ""
    named = {key: str((value or {}).get("value") or "").strip() for _, key, value in rows if key}
    return {REVIEW_BODY_SETTING: named.get(REVIEW_BODY_SETTING) or default_review_body(county),
            COURT_SETTING: named.get(COURT_SETTING) or default_court(county)}


@dataclass(frozen=True)
class NoticeView:
    """A notice as one reader may see it: whole, or masked for roles that do not meet the household."""

    id: str
    case_id: str
    kind: str
    title: str
    issued_at: datetime
    text: str
    task_id: str
    activity_id: str
    masked: bool


def notices_in_view(session: Session, view: CaseView, task_id: str | None = None) -> list[NoticeView]:
    """The notices a page shows beside a read it has logged already (of one handover task, given `task_id`)."""
    query = select(Notice).where(Notice.process_instance_id == view.case_id).order_by(Notice.seq)
    if task_id is not None:
        query = query.where(Notice.task_id == task_id)
    return [_view(row, view.masked) for row in session.scalars(query)]


def case_notices(rt: Runtime, actor: Actor, case_id: str, purpose: Purpose = NOTICES) -> list[NoticeView]:
    """List the notices of a case in the actor's scope, oldest first; the read goes through the door."""
    with rt.unit_of_work() as uow:
        instance = case_in_scope(uow.session, actor, case_id)
        view = open_case(uow.session, actor, instance, purpose)
        rows = uow.session.scalars(select(Notice).where(Notice.process_instance_id == case_id).order_by(Notice.seq))
        notices = [_view(row, view.masked) for row in rows]
        uow.commit()
    return notices


def case_notice(rt: Runtime, actor: Actor, case_id: str, notice_id: str,
                purpose: Purpose = NOTICE_PDF) -> NoticeView:
    """Return one notice of a case in the actor's scope; the read goes through the door."""
    with rt.unit_of_work() as uow:
        instance = visible_instance(uow.session, actor, case_id)
        row = uow.session.get(Notice, notice_id) if instance is not None else None
        if row is None or row.process_instance_id != case_id:
            raise NotFound(f"告知书 {notice_id} 不存在", field="id")
        view = open_case(uow.session, actor, instance, purpose.at(notice_id))
        notice = _view(row, view.masked)
        uow.commit()
    return notice


def _view(row: Notice, masked: bool) -> NoticeView:
    text = row.masked_text if masked else row.text
    return NoticeView(row.id, row.process_instance_id, row.kind, text.split("\n", 1)[0], row.issued_at, text,
                      row.task_id, row.activity_id, masked)
