"""Migration 0047 on a database holding cases with files: the uses it back-fills from the cases' attachments, events
and variables are those the commands wrote as they stored them — a File variable's value replaced since, a file
attached in an instance a call activity started (its root case's), and nothing for a content no case uses."""

import base64
import hashlib
import uuid
from datetime import UTC, datetime

from sqlalchemy import select, text

from app.store.tables import Content
from tests.support.attachments import attach
from tests.support.deployments import deploy_files, window_process
from tests.support.migrations import at_revision

CALLER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://example.com">
  <bpmn:process id="uses_caller" name="内容调用方" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="c" />
    <bpmn:callActivity id="c" name="被调用" calledElement="uses_window" />
    <bpmn:sequenceFlow id="f2" sourceRef="c" targetRef="e" /><bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>"""


def _file(data: bytes) -> dict:
    return {"value": base64.b64encode(data).decode(), "type": "File", "valueInfo": {"filename": "证明.pdf"}}


def _uses(engine) -> set[tuple[str, str, str | None]]:
    with engine.connect() as conn:
        return set(conn.execute(text("SELECT sha256, process_instance_id, tenant_id FROM content_use")).all())


def test_the_back_filled_uses_are_those_the_commands_wrote(app, runtime, login_as):
    designer, window = login_as("designer"), login_as("window_cg")
    made = deploy_files(designer, {"window.bpmn": window_process("uses_window", "内容窗口"), "caller.bpmn": CALLER})
    assert made.status_code == 200, made.json
    first, later, scan, called_scan, orphan = (f"%PDF-1.4 {n} {uuid.uuid4()}".encode()
                                               for n in ("first", "later", "scan", "called", "orphan"))
    case = window.post("/process-definition/key/uses_window/start", {"variables": {"proof": _file(first)}}).json
    task = window.get("/task", processInstanceId=case["id"]).json[0]
    assert attach(window, task["id"], scan).status_code == 200
    assert window.post(f"/task/{task['id']}/complete", {"variables": {"proof": _file(later)}}).status_code == 204
    caller = window.post("/process-definition/key/uses_caller/start", {}).json["id"]
    called = window.get("/process-instance", superProcessInstance=caller).json[0]["id"]
    assert attach(window, window.get("/task", processInstanceId=called).json[0]["id"], called_scan).status_code == 200
    with runtime.unit_of_work() as uow:  # bytes no case uses (a case archived before this migration had some)
        uow.session.add(Content(sha256=hashlib.sha256(orphan).hexdigest(), size=len(orphan), data=orphan,
                                created=datetime.now(UTC)))
        uow.commit()
    written = _uses(app.extensions["db_engine"])
    sha = {data: hashlib.sha256(data).hexdigest() for data in (first, later, scan, called_scan)}
    assert {(sha[first], case["id"], "sfx"), (sha[later], case["id"], "sfx"), (sha[scan], case["id"], "sfx"),
            (sha[called_scan], caller, "sfx")} <= written
    with at_revision(app, "0046") as engine, engine.connect() as conn:
        assert "content_use" not in {name for (name,) in conn.execute(text(
            "SELECT table_name FROM information_schema.tables") if engine.dialect.name == "postgresql" else text(
            "SELECT name FROM sqlite_master WHERE type = 'table'"))}
    assert _uses(app.extensions["db_engine"]) == written
    with runtime.reading() as uow:  # the bytes no case uses are still there
        assert uow.session.scalar(select(Content.size).where(Content.sha256 == hashlib.sha256(orphan).hexdigest()))
