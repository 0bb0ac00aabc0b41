"""Property-based fuzzing of every endpoint under /engine-rest and /api (hypothesis): malformed JSON,
wrong types, unknown ids, odd paging and junk bytes must each get a 4xx JSON answer — never a 5xx.

Query parameter names come from the served OpenAPI document, so new documented filters are fuzzed
too. The run is bounded (FUZZ_EXAMPLES per endpoint) and uses its own database, so fuzzed writes
cannot disturb the rest of the suite."""

import json
import os
import re
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from app.config import Config
from tests.conftest import Api, service_app

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "20"))
USERS = ("supervisor", "designer", "window_cg", "verifier", "auditor")
KEYS = ["businessKey", "variables", "value", "type", "userId", "workerId", "topics", "topicName", "lockDuration",
        "maxTasks", "messageName", "processVariables", "errorCode", "newDuration", "duedate", "retries", "action",
        "comment", "assignee", "name", "year", "holidays", "workdays", "org", "day", "reason", "modifications",
        "withVariablesInReturn", "processInstanceId", "localVariables", "errorMessage"]
EXTRA_PARAMS = ["state", "format", "township", "process", "minDaysOverdue", "acceptedFrom", "acceptedTo", "group",
                "activity", "deploymentId", "variableName"]
ODD_TEXT = ["", "0", "-1", "1e309", "NaN", "99999999999999999999999", "null", "true", "[]", "{}", "%00", "\x00",
            "..", "2026-02-30", "2026-09-28T10:00:00", "P1D", "' OR 1=1 --", "${now()}", "x" * 5000]
MALFORMED = ['{', '{"a":', '[1,2', '"unterminated', 'NaN', '{"variables": "x"}', '{"variables": {"a": 1}}',
             '{"variables": {"a": {"value": [], "type": "Integer"}}}', '{"topics": [{}]}', '{"userId": 5}',
             '{"firstResult": -1}', '\ufeff{}', '{"a": 1e99999}']


def _served_rules(app):
    return sorted({(method, rule.rule) for rule in app.url_map.iter_rules()
                   if rule.rule.startswith(("/engine-rest", "/api/"))
                   for method in rule.methods - {"HEAD", "OPTIONS"}})


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    app = service_app(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.sqlite3'}", "fuzz")
    yield app
    app.extensions["db_engine"].dispose()


def _query_names(app) -> list[str]:
    with app.test_client() as client:
        document = client.get("/engine-rest/openapi.json").json
    names = {p["name"] for ops in document["paths"].values() for op in ops.values() if isinstance(op, dict)
             for p in op.get("parameters", []) if p.get("in") == "query"}
    return sorted(names | set(EXTRA_PARAMS))


text = st.one_of(st.text(max_size=40), st.sampled_from(ODD_TEXT), st.integers(-10**30, 10**30).map(str))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(), st.text(max_size=40),
                    st.sampled_from(ODD_TEXT))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=12)), inner, max_size=5)), max_leaves=12)
bodies = st.one_of(st.none(), json_values.map(lambda v: json.dumps(v).encode()),
                   st.sampled_from(MALFORMED).map(str.encode), st.binary(max_size=300))


def _path(rule: str, values: list[str]) -> str:
    parts = iter(values)
    return re.sub(r"<[^>]+>", lambda _: quote(next(parts), safe="") or "x", rule)


@pytest.mark.parametrize("method, rule", _served_rules(create_app(Config(
    DATABASE_URL="sqlite://", SECRET_KEY="fuzz", TESTING=True, SCHEDULER=False))))
def test_no_endpoint_answers_a_server_error(fuzz_app, method, rule):
    client = fuzz_app.test_client()
    query_names = _query_names(fuzz_app)
    headers = {user: Api(client, user).headers for user in USERS}

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(user=st.sampled_from(USERS), path_values=st.lists(text, min_size=4, max_size=4),
           query=st.dictionaries(st.sampled_from(query_names), text, max_size=4), body=bodies,
           content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]))
    def check(user, path_values, query, body, content_type):
        response = client.open(_path(rule, path_values), method=method, query_string=query, data=body,
                               headers=headers[user], content_type=content_type)
        assert response.status_code < 500, (response.status_code, response.get_data(as_text=True)[:300])
        if response.status_code >= 400:
            assert response.is_json and "message" in response.json, response.get_data(as_text=True)[:300]

    check()
