"""History retention: finished cases past historyTimeToLive (else their county's setting) are archived to a signed
JSON-lines file and removed; an archived case still verifies from its file. The clean-up runs for a county of
its own here (`rt`), so the shared test database's other cases stay."""

import hashlib
import hmac
import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app import create_app
from app.config import Config
from app.domain.actors import SYSTEM
from app.domain.errors import ValidationFailed
from app.services import definitions
from app.services.case_data import forget_marks
from app.services.retention import clean_up_history, verify_archive
from app.store.broadcast import EVERYTHING
from app.store.tables import ArchivedCase, CaseEvent, HistoryActivity, JobLog, ProcessInstance
from tests.conftest import Api
from tests.support.deployments import deploy_files, window_process
from tests.support.org import add_county

KEY = b"test-archive-key"
# pages show a process by its name
NAMES = {"retention_short": "档案短期保存", "retention_plain": "档案按县保存", "retention_timed": "档案催办"}


def _process(key: str, ttl: str | None) -> str:
    return window_process(key, NAMES.get(key, "档案保存"), ttl)


@pytest.fixture(scope="module")
def county(app):
    """County `rt` with a township and its window; short-lived and default-lived processes deployed."""
    runtime = app.extensions["runtime"]
    add_county(runtime, "rt", "档案县", "rtzhen")
    designer = Api(app.test_client(), "designer")
    made = deploy_files(designer, {"short.bpmn": _process("retention_short", "P30D"),
                                   "plain.bpmn": _process("retention_plain", None),
                                   "timed.bpmn": window_process("retention_timed", NAMES["retention_timed"], "P30D",
                                                                reminder="P1D")})
    assert made.status_code == 200, made.json
    setting = designer.client.put("/api/counties/rt/settings/history_time_to_live_days", json={"value": 60},
                                  headers=designer.headers)
    assert setting.status_code in (200, 204), setting.json
    return runtime


def _finished(client, key: str) -> str:
    window = Api(client, "window_rt")
    case = window.post(f"/process-definition/key/{key}/start", {"businessKey": f"RT-{uuid.uuid4().hex[:8]}"}).json
    task = window.get("/task", processInstanceId=case["id"]).json[0]
    assert window.post(f"/task/{task['id']}/complete", {}).status_code == 204
    return case["id"]


def _archived_case(runtime, client, clock, tmp_path):
    """A retention_short case finished and archived past its retention: the archive, its lines, the case's line."""
    _finished(client, "retention_short")
    clock.advance(days=31)
    archive = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt").archive
    lines = archive.read_text().splitlines()
    return archive, lines, json.loads(lines[1])


def _re_signed(archive, lines: list[str], case: dict) -> None:
    """Write the archive with `case` as its case line, signed again with the key: a forgery by the key's holder."""
    body = "\n".join([lines[0], json.dumps(case, ensure_ascii=False), *lines[2:-1]]) + "\n"
    archive.write_text(body + json.dumps({"signature": hmac.new(KEY, body.encode(), hashlib.sha256).hexdigest()})
                       + "\n")


def _rows(runtime, model, case_id: str) -> int:
    with runtime.reading() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(
            model.process_instance_id == case_id))


def test_finished_cases_past_retention_are_archived_signed_removed_and_still_verify(county, client, clock,
                                                                                    tmp_path):
    runtime = county
    short = [_finished(client, "retention_short") for _ in range(2)]
    plain = _finished(client, "retention_plain")  # the county's 60 days
    running = Api(client, "window_rt").post("/process-definition/key/retention_short/start",
                                            {"businessKey": f"RT-{uuid.uuid4().hex[:8]}"}).json["id"]
    assert Api(client, "designer").get("/process-definition/key/retention_short").json["historyTimeToLive"] == 30
    clock.advance(days=29)
    assert clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt").archived == 0
    clock.advance(days=2)
    done = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt")
    assert done.archived == 2 and done.archive.parent == tmp_path
    for case_id in short:
        assert [_rows(runtime, m, case_id) for m in (CaseEvent, HistoryActivity)] == [0, 0]
        with runtime.reading() as uow:
            assert uow.session.get(ProcessInstance, case_id) is None
            assert uow.session.get(ArchivedCase, case_id).archive == done.archive.name
    for case_id in (plain, running):
        assert _rows(runtime, CaseEvent, case_id) > 0
    lines = [json.loads(line) for line in done.archive.read_text().splitlines()]
    assert sorted(line["case"]["id"] for line in lines[1:-1]) == sorted(short)
    assert [len(line["events"]) for line in lines[1:-1]] == [2, 2]  # the whole chain: start, complete
    verdicts = verify_archive(runtime, SYSTEM, done.archive, KEY)
    assert sorted(v.case_id for v in verdicts) == sorted(short) and all(v.ok for v in verdicts), verdicts
    clock.advance(days=30)  # now past the county's 60 days too
    later = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt")
    assert later.archived == 1 and _rows(runtime, CaseEvent, plain) == 0 and _rows(runtime, CaseEvent, running) > 0


def test_the_clean_up_removes_the_job_log_of_the_cases_it_removes(county, client, clock, tmp_path):
    runtime = county
    removed, running = _finished(client, "retention_timed"), Api(client, "window_rt").post(
        "/process-definition/key/retention_timed/start", {"businessKey": f"RT-{uuid.uuid4().hex[:8]}"}).json["id"]
    assert (_rows(runtime, JobLog, removed), _rows(runtime, JobLog, running)) == (2, 1)  # created, deleted; created
    clock.advance(days=31)
    assert clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt").archived >= 1
    assert (_rows(runtime, JobLog, removed), _rows(runtime, JobLog, running)) == (0, 1)


def test_a_changed_archive_is_refused_and_a_re_signed_forgery_fails_its_chain(county, client, clock, tmp_path):
    runtime = county
    archive, lines, case = _archived_case(runtime, client, clock, tmp_path)
    case["events"][1]["actor"] = "someone_else"
    archive.write_text("\n".join([lines[0], json.dumps(case, ensure_ascii=False), *lines[2:]]) + "\n")
    with pytest.raises(ValidationFailed, match="签名无效"):
        verify_archive(runtime, SYSTEM, archive, KEY)
    with pytest.raises(ValidationFailed, match="签名无效"):
        verify_archive(runtime, SYSTEM, archive, b"another-key")
    # whoever holds the key and re-signs still fails: the chain catches it (a recomputed chain, the replay)
    _re_signed(archive, lines, case)
    verdicts = verify_archive(runtime, SYSTEM, archive, KEY)
    assert [(v.ok, v.first_bad_event) for v in verdicts][0] == (False, 2) and "修改" in verdicts[0].problem


def test_an_unreadable_time_to_live_is_refused_naming_the_process(county, login_as):
    refused = deploy_files(login_as("designer"), {"bad.bpmn": _process("retention_bad", "ten years")})
    assert refused.status_code == 400 and refused.json["element"] == "retention_bad"


def test_the_cli_archives_and_verifies(county, client, clock, runner, tmp_path):
    case_id = _finished(client, "retention_short")
    clock.advance(days=31)
    result = runner.invoke(args=["history-cleanup", "--county", "rt", "--archive-dir", str(tmp_path)])
    assert result.exit_code == 0 and "1 case(s) archived" in result.output, result.output
    archive = next(tmp_path.glob("history-*.jsonl"))
    assert case_id in archive.read_text()
    checked = runner.invoke(args=["history-verify-archive", str(archive)])
    assert checked.exit_code == 0 and "1 archived case(s) checked, 0 failed" in checked.output


EVENT_KEYS = ["id", "process_instance_id", "seq", "at", "actor", "command", "target", "inputs", "changed",
              "state_hash", "prev_hash", "hash", "tenant_id"]  # an archived event's keys, as since the first archive


def test_an_archived_event_keeps_its_previous_hash_which_must_be_the_previous_events(county, client, clock,
                                                                                     tmp_path):
    """The database keeps no copy of an event's previous hash (migration 0039); its archive line still does, in the
    same place, and verifying the archive checks it as it checked the stored one."""
    runtime = county
    archive, lines, case = _archived_case(runtime, client, clock, tmp_path)
    events = case["events"]
    assert [list(e) for e in events] == [EVENT_KEYS] * len(events)
    assert [e["prev_hash"] for e in events] == [None, *(e["hash"] for e in events[:-1])]
    assert all(len(e[k]) == 64 and int(e[k], 16) >= 0 for e in events for k in ("state_hash", "hash"))
    case["events"][1]["prev_hash"] = "0" * 64  # changed, and the file re-signed with the key
    _re_signed(archive, lines, case)
    verdict = verify_archive(runtime, SYSTEM, archive, KEY)[0]
    assert (verdict.ok, verdict.first_bad_event) == (False, 2) and "前序哈希" in verdict.problem


def _kept_process(designer, key: str) -> str:
    """Deploy a window process of its own (30 days' retention); return its deployment's id."""
    made = deploy_files(designer, {f"{key}.bpmn": window_process(key, "档案保存", "P30D")})
    assert made.status_code == 200, made.json
    return made.json["id"]


def test_a_deployment_whose_cases_are_archived_is_not_deleted(county, client, clock, tmp_path):
    runtime, designer = county, Api(client, "designer")
    key = f"retention_kept_{uuid.uuid4().hex[:6]}"
    deployment = _kept_process(designer, key)
    _finished(client, key)
    clock.advance(days=31)
    archive = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt").archive
    refused = designer.delete(f"/deployment/{deployment}")
    assert refused.status_code == 409 and "已归档" in refused.json["message"], refused.json
    assert all(v.ok for v in verify_archive(runtime, SYSTEM, archive, KEY))


def _gone_behind_the_service(runtime, deployment: str) -> None:
    """A deployment removed as it could be before archived cases kept it (its rows deleted)."""
    with runtime.unit_of_work() as uow:
        for table in ("process_definition", "resource", "deployment"):
            column = "id" if table == "deployment" else "deployment_id"
            uow.session.execute(text(f"DELETE FROM {table} WHERE {column} = :id"), {"id": deployment})
        uow.commit()


def test_an_archived_case_whose_definition_is_gone_fails_alone(county, client, clock, tmp_path, monkeypatch):
    runtime, designer = county, Api(client, "designer")
    gone, kept = (f"retention_{name}_{uuid.uuid4().hex[:6]}" for name in ("gone", "kept"))
    deployment = _kept_process(designer, gone)
    _kept_process(designer, kept)
    cases = {_finished(client, gone): gone, _finished(client, kept): kept}
    clock.advance(days=31)
    archive = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt").archive
    definition = designer.get(f"/process-definition/key/{gone}").json["id"]
    _gone_behind_the_service(runtime, deployment)
    monkeypatch.setattr(definitions, "_definitions", {})  # as `flask history-verify-archive` starts: nothing read
    forget_marks(EVERYTHING)
    verdicts = {cases[v.case_id]: v for v in verify_archive(runtime, SYSTEM, archive, KEY) if v.case_id in cases}
    assert verdicts[kept].ok, verdicts[kept]
    assert (verdicts[gone].ok, verdicts[gone].first_bad_event) == (False, 1)
    assert verdicts[gone].problem == f"案件所用的流程定义 {definition} 已不存在（部署被删除）"


def _signed(lines: list[bytes], key: bytes) -> bytes:
    body = b"".join(lines)
    return body + json.dumps({"signature": hmac.new(key, body, hashlib.sha256).hexdigest()}).encode() + b"\n"


DAMAGED = {  # how an archive's lines (and key) make a damaged file; the line the refusal names, and what it says
    "cut mid-line": (lambda lines, key: b"".join(lines)[:-20], 3, "不是完整的 JSON"),
    "last line an array": (lambda lines, key: b"".join(lines[:-1]) + b"[1,2]\n", 3, "不是签名"),
    "signature not text": (lambda lines, key: b"".join(lines[:-1]) + b'{"signature": 5}\n', 3, "不是签名"),
    "not UTF-8": (lambda lines, key: b"\xff\xfe\n\xff\n", 2, "不是 UTF-8"),
    "case line an array": (lambda lines, key: _signed([lines[0], b"[1,2]\n"], key), 2, "不是案件记录"),
    "case line without events": (lambda lines, key: _signed([lines[0], b'{"case": {}}\n'], key), 2, "不是案件记录"),
    "case line a string": (lambda lines, key: _signed([lines[0], b'"case"\n'], key), 2, "不是案件记录"),
}


@pytest.mark.parametrize("damage", DAMAGED)
def test_a_damaged_archive_is_refused_naming_the_file_and_line(app, county, client, clock, runner, tmp_path,
                                                               damage):
    key = app.config["AUDIT_KEY"].encode()  # the CLI's
    _finished(client, "retention_short")
    clock.advance(days=31)
    archive = clean_up_history(county, SYSTEM, key, tmp_path, county="rt").archive
    change, line, says = DAMAGED[damage]
    archive.write_bytes(change(archive.read_bytes().splitlines(keepends=True), key))
    with pytest.raises(ValidationFailed, match=f"{archive.name} .*第 {line} 行.*{says}"):
        verify_archive(county, SYSTEM, archive, key)
    checked = runner.invoke(args=["history-verify-archive", str(archive)])
    assert (checked.exit_code, type(checked.exception)) == (1, SystemExit), checked.output
    assert f"Error: 档案文件 {archive.name} " in checked.output and f"第 {line} 行" in checked.output, checked.output


def test_the_default_archive_folder_does_not_depend_on_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("HISTORY_ARCHIVE_DIR", raising=False)
    monkeypatch.chdir(tmp_path)  # as cron starts `flask history-cleanup`, anywhere
    service = create_app(Config(DATABASE_URL="sqlite://", SECRET_KEY="x", TESTING=True, SCHEDULER=False))
    try:
        folder = Path(service.config["HISTORY_ARCHIVE_DIR"])
        assert folder.is_absolute() and folder == Path(service.instance_path) / "archive"
        assert Path(service.instance_path) == Path(__file__).resolve().parents[2] / "instance"
    finally:
        service.extensions["runtime"].broadcast.stop()
        service.extensions["db_engine"].dispose()
