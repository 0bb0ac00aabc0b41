"""Typed variables come back with the type they were given: Date, Short, Long, Object (JSON), Bytes and
File (stored by sha256, served only to readers of the case); Java-serialized objects are refused."""

import base64
import hashlib
import uuid

import pytest
from sqlalchemy import select

from app.store.tables import Content
from tests.support.deployments import deploy_fixture


@pytest.fixture(scope="module")
def deployed(app):
    from tests.conftest import Api

    deploy_fixture(Api(app.test_client(), "designer"), "message_wait.bpmn")


PDF = b"%PDF-1.4 \xe4\xbd\xa0\xe5\xa5\xbd"
TYPED = {
    "visit_at": {"value": "2026-09-28T10:00:00.000+0800", "type": "Date", "valueInfo": {}},
    "members": {"value": 3, "type": "Short", "valueInfo": {}},
    "account": {"value": 6222020200112233445, "type": "Long", "valueInfo": {}},
    "address": {"value": '{"village": "东关社区", "no": 12}', "type": "Object",
                "valueInfo": {"objectTypeName": "java.util.HashMap", "serializationDataFormat": "application/json"}},
    "signature": {"value": base64.b64encode(b"\x00\x01\x02").decode(), "type": "Bytes", "valueInfo": {}},
    "proof": {"value": base64.b64encode(PDF).decode(), "type": "File",
              "valueInfo": {"filename": "证明.pdf", "mimeType": "application/pdf"}},
}


@pytest.fixture
def case_id(deployed, login_as):
    started = login_as("window_cg").post("/process-definition/key/message_wait/start", {
        "businessKey": f"VAR-{uuid.uuid4().hex[:8]}", "variables": {**TYPED, "village": {"value": "dongguan"}}})
    assert started.status_code == 200, started.json
    return started.json["id"]


def test_types_round_trip(login_as, case_id):
    got = login_as("window_cg").get(f"/process-instance/{case_id}/variables").json
    assert got["visit_at"] == TYPED["visit_at"]
    assert got["members"] == TYPED["members"] and got["account"] == TYPED["account"]
    assert got["address"]["type"] == "Object" and got["address"]["value"] == {"village": "东关社区", "no": 12}
    assert got["address"]["valueInfo"]["objectTypeName"] == "java.util.HashMap"
    assert got["signature"] == TYPED["signature"]
    assert got["proof"] == {"value": None, "type": "File",
                            "valueInfo": {"filename": "证明.pdf", "mimeType": "application/pdf", "encoding": None}}
    serialized = login_as("window_cg").get(f"/process-instance/{case_id}/variables/address",
                                           deserializeValue="false").json
    assert serialized["value"] == '{"village": "东关社区", "no": 12}'


def test_a_file_is_stored_once_by_its_sha256_and_served_to_readers_of_the_case(app, login_as, case_id):
    response = login_as("window_cg").get(f"/process-instance/{case_id}/variables/proof/data")
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf" and "attachment" in response.headers["Content-Disposition"]
    with app.extensions["runtime"].reading() as uow:
        stored = uow.session.scalars(select(Content).where(
            Content.sha256 == hashlib.sha256(PDF).hexdigest())).all()
    assert len(stored) == 1 and stored[0].size == len(PDF)
    assert login_as("window_hd").get(f"/process-instance/{case_id}/variables/proof/data").status_code == 404
    assert login_as("dept_medical_user").get(f"/process-instance/{case_id}/variables/proof/data").status_code == 403


def test_a_variable_changes_type_and_is_deleted(login_as, case_id):
    api = login_as("supervisor")
    changed = api.put(f"/process-instance/{case_id}/variables/members", {"value": "三人", "type": "String"})
    assert changed.status_code == 204
    assert api.get(f"/process-instance/{case_id}/variables/members").json["type"] == "String"
    assert api.delete(f"/process-instance/{case_id}/variables/members").status_code == 204
    assert api.get(f"/process-instance/{case_id}/variables/members").status_code == 404
    modified = api.post(f"/process-instance/{case_id}/variables", {
        "modifications": {"members": {"value": 4, "type": "Short"}}, "deletions": ["account"]})
    assert modified.status_code == 204
    variables = api.get(f"/process-instance/{case_id}/variables").json
    assert variables["members"]["type"] == "Short" and "account" not in variables


@pytest.mark.parametrize("typed, field", [
    ({"value": "rO0ABXQABWhlbGxv", "type": "Object",
      "valueInfo": {"objectTypeName": "java.lang.String",
                    "serializationDataFormat": "application/x-java-serialized-object"}},
     "variables.x.valueInfo.serializationDataFormat"),
    ({"value": "<a/>", "type": "Xml"}, "variables.x.type"),
    ({"value": 70000, "type": "Short"}, "variables.x"),
    ({"value": "2026-13-40", "type": "Date"}, "variables.x"),
    ({"value": "not base64!", "type": "Bytes"}, "variables.x"),
    ({"value": "aGk=", "type": "File", "valueInfo": {}}, "variables.x.valueInfo.filename"),
    ({"type": None}, "variables.x"),
    ({"value": 1, "type": 5}, "variables.x.type"),
])
def test_values_the_service_cannot_keep_are_refused_naming_the_variable(deployed, login_as, typed, field):
    response = login_as("window_cg").post("/process-definition/key/message_wait/start", {
        "variables": {"x": typed, "village": {"value": "dongguan"}}})
    assert response.status_code == 400 and response.json["field"] == field, response.json


def test_a_form_upload_sets_a_file_variable(login_as, case_id):
    from io import BytesIO

    api = login_as("supervisor")
    response = api.client.post(f"/engine-rest/process-instance/{case_id}/variables/scan/data", headers=api.headers,
                               data={"data": (BytesIO(b"scan"), "scan.txt", "text/plain"), "valueType": "File"},
                               content_type="multipart/form-data")
    assert response.status_code == 204, response.json
    assert api.get(f"/process-instance/{case_id}/variables/scan/data").data == b"scan"
