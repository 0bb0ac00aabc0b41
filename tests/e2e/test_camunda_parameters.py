"""Every served operation of Camunda's own OpenAPI document (docs/camunda/openapi.json), with every
parameter and body field Camunda defines for it: honoured, or refused with a 400 naming it.

A parameter the service declares (its own OpenAPI document) is sent with a sample value and must
be answered; on a list, a string filter whose value matches nothing must narrow the count, so a
declared filter cannot be silently ignored. A parameter or body field the service does not
declare must be refused with a 400 whose `errors` name it.
"""

import json
import re
import uuid
from pathlib import Path

import pytest

from tests.support.dibao_steps import Case

CAMUNDA = json.loads((Path(__file__).parents[2] / "docs" / "camunda" / "openapi.json").read_text())
DATE = "2026-01-01T00:00:00.000+0800"
NO_MATCH = f"nomatch-{uuid.uuid4().hex[:8]}"
# string filters that select by what a row is NOT, or that are not filters: no-match does not narrow them
NOT_NARROWING = re.compile(r"(Not(In|Like|Equal)?$|^sort|^variables$|IgnoreCase$|^deserialize)")


def _shape(path: str) -> str:
    return re.sub(r"{[^}]+}", "{}", path)


def _camunda_operations() -> dict[tuple[str, str], dict]:
    return {(_shape(path), method): op for path, ops in CAMUNDA["paths"].items()
            for method, op in ops.items() if isinstance(op, dict)}


def _ref(schema: dict) -> dict:
    while "$ref" in schema:
        schema = CAMUNDA["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def _properties(schema: dict) -> dict:
    schema = _ref(schema)
    found = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        found.update(_properties(part))
    return found


def _body_fields(op: dict) -> dict:
    schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    return _properties(schema) if schema else {}


def _sample(name: str, schema: dict) -> str:
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "boolean":
        return "true"
    if kind in ("integer", "number"):
        return "1"
    if fmt == "date-time" or re.search(r"(Date|Before|After|On|Time|created|due|followUp)$", name):
        return DATE
    return NO_MATCH


@pytest.fixture(scope="module")
def ours(app):
    with app.test_client() as client:
        return client.get("/engine-rest/openapi.json").json


@pytest.fixture(scope="module")
def ids(app):
    """A 低保 case at 入户调查 ∥ 信息核对: a user task, an external task, history rows, its timers' job-log entries."""
    from tests.conftest import Api

    client = app.test_client()

    def login_as(user):
        return Api(client, user)

    case = Case(login_as)
    case.accept()
    task = case.task("investigator_cg", "home_visit")
    external = login_as("supervisor").get("/external-task", processInstanceId=case.id).json[0]
    log = login_as("supervisor").get("/history/job-log", processInstanceId=case.id).json[0]
    return {"instance_id": case.id, "task_id": task["id"], "id": case.id, "external": external["id"],
            "job_log": log["id"]}


def _declared(ours: dict, path: str, method: str) -> tuple[set[str], set[str]]:
    """(query parameters, body fields) this service declares for an operation."""
    for our_path, ops in ours["paths"].items():
        if _shape(our_path) == _shape(path) and method in ops:
            op = ops[method]
            params = {p["name"] for p in op.get("parameters", []) if p.get("in") == "query"}
            schema = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            body = set(_resolve(ours, schema).get("properties", {})) if schema else set()
            return params, body
    raise AssertionError(f"{method} {path} is not in the served document")


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def _served(ours: dict) -> list[tuple[str, str, str]]:
    camunda = _camunda_operations()
    return sorted((our_path, method, _shape(our_path)) for our_path, ops in ours["paths"].items()
                  for method in ops if (_shape(our_path), method) in camunda)


def _concrete(path: str, ids: dict) -> str:
    def value(match):
        name = match.group(1)
        if name == "task_id" and "/external-task/" in path:
            return ids["external"]
        if "/job-log/" in path:
            return ids["job_log"]
        return {"task_id": ids["task_id"], "instance_id": ids["instance_id"], "name": "applicant_name"}.get(
            name, ids["id"])

    return "/engine-rest" + re.sub(r"{([^}]+)}", value, path)


def _named(response, name: str) -> bool:
    body = response.json or {}
    fields = {e.get("field", "") for e in body.get("errors", [])} | {body.get("field", "")}
    return any(f == name or f.startswith(f"{name}.") for f in fields)


def test_every_served_operation_is_in_camundas_document(ours):
    """What the service serves under /engine-rest is Camunda's (bar its own OpenAPI document)."""
    camunda = _camunda_operations()
    own = {(_shape(p), m) for p, ops in ours["paths"].items() for m in ops}
    assert own - set(camunda) == set()


def test_every_query_parameter_is_honoured_or_refused(app, ours, ids, login_as):
    api = login_as("supervisor")
    wrong = []
    for path, method, shape in _served(ours):
        op = _camunda_operations()[(shape, method)]
        declared, _ = _declared(ours, path, method)
        for param in op.get("parameters", []):
            if param["in"] != "query":
                continue
            name = param["name"]
            url = _concrete(path, ids)
            if name not in declared:
                response = api.client.open(url, method=method.upper(), query_string={name: "x"}, headers=api.headers,
                                           json={} if method != "get" else None)
                if not (response.status_code == 400 and _named(response, name)):
                    wrong.append((method, path, name, "undeclared, not refused", response.status_code))
                continue
            if method != "get":
                continue  # commands: their declared parameters are exercised by their own tests
            response = api.client.get(url, query_string={name: _sample(name, param.get("schema", {}))},
                                      headers=api.headers)
            if response.status_code == 404 and api.client.get(url, headers=api.headers).status_code == 404:
                continue  # no such resource here (a task without local variables), whatever the parameter
            if response.status_code >= 500 or (response.status_code >= 400 and not _named(response, name)):
                wrong.append((method, path, name, "declared, not answered", response.status_code))
    assert wrong == []


def test_every_body_field_is_honoured_or_refused(ours, login_as):
    api = login_as("supervisor")
    wrong = []
    for path, method, shape in _served(ours):
        op = _camunda_operations()[(shape, method)]
        _, declared = _declared(ours, path, method)
        for name in _body_fields(op):
            if name in declared:
                continue
            url = "/engine-rest" + re.sub(r"{[^}]+}", "no-such-id", path)
            response = api.client.open(url, method=method.upper(), json={name: "x"}, headers=api.headers)
            if not (response.status_code == 400 and _named(response, name)):
                wrong.append((method, path, name, response.status_code))
    assert wrong == []


def test_no_list_ignores_a_string_filter(ours, ids, login_as):
    """On every list, a declared string filter that matches nothing narrows the count."""
    api = login_as("supervisor")
    ignored, checked = [], set()
    for path, method, shape in _served(ours):
        if method != "get" or not path.endswith("/count"):
            continue
        total = api.client.get(f"/engine-rest{path}", headers=api.headers).json["count"]
        if not total:
            continue
        checked.add(path)
        declared, _ = _declared(ours, path, method)
        for param in _camunda_operations()[(shape, "get")].get("parameters", []):
            name, schema = param["name"], param.get("schema", {})
            if name not in declared or schema.get("type") != "string" or NOT_NARROWING.search(name) \
                    or _sample(name, schema) != NO_MATCH:
                continue
            response = api.client.get(f"/engine-rest{path}", query_string={name: NO_MATCH}, headers=api.headers)
            if response.status_code == 200 and response.json["count"] >= total:
                ignored.append((path, name, total, response.json["count"]))
    assert ignored == []
    assert {"/history/job-log/count", "/job/count"} <= checked, checked  # lists with rows here


def test_every_sort_key_is_honoured_or_refused(ours, login_as):
    api = login_as("supervisor")
    wrong = []
    for path, method, shape in _served(ours):
        op = _camunda_operations()[(shape, method)]
        sort = next((p for p in op.get("parameters", []) if p["name"] == "sortBy"), None)
        if method != "get" or sort is None:
            continue
        for key in sort["schema"].get("enum", []):
            response = api.client.get(f"/engine-rest{path}", query_string={"sortBy": key, "sortOrder": "desc"},
                                      headers=api.headers)
            if response.status_code != 200 and not (response.status_code == 400 and _named(response, "sortBy")):
                wrong.append((path, key, response.status_code))
    assert wrong == []


def test_sort_by_without_sort_order_is_refused(login_as):
    response = login_as("supervisor").get("/task", sortBy="created")
    assert response.status_code == 400 and response.json["field"] == "sortOrder"


def test_readme_lists_the_served_operations(app):
    from app.api.camunda_table import markdown_table

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    assert markdown_table(app) in readme, "regenerate with: flask camunda-table"
