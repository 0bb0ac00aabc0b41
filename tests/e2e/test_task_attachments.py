"""Task attachments as Camunda serves them: a photo of the home visit kept with its sha256 (a case event says
which), read only by those who may read the case (each read logged), bounded by ATTACHMENT_MAX_BYTES."""

import hashlib

import pytest

from tests.support.attachments import PHOTO, attach
from tests.support.dibao_steps import Case


@pytest.fixture(scope="module")
def visit(app):
    """A 低保 case at its home visit, with one photo attached by the investigator."""
    from tests.conftest import Api
    client = app.test_client()
    login_as = lambda username: Api(client, username)  # noqa: E731
    case = Case(login_as)
    case.accept()
    task = case.task("investigator_cg", "home_visit")
    made = attach(login_as("investigator_cg"), task["id"], **{"attachment-description": "厨房与卧室"})
    assert made.status_code == 200, made.json
    return case, task, made.json


def test_a_photo_is_kept_with_its_hash_and_served_as_camunda_serves_it(login_as, visit):
    case, task, made = visit
    assert made["name"] == "入户照片.jpg" and made["taskId"] == task["id"] and made["type"] == "image/jpeg"
    assert made["description"] == "厨房与卧室" and made["rootProcessInstanceId"] == case.id
    assert made["links"][0]["href"].endswith(f"/task/{task['id']}/attachment/{made['id']}")
    reviewer = login_as("reviewer_cg")
    assert [a["id"] for a in reviewer.get(f"/task/{task['id']}/attachment").json] == [made["id"]]
    assert reviewer.get(f"/task/{task['id']}/attachment/{made['id']}").json == made
    data = reviewer.get(f"/task/{task['id']}/attachment/{made['id']}/data")
    assert data.status_code == 200 and data.data == PHOTO and data.mimetype == "application/octet-stream"
    auditor = login_as("auditor")
    events = auditor.client.get(f"/api/audit/cases/{case.id}/events", headers=auditor.headers).json["events"]
    attached = [e for e in events if e["command"] == "attach"]
    assert attached[0]["inputs"]["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    assert attached[0]["inputs"]["mediaType"] == "image/jpeg"
    verdict = auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers).json
    assert verdict["ok"], verdict
    log = auditor.client.get("/api/audit/access-log", query_string={"caseId": case.id}, headers=auditor.headers)
    assert any(r["what"].startswith("attachments") and r["user"] == "reviewer_cg" for r in log.json), log.json


def test_only_those_who_may_read_the_case_see_attachments(login_as, visit):
    _case, task, made = visit
    assert login_as("window_hd").get(f"/task/{task['id']}/attachment").status_code == 404  # another township
    assert login_as("window_hd").get(f"/task/{task['id']}/attachment/{made['id']}/data").status_code == 404
    assert login_as("dept_medical_user").get(f"/task/{task['id']}/attachment/{made['id']}/data").status_code == 403
    assert login_as("window_cg").get(f"/task/{task['id']}/attachment/no-such").status_code == 404


def test_only_the_tasks_worker_adds_or_removes(login_as, visit):
    _case, task, made = visit
    assert attach(login_as("reviewer_cg"), task["id"]).status_code == 403
    assert login_as("window_cg").delete(f"/task/{task['id']}/attachment/{made['id']}").status_code == 403


@pytest.mark.parametrize(("parts", "content", "field"), [
    ({"attachment-name": ""}, PHOTO, "attachment-name"),
    ({}, None, "content"),
    ({"url": "javascript:alert(1)"}, None, "url"),
    ({"url": "https://example.org/a.pdf"}, PHOTO, "url"),
    ({"attachment-colour": "red"}, PHOTO, "attachment-colour"),
])
def test_what_cannot_be_kept_as_given_is_refused_naming_the_part(login_as, visit, parts, content, field):
    _case, task, _made = visit
    refused = attach(login_as("investigator_cg"), task["id"], content, **parts)
    assert refused.status_code == 400 and refused.json["field"] == field, refused.json


def test_a_file_over_the_setting_is_refused_naming_it(app, login_as, visit):
    _case, task, _made = visit
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    app.config["ATTACHMENT_MAX_BYTES"] = 2000
    try:
        over = attach(login_as("investigator_cg"), task["id"], b"%PDF-" + b"x" * 2000)
        huge = attach(login_as("investigator_cg"), task["id"], b"%PDF-" + b"x" * (1024 * 1024 + 4000))
    finally:
        app.config["ATTACHMENT_MAX_BYTES"] = limit
    assert over.status_code == 413 and "ATTACHMENT_MAX_BYTES" in over.json["message"], over.json
    assert huge.status_code == 413 and "ATTACHMENT_MAX_BYTES" in huge.json["message"], huge.json
    # above MAX_CONTENT_LENGTH (4 MiB) but within the 20 MiB default: kept
    big = attach(login_as("investigator_cg"), task["id"], b"%PDF-" + b"y" * (5 * 1024 * 1024))
    assert big.status_code == 200, big.json


def test_a_link_and_a_removal_are_case_events_and_a_done_tasks_attachments_stay_readable(login_as):
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    window = login_as("window_cg")
    link = attach(window, task["id"], None, url="https://example.org/scan.pdf", **{"attachment-name": "扫描件"})
    assert link.status_code == 200 and link.json["url"] == "https://example.org/scan.pdf", link.json
    assert window.get(f"/task/{task['id']}/attachment/{link.json['id']}/data").status_code == 404
    photo = attach(window, task["id"]).json
    assert window.delete(f"/task/{task['id']}/attachment/{photo['id']}").status_code == 204
    case.accept()
    assert [a["id"] for a in window.get(f"/task/{task['id']}/attachment").json] == [link.json["id"]]
    assert attach(window, task["id"]).status_code == 404  # a task that is done takes no more
    auditor = login_as("auditor")
    events = auditor.client.get(f"/api/audit/cases/{case.id}/events", headers=auditor.headers).json["events"]
    assert [e["command"] for e in events if e["command"] in ("attach", "detach")] == ["attach", "attach", "detach"]
    assert auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers).json["ok"]


def test_verification_finds_an_attachment_changed_after_it_was_kept(runtime, login_as):
    from sqlalchemy import update

    from app.store.tables import Content

    case = Case(login_as)
    task = case.task("window_cg", "accept")
    content = b"%PDF-1.4 " + hashlib.sha256(case.id.encode()).hexdigest().encode()  # this test's own bytes
    made = attach(login_as("window_cg"), task["id"], content)
    assert made.status_code == 200, made.json
    auditor = login_as("auditor")
    verify = f"/api/audit/cases/{case.id}/verify"
    assert auditor.client.get(verify, headers=auditor.headers).json["ok"]
    with runtime.unit_of_work() as uow:
        uow.session.execute(update(Content).where(Content.sha256 == hashlib.sha256(content).hexdigest())
                            .values(data=content + b" altered"))
        uow.commit()
    verdict = auditor.client.get(verify, headers=auditor.headers).json
    assert not verdict["ok"] and "附件" in verdict["problem"] and "哈希不符" in verdict["problem"], verdict
