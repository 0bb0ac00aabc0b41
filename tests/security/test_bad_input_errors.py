"""Every kind of bad input the red team found answering a generic 500 is a 400 naming the field, and the service
answers the next request as usual."""

import json
import time
import uuid

import pytest

from tests.support.deployments import deploy_files

DEEP = "[" * 5000 + "]" * 5000


def _start(api, raw: str):
    return api.client.post("/engine-rest/process-definition/key/dibao/start", data=raw,
                           headers={**api.headers, "Content-Type": "application/json"})


def _variable(value_json: str, kind: str = "Double") -> str:
    return '{"businessKey": "@KEY@", "variables": {"amount": {"value": ' + value_json + \
        ', "type": ' + json.dumps(kind) + "}}}"


@pytest.mark.parametrize("raw, field", [
    (_variable("NaN"), "body"),
    (_variable("Infinity"), "body"),
    (_variable("-Infinity"), "body"),
    (_variable("1e999"), "body"),
    ('{"businessKey": "lone-\\ud800"}', "businessKey"),
    (_variable('"\\udfff"', "String"), "variables.amount.value"),
    (_variable(json.dumps(json.dumps({"name": "\udfff"}, ensure_ascii=True)), "Json"), "variables.amount.value.name"),
    (_variable(DEEP, "Json"), "body"),
    (_variable(json.dumps(DEEP), "Json"), "variables.amount.value"),
    ('{"businessKey": "x", "variables": ' + "{\"a\": " * 3000 + "1" + "}" * 3000 + "}", "body"),
])
def test_a_body_no_database_can_store_is_a_400_naming_the_field(login_as, clock, raw, field):
    window = login_as("window_cg")
    started = time.monotonic()
    response = _start(window, raw.replace("@KEY@", f"bad-{uuid.uuid4().hex[:8]}"))  # ids stay the same per run
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.json["field"] == field, response.json
    assert time.monotonic() - started < 3
    assert window.get("/version").status_code == 200


@pytest.mark.parametrize("path, query, field", [
    ("/engine-rest/task", {"dueAfter": "0001-01-01T00:00:00"}, "dueAfter"),
    ("/engine-rest/task", {"dueBefore": "9999-12-31T23:59:59"}, "dueBefore"),
    ("/engine-rest/task/count", {"dueAfter": "0001-01-01T00:00:00+14:00"}, "dueAfter"),
    ("/api/supervision/compliance", {"acceptedFrom": "0001-01-01", "acceptedTo": "9999-12-31"}, "acceptedFrom"),
    ("/api/supervision/compliance", {"acceptedTo": "9999-12-31"}, "acceptedTo"),
])
def test_an_out_of_range_date_filter_is_a_400_naming_it(login_as, path, query, field):
    supervisor = login_as("supervisor")
    response = supervisor.client.get(path, query_string=query, headers=supervisor.headers)
    assert response.status_code == 400 and response.json["field"] == field, response.get_data(as_text=True)[:300]


def test_an_out_of_range_closure_day_is_a_400_naming_it(login_as):
    designer = login_as("designer")
    response = designer.client.post("/api/calendar/closures", json={"org": "cg", "day": "9999-12-31", "reason": "x"},
                                    headers=designer.headers)
    assert response.status_code == 400 and response.json["field"] == "day"


def test_a_job_moved_out_of_range_is_a_400_naming_the_due_date(login_as, clock):
    from tests.support import diagrams as d

    key = f"far_{uuid.uuid4().hex[:8]}"
    assert deploy_files(login_as("designer"), {f"{key}.bpmn": d.timer(key, "timeDuration", "P1D")}).status_code == 200
    started = login_as("window_cg").post(f"/process-definition/key/{key}/start", {"businessKey": key})
    supervisor = login_as("supervisor")
    job = supervisor.get("/job", processInstanceId=started.json["id"]).json[0]
    for due in ("0001-01-01T00:00:00.000+0800", "9999-12-31T23:59:59.000-0800"):
        response = supervisor.put(f"/job/{job['id']}/duedate", {"duedate": due})
        assert response.status_code == 400 and response.json["field"] == "duedate", response.json


def test_a_form_with_nan_is_refused_at_deploy(login_as):
    form_id = f"nan_{uuid.uuid4().hex[:8]}"
    text = '{"id": "' + form_id + '", "components": [{"type": "number", "key": "n", "validate": {"min": NaN}}]}'
    deployed = deploy_files(login_as("designer"), {f"{form_id}.form": text})
    assert deployed.status_code == 400 and deployed.json["file"] == f"{form_id}.form", deployed.json
