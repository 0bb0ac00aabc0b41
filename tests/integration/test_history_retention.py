"""History retention: finished cases past historyTimeToLive (else their county's setting) are archived to a signed
JSON-lines file and removed; an archived case still verifies from its file. The clean-up runs for a county of
its own here (`rt`), so the shared test database's other cases stay."""

import base64
import hashlib
import hmac
import json
import stat
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app import create_app
from app.config import Config
from app.domain.actors import SYSTEM
from app.domain.audit import AuditKeys, key_id
from app.domain.errors import ValidationFailed
from app.services import attachments, definitions, retention
from app.services.case_data import forget_marks
from app.services.retention import clean_up_history, verify_archive
from app.store.broadcast import EVERYTHING
from app.store.tables import (
    AccessLog,
    ArchivedCase,
    CaseEvent,
    Content,
    ContentUse,
    HistoryActivity,
    JobLog,
    ProcessInstance,
)
from tests.conftest import Api
from tests.support.archiving import finished_case
from tests.support.attachments import attach
from tests.support.deployments import calling_process, deploy_files, window_process
from tests.support.org import add_county

KEY = b"test-archive-key"
# pages show a process by its name
NAMES = {"retention_short": "档案短期保存", "retention_plain": "档案按县保存", "retention_timed": "档案催办",
         "retention_child": "档案被调用", "retention_forever": "档案最长保存"}
PARENT = calling_process("retention_parent", "档案调用方", "retention_child")


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


def _finished(client, key: str, window_of: str = "window_rt") -> str:
    return finished_case(client, key, window_of)


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


def _after_writing(monkeypatch, action) -> None:
    """Have the next clean-up do `action` once its archive file is written, before it removes anything."""
    real = retention._write_archive

    def write_then_act(*args, **kwargs):
        written = real(*args, **kwargs)
        monkeypatch.setattr(retention, "_write_archive", real)
        action()
        return written
    monkeypatch.setattr(retention, "_write_archive", write_then_act)


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


def test_the_cli_archives_to_a_file_only_the_service_may_read_and_verifies(county, client, clock, runner,
                                                                           tmp_path):
    case_id = _finished(client, "retention_short")
    clock.advance(days=31)
    folder = tmp_path / "archive"
    result = runner.invoke(args=["history-cleanup", "--county", "rt", "--archive-dir", str(folder)])
    assert result.exit_code == 0 and "1 case(s) archived" in result.output, result.output
    archive = next(folder.glob("history-*.jsonl"))
    assert case_id in archive.read_text()
    assert (stat.S_IMODE(folder.stat().st_mode), stat.S_IMODE(archive.stat().st_mode)) == (0o700, 0o600)
    checked = runner.invoke(args=["history-verify-archive", str(archive)])
    assert checked.exit_code == 0 and "1 archived case(s) checked, 0 failed" in checked.output


def test_an_archive_written_before_a_key_rotation_verifies_under_the_retired_key_naming_it(
        app, county, client, clock, runner, tmp_path, monkeypatch):
    old = app.config["AUDIT_KEY"]  # the CLI's, which signs the archive
    case_id = _finished(client, "retention_short")
    clock.advance(days=31)
    folder = tmp_path / "archive"
    assert runner.invoke(args=["history-cleanup", "--county", "rt", "--archive-dir", str(folder)]).exit_code == 0
    archive = next(folder.glob("history-*.jsonl"))
    rotated = AuditKeys(b"the-key-after-the-rotation", (old.encode(),))
    verdicts = verify_archive(county, SYSTEM, archive, rotated)
    assert [(v.case_id, v.ok, v.retired_key) for v in verdicts] == [(case_id, True, key_id(old.encode()))]
    with pytest.raises(ValidationFailed, match="签名无效"):  # the retired key no longer listed: refused
        verify_archive(county, SYSTEM, archive, AuditKeys(rotated.current))
    monkeypatch.setitem(app.config, "AUDIT_KEY", rotated.current.decode())
    monkeypatch.setitem(app.config, "AUDIT_KEYS_RETIRED", (old,))
    checked = runner.invoke(args=["history-verify-archive", str(archive)])
    assert checked.exit_code == 0 and "1 archived case(s) checked, 0 failed verification; the file is signed with " \
        f"the retired audit key {key_id(old.encode())}" in checked.output, checked.output
    assert old not in checked.output
    # an archive written now is signed with the current key only
    _finished(client, "retention_short")
    clock.advance(days=31)
    assert runner.invoke(args=["history-cleanup", "--county", "rt", "--archive-dir", str(folder)]).exit_code == 0
    newer = next(path for path in folder.glob("history-*.jsonl") if path != archive)
    assert [v.retired_key for v in verify_archive(county, SYSTEM, newer, AuditKeys(rotated.current))] == [None]
    with pytest.raises(ValidationFailed, match="签名无效"):
        verify_archive(county, SYSTEM, newer, AuditKeys(old.encode()))
    monkeypatch.setitem(app.config, "AUDIT_KEYS_RETIRED", ())
    refused = runner.invoke(args=["history-verify-archive", str(archive)])
    assert refused.exit_code == 1 and "签名无效" in refused.output, refused.output


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


@pytest.mark.parametrize("code", ["nosuch", "rtzhen"])  # no such org unit; a township, not a county
def test_the_cli_refuses_a_county_it_does_not_know(county, runner, tmp_path, code):
    result = runner.invoke(args=["history-cleanup", "--county", code, "--archive-dir", str(tmp_path)])
    assert result.exit_code == 2 and "--county" in result.output and code in result.output, result.output
    assert not list(tmp_path.iterdir())


def test_a_case_read_after_it_was_written_out_is_left_for_the_next_run_with_its_whole_read_log(
        county, client, clock, tmp_path, monkeypatch):
    runtime, window = county, Api(client, "window_rt")
    case_id = _finished(client, "retention_short")
    clock.advance(days=31)
    _after_writing(monkeypatch, lambda: window.get(f"/process-instance/{case_id}/variables"))
    first = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt")
    assert (first.archived, first.skipped) == (0, 1)
    reads = _rows(runtime, AccessLog, case_id)
    assert reads >= 1 and _rows(runtime, CaseEvent, case_id) > 0
    later = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt")
    line = json.loads(later.archive.read_text().splitlines()[1])
    assert later.archived == 1 and len(line["reads"]) == reads and _rows(runtime, AccessLog, case_id) == 0


def test_a_case_another_run_archived_meanwhile_is_reported_as_such(county, client, clock, tmp_path, monkeypatch):
    runtime = county
    case_id = _finished(client, "retention_short")
    clock.advance(days=31)
    other = []
    _after_writing(monkeypatch, lambda: other.append(clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt")))
    done = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt")
    assert (other[0].archived, done.archived, done.skipped, done.taken) == (1, 0, 0, 1)
    with runtime.reading() as uow:
        assert uow.session.get(ArchivedCase, case_id).archive == other[0].archive.name


def _case_calling_a_process(client, window) -> tuple[str, str]:
    """A case of retention_parent (its process kept 30 days) started by `window`, and the instance of
    retention_child (kept 1 day) its call activity started: (case id, called instance id)."""
    made = deploy_files(Api(client, "designer"), {"child.bpmn": _process("retention_child", "1"),
                                                  "parent.bpmn": PARENT})
    assert made.status_code == 200, made.json
    case_id = window.post("/process-definition/key/retention_parent/start",
                          {"businessKey": f"RT-{uuid.uuid4().hex[:8]}"}).json["id"]
    return case_id, window.get("/process-instance", superProcessInstance=case_id).json[0]["id"]

def test_a_called_instance_is_kept_while_its_case_runs_and_goes_with_it_into_the_same_line(county, client, clock,
                                                                                          tmp_path):
    """Camunda's removal time of a process tree is its root's: the called instance's own one day does not count."""
    runtime, window = county, Api(client, "window_rt")
    case_id, called = _case_calling_a_process(client, window)
    task = window.get("/task", processInstanceId=called).json[0]
    assert window.post(f"/task/{task['id']}/complete", {}).status_code == 204
    clock.advance(days=2)
    clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt")
    assert _rows(runtime, HistoryActivity, called) > 0
    assert [c["id"] for c in window.get("/history/process-instance", superProcessInstanceId=case_id).json] == [called]
    task = window.get("/task", processInstanceId=case_id).json[0]
    assert window.post(f"/task/{task['id']}/complete", {}).status_code == 204
    clock.advance(days=31)
    done = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt")
    line = next(json.loads(x) for x in done.archive.read_text().splitlines()[1:-1] if case_id in x)
    assert line["case"]["id"] == case_id and [c["case"]["id"] for c in line["called"]] == [called]
    assert line["called"][0]["history"] and _rows(runtime, HistoryActivity, called) == 0
    with runtime.reading() as uow:
        assert uow.session.get(ProcessInstance, called) is None
        assert uow.session.get(ArchivedCase, called).archive == done.archive.name
    verdicts = verify_archive(runtime, SYSTEM, done.archive, KEY)
    assert all(v.ok for v in verdicts), verdicts


@pytest.mark.parametrize("ttl", ["2147483648", " 7 ", "7 ", "99999999999999999999999", "P2147483648D"])
def test_a_time_to_live_camunda_cannot_hold_is_refused_naming_the_process(county, login_as, ttl):
    refused = deploy_files(login_as("designer"), {"bad.bpmn": _process("retention_bad", ttl)})
    assert refused.status_code == 400 and refused.json["element"] == "retention_bad", refused.json


def test_a_county_setting_past_camunda_s_bound_is_refused_naming_the_value(county, client):
    designer = Api(client, "designer")
    refused = designer.client.put("/api/counties/rt/settings/history_time_to_live_days",
                                  json={"value": 2147483648}, headers=designer.headers)
    assert refused.status_code == 400 and refused.json["field"] == "value", refused.json


def test_a_retention_past_the_last_date_is_never_due_and_the_rest_are_cleaned_up(county, client, clock, tmp_path):
    runtime, designer = county, Api(client, "designer")
    add_county(runtime, "ru", "档案县长期", "ruzhen")
    made = deploy_files(designer, {"forever.bpmn": _process("retention_forever", "2147483647")})
    assert made.status_code == 200, made.json
    assert designer.client.put("/api/counties/ru/settings/history_time_to_live_days", json={"value": 2147483647},
                               headers=designer.headers).status_code in (200, 204)
    kept = [_finished(client, key, "window_ru") for key in ("retention_forever", "retention_plain")]
    short = _finished(client, "retention_short", "window_ru")
    clock.advance(days=31)
    done = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="ru")
    assert done.archived == 1 and _rows(runtime, CaseEvent, short) == 0
    assert all(_rows(runtime, CaseEvent, case_id) > 0 for case_id in kept)


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


def _file(data: bytes, name: str = "身份证.pdf") -> dict:
    return {"value": base64.b64encode(data).decode(), "type": "File",
            "valueInfo": {"filename": name, "mimeType": "application/pdf"}}


def _bytes(label: str) -> bytes:
    """A file of this test's own (no other test's case shares it)."""
    return f"%PDF-1.4 {label} {uuid.uuid4()}".encode()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _started_with(client, proof: bytes, key: str = "retention_short") -> tuple[str, str]:
    """A case started with the File variable `proof`: its id and its open task's."""
    window = Api(client, "window_rt")
    started = window.post(f"/process-definition/key/{key}/start", {
        "businessKey": f"RT-{uuid.uuid4().hex[:8]}", "variables": {"proof": _file(proof)}})
    assert started.status_code == 200, started.json
    return started.json["id"], window.get("/task", processInstanceId=started.json["id"]).json[0]["id"]


def _stored(runtime, *contents: bytes) -> list[bool]:
    with runtime.reading() as uow:
        kept = set(uow.session.scalars(select(Content.sha256).where(Content.sha256.in_([_sha(c) for c in contents]))))
    return [_sha(c) in kept for c in contents]


def _line_of(archive: Path, case_id: str) -> tuple[list[str], int, dict]:
    lines = archive.read_text().splitlines()
    number = next(n for n, line in enumerate(lines) if f'"id":"{case_id}"' in line and '"events"' in line)
    return lines, number, json.loads(lines[number])


def _re_signed_line(archive: Path, lines: list[str], number: int, case: dict) -> None:
    body = "\n".join([*lines[:number], json.dumps(case, ensure_ascii=False), *lines[number + 1:-1]]) + "\n"
    archive.write_text(body + json.dumps({"signature": hmac.new(KEY, body.encode(), hashlib.sha256).hexdigest()})
                       + "\n")


def test_a_removed_case_takes_the_files_it_alone_used_and_its_archive_holds_them_all(county, client, clock,
                                                                                    tmp_path):
    runtime, window = county, Api(client, "window_rt")
    shared, scan, first, later = _bytes("shared"), _bytes("scan"), _bytes("first"), _bytes("later")
    case_id, task_id = _started_with(client, first)
    made = attach(window, task_id, scan)
    assert made.status_code == 200, made.json
    # the proof given at the start is replaced: the first stays in the case's history, and in its archive
    assert window.post(f"/task/{task_id}/complete", {"variables": {
        "proof": _file(later), "shared": _file(shared)}}).status_code == 204
    other, other_task = _started_with(client, shared)  # runs on: the shared bytes stay with it
    clock.advance(days=31)
    done = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt")
    assert done.archived >= 1
    _, _, line = _line_of(done.archive, case_id)
    held = {c["sha256"]: base64.b64decode(c["data"]) for c in line["contents"]}
    assert held == {_sha(c): c for c in (first, later, shared, scan)}
    assert len(line["contents"]) == 4 and all(c["size"] == len(held[c["sha256"]]) for c in line["contents"])
    verdicts = verify_archive(runtime, SYSTEM, done.archive, KEY)
    assert all(v.ok for v in verdicts) and case_id in {v.case_id for v in verdicts}, verdicts
    assert _stored(runtime, first, later, scan, shared) == [False, False, False, True]
    assert _rows(runtime, ContentUse, case_id) == 0
    # the other case still serves its file; the removed one's reads answer 404, not 500
    assert window.get(f"/process-instance/{other}/variables/proof/data").data == shared
    gone = [window.get(f"/process-instance/{case_id}/variables/proof/data"),
            window.get(f"/history/variable-instance/{case_id}:proof/data"),
            window.get(f"/task/{task_id}/attachment/{made.json['id']}/data"),
            window.get(f"/task/{task_id}/attachment/{made.json['id']}")]
    assert [r.status_code for r in gone] == [404] * 4, [r.json for r in gone]
    # and when that case too is removed, so are the bytes
    assert window.post(f"/task/{other_task}/complete", {}).status_code == 204
    clock.advance(days=31)
    last = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt")
    assert [c["sha256"] for c in _line_of(last.archive, other)[2]["contents"]] == [_sha(shared)]
    assert _stored(runtime, shared) == [False]
    assert all(v.ok for v in verify_archive(runtime, SYSTEM, last.archive, KEY))


def test_a_changed_archived_file_is_found_naming_it_and_a_missing_one_naming_its_event(county, client, clock,
                                                                                     tmp_path):
    runtime, window = county, Api(client, "window_rt")
    proof = _bytes("proof")
    case_id, task_id = _started_with(client, proof)
    assert window.post(f"/task/{task_id}/complete", {}).status_code == 204
    clock.advance(days=31)
    archive = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt").archive
    lines, number, line = _line_of(archive, case_id)
    content = line["contents"][0]
    changed = bytearray(base64.b64decode(content["data"]))
    changed[-1] ^= 1
    content["data"] = base64.b64encode(bytes(changed)).decode()
    unsigned = "\n".join([*lines[:number], json.dumps(line, ensure_ascii=False), *lines[number + 1:]]) + "\n"
    archive.write_text(unsigned)
    with pytest.raises(ValidationFailed, match=f"签名无效.*第 {number + 1} 行案件 {case_id} 的内容 {_sha(proof)}"):
        verify_archive(runtime, SYSTEM, archive, KEY)
    _re_signed_line(archive, lines, number, line)  # the key holder's forgery: the file is signed, its content is not
    verdict = next(v for v in verify_archive(runtime, SYSTEM, archive, KEY) if v.case_id == case_id)
    assert (verdict.ok, verdict.first_bad_event) == (False, 1) and _sha(proof) in verdict.problem, verdict
    line["contents"] = []
    _re_signed_line(archive, lines, number, line)
    verdict = next(v for v in verify_archive(runtime, SYSTEM, archive, KEY) if v.case_id == case_id)
    assert (verdict.ok, verdict.first_bad_event) == (False, 1), verdict
    assert verdict.problem == f"事件 1 引用的内容 {_sha(proof)} 不在档案中"


def test_a_file_attached_in_a_called_instance_is_in_its_cases_line_and_goes_with_it(county, client, clock,
                                                                                  tmp_path):
    runtime, window = county, Api(client, "window_rt")
    case_id, called = _case_calling_a_process(client, window)
    task = window.get("/task", processInstanceId=called).json[0]
    scan = _bytes("called")
    assert attach(window, task["id"], scan).status_code == 200
    assert window.post(f"/task/{task['id']}/complete", {}).status_code == 204
    task = window.get("/task", processInstanceId=case_id).json[0]
    assert window.post(f"/task/{task['id']}/complete", {}).status_code == 204
    clock.advance(days=31)
    done = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt")
    line = _line_of(done.archive, case_id)[2]
    assert [c["sha256"] for c in line["contents"]] == [_sha(scan)] and line["called"][0]["attachments"]
    assert _stored(runtime, scan) == [False]
    assert all(v.ok for v in verify_archive(runtime, SYSTEM, done.archive, KEY))


def _paused(monkeypatch, module, name: str):
    """Have `module.name` pause after it has run, until the returned gate opens (its transaction still open);
    `ran` is set when it has."""
    real, ran, gate = getattr(module, name), threading.Event(), threading.Event()

    def run_then_wait(*args, **kwargs):
        result = real(*args, **kwargs)
        monkeypatch.setattr(module, name, real)
        ran.set()
        assert gate.wait(10)
        return result
    monkeypatch.setattr(module, name, run_then_wait)
    return ran, gate


def _in_thread(action) -> tuple[threading.Thread, list]:
    outcome: list = []
    thread = threading.Thread(target=lambda: outcome.append(action()))
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("first", ["command", "clean-up"])
def test_a_file_another_case_references_while_its_last_case_is_removed_stays(app, county, client, clock, tmp_path,
                                                                            monkeypatch, first):
    """A command that attaches bytes a case being removed used (that case's last user): whichever of the two
    transactions locks the content first, the other waits, and the file is there after both, served to the case
    that now uses it. Committed first, the command keeps the content; the clean-up committed first, the command
    stores it again."""
    runtime, window = county, Api(client, "window_rt")
    scan = _bytes("raced")
    removed, task_id = _started_with(client, scan)
    assert window.post(f"/task/{task_id}/complete", {}).status_code == 204
    clock.advance(days=31)
    _, task_id = _started_with(client, _bytes("other"))
    module, name = (attachments, "keep_contents") if first == "command" else (retention, "release_contents")
    ran, gate = _paused(monkeypatch, module, name)
    commands, cleanups = [], []
    steps = [lambda: commands.append(_in_thread(lambda: attach(Api(app.test_client(), "window_rt"), task_id, scan))),
             lambda: cleanups.append(_in_thread(lambda: clean_up_history(runtime, SYSTEM, KEY, tmp_path,
                                                                         county="rt")))]
    steps[0 if first == "command" else 1]()
    assert ran.wait(10)  # the first holds its lock, its transaction open
    steps[1 if first == "command" else 0]()
    time.sleep(0.5)  # the second reaches the lock and waits (the lock timeout is 2 s)
    gate.set()
    (command, made), (cleanup, done) = commands[0], cleanups[0]
    command.join(10), cleanup.join(10)
    assert made[0].status_code == 200, made[0].json
    assert done[0].archived >= 1 and _rows(runtime, CaseEvent, removed) == 0
    assert _stored(runtime, scan) == [True]
    assert window.get(f"/task/{task_id}/attachment/{made[0].json['id']}/data").data == scan


def test_an_archive_written_before_archives_held_files_verifies_as_it_did(county, client, clock, tmp_path):
    runtime = county
    case_id, task_id = _started_with(client, _bytes("before"))
    assert Api(client, "window_rt").post(f"/task/{task_id}/complete", {}).status_code == 204
    clock.advance(days=31)
    archive = clean_up_history(runtime, SYSTEM, KEY, tmp_path, county="rt").archive
    lines, number, line = _line_of(archive, case_id)
    del line["contents"]
    _re_signed_line(archive, lines, number, line)  # a line without its files, in an archive that says it holds them
    with pytest.raises(ValidationFailed, match=f"第 {number + 1} 行不是案件记录"):
        verify_archive(runtime, SYSTEM, archive, KEY)
    header = json.loads(lines[0])
    lines[0] = json.dumps({**header, "format": retention.WITHOUT_CONTENTS})
    _re_signed_line(archive, lines, number, line)
    verdicts = verify_archive(runtime, SYSTEM, archive, KEY)
    assert case_id in {v.case_id for v in verdicts} and all(v.ok for v in verdicts), verdicts
    lines[0] = json.dumps({**header, "format": "another/1"})
    _re_signed_line(archive, lines, number, line)
    with pytest.raises(ValidationFailed, match="第 1 行不是本服务的档案格式"):
        verify_archive(runtime, SYSTEM, archive, KEY)
