"""A frozen roll and the payment ledger never change; a row changed behind the service's back is named by
`flask audit-verify`."""

import csv
import hashlib
import hmac
import io
import json

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.domain.actors import SYSTEM
from app.services.payroll.ledger import ArchivedHeads, verify_payment_ledgers
from app.services.retention import clean_up_history
from tests.support.payroll_steps import Finance, Household, new_county


@pytest.fixture
def frozen(client, login_as, runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    Household(login_as, county).approve(amount=450.0)
    Household(login_as, county, township=1).approve(amount=300.0)
    run, lines = finance.paid("2026-10")
    return county, run, lines


@pytest.mark.parametrize("statement", [
    "UPDATE payroll_line SET amount_fen = 1 WHERE run_id = :run",
    "DELETE FROM payroll_line WHERE run_id = :run",
    "UPDATE payroll_run SET total_fen = 1 WHERE id = :run",
    "DELETE FROM payroll_run WHERE id = :run",
    "UPDATE payment_ledger SET amount_fen = 1 WHERE run_id = :run",
    "DELETE FROM payment_ledger WHERE run_id = :run",
])
def test_a_frozen_roll_and_the_ledger_refuse_change(runtime, frozen, statement):
    _, run, _ = frozen
    with runtime.unit_of_work() as uow, pytest.raises(DBAPIError, match="frozen|append-only"):
        uow.session.execute(text(statement), {"run": run["id"]})


def _behind_the_service(runtime, statement: str, **params) -> None:
    """Change rows as an intruder would: PostgreSQL's superuser bypass, or SQLite's triggers dropped and restored."""
    with runtime.unit_of_work() as uow:
        session = uow.session
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL session_replication_role = replica"))
            session.execute(text(statement), params)
        else:
            triggers = session.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND "
                                            "tbl_name IN ('payroll_line', 'payment_ledger', 'payroll_run')")).all()
            for name, _ in triggers:
                session.execute(text(f"DROP TRIGGER {name}"))
            session.execute(text(statement), params)
            for _, sql in triggers:
                session.execute(text(sql))
        uow.commit()


def test_audit_verify_names_a_ledger_entry_changed_behind_the_service(runtime, runner, frozen):
    county, run, _ = frozen
    _behind_the_service(runtime, "UPDATE payment_ledger SET amount_fen = 99999 WHERE run_id = :run AND seq = "
                        "(SELECT max(seq) FROM payment_ledger WHERE run_id = :run)", run=run["id"])
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert f"FAILED payment ledger /{county.code}/ at entry 2: 台账条目内容与其哈希不符" in result.output


def test_audit_verify_names_a_frozen_line_changed_behind_the_service(runtime, runner, frozen):
    county, run, lines = frozen
    _behind_the_service(runtime, "UPDATE payroll_line SET amount_fen = 99999 WHERE run_id = :run AND seq = 1",
                        run=run["id"])
    result = runner.invoke(args=["audit-verify"])
    assert result.exit_code == 1
    assert f"FAILED payment ledger /{county.code}/ at entry 1: 冻结名册的第" in result.output


def test_an_intact_ledger_verifies(runtime, frozen, tmp_path):
    county, _, _ = frozen
    verdicts = {v.county_path: v for v in verify_payment_ledgers(runtime, SYSTEM, ArchivedHeads(tmp_path, b"k"))}
    assert verdicts[f"/{county.code}/"].ok and verdicts[f"/{county.code}/"].entries == 2


def _archived_run(app, client, login_as, runtime, clock, folder):
    """A county's run paid, its bank result recorded (the run's case ends), and ten years on its case archived."""
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    Household(login_as, county).approve(amount=450.0)
    run, lines = finance.paid("2026-10")
    out = io.StringIO()
    csv.writer(out).writerows([["序号", "姓名", "身份证号", "银行账号", "金额", "摘要", "状态", "失败原因"], *[
        [line["seq"], line["applicantName"], line["idNumber"], line["bankAccount"], f"{line['amount']:.2f}", "低保金",
         "成功", ""] for line in lines]])
    answered = finance.call("POST", f"/runs/{run['id']}/bank-result", data={
        "file": (io.BytesIO(out.getvalue().encode("utf-8-sig")), "result.csv")}, content_type="multipart/form-data")
    assert answered.status_code == 200, answered.json
    clock.advance(days=3651)  # past payroll.bpmn's historyTimeToLive
    done = clean_up_history(runtime, SYSTEM, app.config["AUDIT_KEY"].encode(), folder, county=county.code)
    assert done.archived == 1 and run["businessKey"] in done.archive.read_text()
    return county, run, done.archive


def _ledger_line(runner, county, folder) -> str:
    result = runner.invoke(args=["audit-verify", "--archive-dir", str(folder)])
    return next((line for line in result.output.splitlines() if f"payment ledger /{county.code}/" in line), "")


def test_a_ledger_verifies_against_the_head_its_archived_run_case_recorded(app, client, login_as, runtime, clock,
                                                                           runner, tmp_path):
    county, run, archive = _archived_run(app, client, login_as, runtime, clock, tmp_path / "archive")
    assert _ledger_line(runner, county, tmp_path / "archive") == ""  # not FAILED
    verdict = {v.county_path: v for v in verify_payment_ledgers(runtime, SYSTEM, ArchivedHeads(
        archive.parent, app.config["AUDIT_KEY"].encode()))}[f"/{county.code}/"]
    assert verdict.ok and verdict.entries == 2
    # the archive is still what the run is checked against: elsewhere, or holding another head, the ledger fails
    assert f"FAILED payment ledger /{county.code}/ at entry 1: 发放批次 {run['businessKey']} 的案件已归档，无法核对" \
        f"其台账头：档案文件 {tmp_path / 'elsewhere' / archive.name} 无法读取" in _ledger_line(runner, county,
                                                                                 tmp_path / "elsewhere")
    lines = archive.read_bytes().splitlines(keepends=True)
    case = json.loads(lines[1])
    ledger = next(e for e in case["events"] if e["command"] == "ledger")
    ledger["inputs"]["head"] = "0" * 64
    body = lines[0] + json.dumps(case, ensure_ascii=False).encode() + b"\n"
    key = app.config["AUDIT_KEY"].encode()
    archive.write_bytes(body + json.dumps({"signature": hmac.new(key, body, hashlib.sha256).hexdigest()}).encode()
                        + b"\n")
    failed = f"FAILED payment ledger /{county.code}/ at entry 1: 发放批次 {run['businessKey']} "
    assert _ledger_line(runner, county, archive.parent) == failed + "的台账头与其案件日志记录的不符"
