"""An auditor's re-baseline of a case whose verification failed and was investigated (flask audit rebaseline).

A case whose checkpoint fails (its signature, or against its events, state or row) fails every night: the night
cannot tell an investigated failure from a new one. The re-baseline verifies the case whole from its first event
without its old checkpoint — the chain, the case row's columns against the log, the notices and attachments, the
definition, and a replay of every event to the stored state and data — and only if all of that holds writes a new
checkpoint, signed with the current key, at the case's last event. What the log cannot prove (the org path, the
declared variable types) is taken as stored, as for a case never verified. Each re-baseline is recorded in
`audit_rebaseline` (append-only on PostgreSQL), which the auditor's case page and /api/audit show.

The new checkpoint is written forward, never back (on PostgreSQL migration 0046 refuses moving one back): a case whose
old checkpoint names an event the case no longer has lost verified events, which no re-baseline launders; it is
refused. Only the service's trusted CLI actor may re-baseline.
"""

from dataclasses import dataclass

from sqlalchemy import select

from app.domain.actors import Actor
from app.domain.audit import AuditKeys
from app.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from app.store.queries import case_events, visible_instance
from app.store.tables import AuditCheckpoint, AuditRebaseline, ProcessInstance
from app.store.tenancy import in_scope

from .attachment_audit import stored_attachments_problem
from .audit import chain_problem, definition_problem, replay_from, verdict_of
from .calendar_history import CalendarsInForce
from .notice_audit import stored_notices_problem
from .replay import DefinitionsAtHand
from .runtime import Runtime
from .verification import by_reference, checkpoint_upsert, new_checkpoint, stored_rows

LONGEST_NAME = 64  # audit_rebaseline.rebaselined_by and os_user


@dataclass(frozen=True)
class Rebaselined:
    """A case given a new checkpoint: the one it replaced (None: it had none) and the new one's event."""

    case_id: str
    old_seq: int | None
    new_seq: int


def rebaseline_case(rt: Runtime, actor: Actor, case_id: str, key: bytes | AuditKeys, by: str, os_user: str,
                    reason: str) -> Rebaselined:
    """Verify the case whole, trusting no checkpoint, and if it holds give it a new signed checkpoint at its last
    event, recording who (`by`, running as `os_user`), when and why; refuse naming the case and the problem if not."""
    if not actor.trusted:
        raise Forbidden("审计基线只能由服务自身的命令行（flask audit rebaseline）重新建立")
    reason, by = reason.strip(), by.strip()
    if not reason:
        raise ValidationFailed("reason: 必须写明重新建立审计基线的理由（调查的结论）", field="reason")
    if not by or len(by) > LONGEST_NAME or len(os_user) > LONGEST_NAME:
        raise ValidationFailed(f"by: 操作人的名字须为 1 到 {LONGEST_NAME} 个字", field="by")
    with rt.reading(snapshot=True) as uow:
        session = uow.session
        case = session.get(ProcessInstance, case_id)
        if case is None:
            raise NotFound(f"案件 {case_id} 不存在", field="case")
        if case.root_process_instance_id is not None:
            raise ValidationFailed(f"{case_id} 是调用活动启动的流程实例，随其案件 {case.root_process_instance_id} "
                                   "一同核验：请重新建立该案件的审计基线", field="case")
        events = list(session.scalars(case_events(case)))
        old = session.get(AuditCheckpoint, case_id)
        if old is not None and old.seq > len(events):
            raise ValidationFailed(f"案件 {case_id} 的审计检查点在事件 {old.seq}，案件却只有 {len(events)} 个事件："
                                   "已核验的事件被删除；重新建立基线不会把检查点移回，请先从备份恢复被删除的事件",
                                   field="case")
        definitions, calendars = DefinitionsAtHand(session), CalendarsInForce(session)
        found = chain_problem(case, events) or stored_notices_problem(session, case, events) \
            or stored_attachments_problem(session, case, events) or definition_problem(case, events, definitions)
        replayed = replay_from(session, case, events, definitions, calendars) if found is None else None
        verdict = verdict_of(session, case, events, found or (replayed.problem if replayed else None))
        if not verdict.ok or replayed is None or replayed.state is None or replayed.variables is None:
            raise ValidationFailed(f"案件 {case_id} 的完整核验未通过，未重新建立审计基线：事件 "
                                   f"{verdict.first_bad_event}：{verdict.problem}", field="case")
        stored = stored_rows(session, [case_id])[case_id]
        checkpoint = new_checkpoint(AuditKeys.of(key).current, case, events[-1], replayed.state, replayed.variables,
                                    stored.data_hash, stored.version, stored.identity_hash, stored.status_hash)
        read = (case.version, case.last_event_hash, case.row_version, old.signature if old is not None else None)
        record = AuditRebaseline(process_instance_id=case_id, tenant_id=case.tenant_id, org_path=case.org_path,
                                 at=checkpoint["verified_at"], rebaselined_by=by, os_user=os_user, reason=reason,
                                 old_seq=old.seq if old is not None else None,
                                 old_event_hash=old.event_hash if old is not None else None,
                                 old_signature=old.signature if old is not None else None,
                                 new_seq=checkpoint["seq"], new_signature=checkpoint["signature"])
    _write(rt, case_id, read, checkpoint, record)
    return Rebaselined(case_id, record.old_seq, record.new_seq)


def _write(rt: Runtime, case_id: str, read: tuple, checkpoint: dict, record: AuditRebaseline) -> None:
    """Write the new checkpoint over the old one, and the record, if neither the case nor its checkpoint has moved
    since they were verified (the case row locked meanwhile)."""
    with rt.unit_of_work() as uow:
        session = uow.session
        row = session.execute(select(ProcessInstance.version, ProcessInstance.last_event_hash,
                                     ProcessInstance.row_version).where(ProcessInstance.id == case_id)
                              .with_for_update()).one()
        signature = session.scalar(select(AuditCheckpoint.signature)
                                   .where(AuditCheckpoint.process_instance_id == case_id))
        if (*row, signature) != read:
            raise Conflict(f"案件 {case_id} 或其审计检查点在核验期间发生了变化：请重新运行", field="case")
        by_reference(session, [checkpoint])
        session.execute(checkpoint_upsert(session.get_bind().dialect.name), [checkpoint])
        session.add(record)
        uow.commit()


def rebaselines(rt: Runtime, actor: Actor, case_id: str) -> list[AuditRebaseline]:
    """The re-baselines of a case in the actor's scope, newest first (also once the case is archived and removed:
    the records stay); a case neither in scope nor re-baselined in it is not found."""
    actor.require("audit.verify")
    with rt.reading() as uow:
        rows = list(uow.session.scalars(select(AuditRebaseline).where(
            in_scope(AuditRebaseline, actor), AuditRebaseline.process_instance_id == case_id)
            .order_by(AuditRebaseline.id.desc())))
        if not rows and visible_instance(uow.session, actor, case_id) is None:
            raise NotFound(f"案件 {case_id} 不存在", field="caseId")
        uow.session.expunge_all()
        return rows
