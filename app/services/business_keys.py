"""One active case per process, county and business key: a start that would make a second is refused, naming the
first. Process instances call activities start are not cases started: they may share their caller's key (Camunda's
`camunda:in businessKey`), each instance of a multi-instance call the same. Counties are tenants, kept apart as
Camunda keeps them (it has no business key uniqueness at all): another county's case neither holds a key here nor
shows through a refusal.

The partial unique indexes `uq_process_instance_active_business_key` and `…_province` (migrations 0017, 0050) keep
the rule when two starts race; this check names the case that holds the key. A client that retries a start
whose answer it lost sends the same Idempotency-Key, and gets the first answer instead of this 409.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.errors import Conflict
from app.store.tables import ProcessInstance

from .definitions import same_tenant


def refuse_active_duplicate(session: Session, actor: Actor, definition_key: str, business_key: str | None,
                            tenant_id: str | None) -> None:
    """Raise 409 if an active case of `definition_key` in the county `tenant_id` already has `business_key`."""
    if business_key is None:
        return
    held = session.execute(select(ProcessInstance.id, ProcessInstance.org_path).where(
        same_tenant(ProcessInstance.tenant_id, tenant_id),
        ProcessInstance.definition_key == definition_key, ProcessInstance.business_key == business_key,
        ProcessInstance.state == "ACTIVE", ProcessInstance.super_process_instance_id.is_(None))).first()
    if held is None:
        return
    holder = f"案件 {held.id}" if actor.scope.covers(held.org_path) else "其他单位的案件"
    raise Conflict(f"业务键 {business_key} 已由进行中的{holder}（流程 {definition_key}）使用；"
                   "重发同一请求请带上次的 Idempotency-Key", field="businessKey")
