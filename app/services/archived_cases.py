"""Archived cases (档案): a finished case the history clean-up wrote to a signed archive file and removed from the
database is not lost. Whoever may see the case is told that it was archived, when, and to which file (a read of it
answers 404 as Camunda's does after its history clean-up, saying so); whoever may not is told what any case out of
their scope tells them. The auditor lists archived cases by business key, county and period, with their files.

`archived_case` (written by app/services/retention.py) keeps each case's county, unit, definition, business key,
end and file; a case archived before migration 0049 has its county's path as its unit, so only the county's users
are told of it.
"""

from dataclasses import dataclass
from datetime import datetime
from operator import eq, ge, le

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.clock import local
from app.domain.errors import NotFound
from app.store.tables import ArchivedCase, ProcessDefinition
from app.store.tenancy import in_scope

from .runtime import Runtime


@dataclass(frozen=True)
class Archived:
    """What the service keeps of an archived case: where it went, and what a records officer finds it by."""

    case_id: str
    county: str | None
    org_path: str
    definition_id: str
    definition_key: str | None  # None: its definition is gone (a deployment an archived case ran on is kept)
    business_key: str | None
    ended_at: datetime
    archived_at: datetime
    archive: str  # the archive file's name, in the archive folder (HISTORY_ARCHIVE_DIR)
    root_case_id: str | None  # the case that called it (archived in that case's line); None for a case


@dataclass(frozen=True)
class ArchivedQuery:
    """The auditor's search of archived cases; every condition given must hold (a period includes its bounds, as
    Camunda's finishedAfter/finishedBefore do)."""

    business_key: str | None = None  # exactly this business key
    text: str | None = None  # a business key containing this text, or this case id
    county: str | None = None  # Camunda's tenant id: the county's code
    ended_after: datetime | None = None
    ended_before: datetime | None = None
    archived_after: datetime | None = None
    archived_before: datetime | None = None
    first: int = 0
    limit: int = 100


class CaseArchived(NotFound):
    """A case the actor may see was archived: still 404, as Camunda answers after its history clean-up, but saying
    when it was archived and to which file of the history archive, rather than that it does not exist."""

    def __init__(self, record: Archived, field: str | None = "id") -> None:
        super().__init__(f"案件 {record.case_id}（业务键 {record.business_key or '无'}）已于 "
                         f"{local(record.archived_at):%Y-%m-%d %H:%M} 保存期满归档，已移出数据库，"
                         f"存于历史档案文件 {record.archive}", field=field)
        self.record = record


_COLUMNS = (ArchivedCase, ProcessDefinition.key)


def _archived(row: ArchivedCase, key: str | None) -> Archived:
    return Archived(row.process_instance_id, row.tenant_id, row.org_path, row.definition_id, key, row.business_key,
                    row.ended_at, row.archived_at, row.archive, row.root_process_instance_id)


def _query(actor: Actor):
    return select(*_COLUMNS).outerjoin(ProcessDefinition, ProcessDefinition.id == ArchivedCase.definition_id) \
        .where(in_scope(ArchivedCase, actor))


def archived_in_scope(session: Session, actor: Actor, case_id: str) -> Archived | None:
    """The archived case `case_id`, if the actor's scope covers it."""
    row = session.execute(_query(actor).where(ArchivedCase.process_instance_id == case_id)).first()
    return None if row is None else _archived(*row)


def case_not_found(session: Session, actor: Actor, case_id: str, field: str | None = "id") -> NotFound:
    """The error for a case the actor cannot read: archived (if they may see it), else that it does not exist
    (other scopes are not revealed)."""
    record = archived_in_scope(session, actor, case_id)
    return NotFound(f"案件 {case_id} 不存在", field=field) if record is None else CaseArchived(record, field)


def archived_with_key(rt: Runtime, actor: Actor, business_key: str) -> list[Archived]:
    """The archived cases in the actor's scope with exactly this business key (a worker's search of their cases by
    business key tells them of those too), the most recently archived first."""
    actor.require("case.read")
    query = _query(actor).where(ArchivedCase.business_key == business_key,
                                ArchivedCase.root_process_instance_id.is_(None))
    with rt.reading() as uow:
        return [_archived(*row) for row in uow.session.execute(
            query.order_by(ArchivedCase.archived_at.desc(), ArchivedCase.process_instance_id).limit(100))]


def find_archived(rt: Runtime, actor: Actor, wanted: ArchivedQuery) -> list[Archived]:
    """The archived cases in the actor's scope that `wanted` finds, the most recently archived first (cases: the
    instances their call activities started are archived with them)."""
    actor.require("audit.verify")
    query = _query(actor).where(ArchivedCase.root_process_instance_id.is_(None))
    for column, compare, given in ((ArchivedCase.business_key, eq, wanted.business_key),
                                   (ArchivedCase.tenant_id, eq, wanted.county),
                                   (ArchivedCase.ended_at, ge, wanted.ended_after),
                                   (ArchivedCase.ended_at, le, wanted.ended_before),
                                   (ArchivedCase.archived_at, ge, wanted.archived_after),
                                   (ArchivedCase.archived_at, le, wanted.archived_before)):
        if given is not None:
            query = query.where(compare(column, given))
    if wanted.text:
        query = query.where(or_(ArchivedCase.business_key.contains(wanted.text, autoescape=True),
                                ArchivedCase.process_instance_id == wanted.text))
    query = query.order_by(ArchivedCase.archived_at.desc(), ArchivedCase.process_instance_id)
    with rt.reading() as uow:
        return [_archived(*row) for row in uow.session.execute(query.offset(wanted.first).limit(wanted.limit))]
