"""Rows changed behind the service's back, as the audit chain's tests need."""

from sqlalchemy import text


def tamper_rows(runtime, *statements) -> None:
    """Change rows behind the service's back; on PostgreSQL bypass the append-only trigger as superuser."""
    with runtime.unit_of_work() as uow:
        if uow.session.get_bind().dialect.name == "postgresql":
            uow.session.execute(text("SET LOCAL session_replication_role = replica"))
        for statement in statements:
            uow.session.execute(statement)
        uow.commit()
