"""On PostgreSQL the database itself refuses to change or remove a case event or an access-log row."""

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from app.store.tables import AccessLog, CaseEvent
from tests.support.dibao_steps import Case


@pytest.fixture
def postgres(runtime):
    with runtime.unit_of_work() as uow:
        if uow.session.get_bind().dialect.name != "postgresql":
            pytest.skip("the append-only trigger exists on PostgreSQL only")


@pytest.mark.parametrize("statement", [
    lambda c: update(CaseEvent).where(CaseEvent.process_instance_id == c).values(actor="someone_else"),
    lambda c: delete(CaseEvent).where(CaseEvent.process_instance_id == c, CaseEvent.seq == 1),
    lambda c: update(AccessLog).where(AccessLog.process_instance_id == c).values(username="nobody"),
    lambda c: delete(AccessLog).where(AccessLog.process_instance_id == c),
    lambda c: text("TRUNCATE case_event CASCADE"),
])
def test_updating_or_deleting_the_audit_trail_is_refused(postgres, runtime, login_as, clock, statement):
    case = Case(login_as)
    supervisor = login_as("supervisor")
    assert supervisor.get(f"/process-instance/{case.id}/variables").status_code == 200  # one access-log row
    with runtime.unit_of_work() as uow:
        with pytest.raises(DBAPIError, match="append-only"):
            uow.session.execute(statement(case.id))
    auditor = login_as("auditor")
    verdict = auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers).json
    assert verdict["ok"] is True
    log = auditor.client.get("/api/audit/access-log", query_string={"caseId": case.id}, headers=auditor.headers)
    assert [e["user"] for e in log.json] == ["supervisor"]
