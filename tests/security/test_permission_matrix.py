"""Every endpoint under /engine-rest and /api × every role × own/other org: allowed cells succeed,
every other cell is 403/404 and changes nothing. The table is app/api/permissions.py."""

from pathlib import Path

import pytest

from app.api.permissions import ENDPOINT_ACCESS, LISTING, markdown_table
from tests.security.matrix_context import ROLES, Matrix
from tests.security.matrix_requests import REQUESTS

SCOPES = ("own", "other")
ESCALATION = ("POST", "/api/supervision/escalations/<int:escalation_id>")


def _served(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            if rule.rule.startswith(("/engine-rest", "/api/")) for method in rule.methods - {"HEAD", "OPTIONS"}}


@pytest.fixture(scope="module")
def matrix(app):
    return Matrix(app)


def test_every_served_endpoint_has_a_row_and_a_request(app):
    served = _served(app)
    assert served - set(ENDPOINT_ACCESS) == set(), "endpoints without a row in app/api/permissions.py"
    assert served - set(REQUESTS) == set(), "endpoints the matrix cannot call"
    assert set(ENDPOINT_ACCESS) - served == set(), "rows for endpoints that are not served"


def test_readme_shows_the_table():
    readme = (Path(__file__).parent.parent.parent / "README.md").read_text()
    assert markdown_table() in readme, "regenerate with: python -m app.api.permissions"


def _cell(matrix, key, role, scope):
    method = key[0]
    allowed = ENDPOINT_ACCESS[key].allows(role, scope)
    fresh = allowed and method != "GET"
    target = matrix.target(scope, "escalation" if key == ESCALATION else "main", fresh=fresh)
    request = REQUESTS[key](matrix, target, ROLES[role])
    before = matrix.snapshot() if not allowed and method != "GET" else None
    response = matrix.call(ROLES[role], method, **request)
    return allowed, target, response, before


@pytest.mark.parametrize("key", sorted(REQUESTS), ids=lambda k: f"{k[0]} {k[1]}")
def test_permission_matrix(app, matrix, key):
    if key not in _served(app):
        pytest.skip("not served")
    access = ENDPOINT_ACCESS[key]
    wrong = []
    for role in sorted(ROLES):
        for scope in SCOPES:
            allowed, target, response, before = _cell(matrix, key, role, scope)
            if allowed:
                ok = 200 <= response.status_code < 300
                if ok and access.scope == LISTING and scope == "other":
                    ok = target.case_id not in response.get_data(as_text=True)
            else:
                ok = response.status_code in access.refused_as and response.is_json
                ok = ok and (before is None or matrix.snapshot() == before)
            if not ok:
                wrong.append((role, scope, "allow" if allowed else "deny", response.status_code,
                              response.get_data(as_text=True)[:160]))
    assert wrong == []


def test_auditors_get_403_on_every_write_and_designers_cannot_work_case_tasks(app, matrix):
    writes = [key for key in sorted(REQUESTS) if key[0] != "GET" and key in _served(app)]
    answers = {}
    for key in writes:
        _allowed, _target, response, before = _cell(matrix, key, "auditor", "own")
        answers[key] = (response.status_code, matrix.snapshot() == before)
    assert {key: answer for key, answer in answers.items() if answer != (403, True)} == {}
    for action in ("claim", "complete", "submit-form", "assignee"):
        key = ("POST", f"/engine-rest/task/<task_id>/{action}")
        _allowed, _target, response, _before = _cell(matrix, key, "designer", "own")
        assert response.status_code == 403, (action, response.json)
