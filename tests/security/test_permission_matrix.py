"""Every endpoint under /engine-rest and /api × every role × own/other org: allowed cells succeed,
every other cell is 403/404 and changes nothing. The table is app/api/permissions.py.

Every body is compared with what the role may see: the target cases carry a marked value in every personal
field (and a script's copy of one); a refused cell shows none of them, not even masked; an allowed cell shows
them whole only to the roles of `personal.unmasked`; and an endpoint that answers with the case's variables
shows every one of them, whole or masked as the role's due."""

from pathlib import Path

import pytest

from app.api.permissions import ENDPOINT_ACCESS, LISTING, markdown_table
from app.api.queries import is_query
from app.domain.actors import PERMISSIONS
from tests.support.marked import EVERY_FIELD, MASKED_FORMS, leaked, shows
from tests.support.matrix_context import ROLES, Matrix
from tests.support.matrix_requests import REQUESTS

SCOPES = ("own", "other")
# endpoints that act on a case of their own (others keep sharing one): its escalation, its incident
PURPOSE = {("POST", "/api/supervision/escalations/<int:escalation_id>"): "escalation",
           ("GET", "/engine-rest/incident/<incident_id>"): "incident",
           ("GET", "/engine-rest/history/incident"): "incident"}
ER = "/engine-rest"
# endpoints whose answer carries the target case's variables (a start: the new case's)
SHOWS_VARIABLES = {("GET", f"{ER}/process-instance/<instance_id>/variables"),
                   ("GET", f"{ER}/execution/<execution_id>/localVariables"),
                   ("GET", f"{ER}/history/detail"), ("POST", f"{ER}/history/detail"),
                   ("GET", f"{ER}/history/variable-instance"), ("GET", f"{ER}/task/<task_id>/form-variables"),
                   ("POST", f"{ER}/task/<task_id>/complete"), ("POST", f"{ER}/task/<task_id>/submit-form"),
                   ("POST", f"{ER}/process-definition/key/<key>/start"), ("POST", f"{ER}/message"),
                   ("POST", f"{ER}/process-definition/<definition_id>/start"),
                   ("POST", f"{ER}/process-definition/key/<key>/tenant-id/<tenant_id>/start"),
                   ("GET", "/api/audit/cases/<case_id>/events"),
                   ("GET", "/api/audit/cases/<case_id>/events/<seq>/state")}
SEES_WHOLE = PERMISSIONS["personal.unmasked"]


def body_problem(key, role: str, scope: str, allowed: bool, body: str) -> str | None:
    """What of the marked personal data `body` shows that the role may not see, or leaves out that it may."""
    whole, masked = leaked(body), sorted(n for n, v in MASKED_FORMS.items() if shows(body, v))
    if not allowed:
        return f"refused, yet shows {whole + masked}" if whole or masked else None
    if role not in SEES_WHOLE and whole:
        return f"shows {whole} whole"
    if key in SHOWS_VARIABLES and scope == "own":
        expected = set(EVERY_FIELD) if role in SEES_WHOLE else set(MASKED_FORMS)
        missing = expected - set(whole if role in SEES_WHOLE else masked)
        return f"leaves out {sorted(missing)}" if missing else None
    return None


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
    target = matrix.target(scope, PURPOSE.get(key, "main"), fresh=fresh)
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
                    ok = target.case_id not in response.get_data().decode("utf-8", "replace")
            else:
                ok = response.status_code in access.refused_as and response.is_json
                ok = ok and (before is None or matrix.snapshot() == before)
            body = response.get_data().decode("utf-8", "replace")  # a PDF 名册 is not text
            problem = body_problem(key, role, scope, allowed, body)
            if not ok or problem:
                wrong.append((role, scope, "allow" if allowed else "deny", response.status_code,
                              problem or body[:160]))
    assert wrong == []


def test_auditors_get_403_on_every_write_and_designers_cannot_work_case_tasks(app, matrix):
    writes = [key for key in sorted(REQUESTS) if key[0] != "GET" and key in _served(app)
              and not is_query(key[0], key[1].removeprefix("/engine-rest"))]
    answers = {}
    for key in writes:
        _allowed, _target, response, before = _cell(matrix, key, "auditor", "own")
        answers[key] = (response.status_code, matrix.snapshot() == before)
    assert {key: answer for key, answer in answers.items() if answer != (403, True)} == {}
    for action in ("claim", "complete", "submit-form", "assignee"):
        key = ("POST", f"/engine-rest/task/<task_id>/{action}")
        _allowed, _target, response, _before = _cell(matrix, key, "designer", "own")
        assert response.status_code == 403, (action, response.json)


# the pages, each GET route with the target's ids; pages without case data are left out by name
WEB_PAGES = {
    "/": "/", "/inbox": "/inbox", "/cases": "/cases", "/cases/new": "/cases/new",
    "/cases/<instance_id>": "/cases/{case}", "/tasks/<task_id>": "/tasks/{task}",
    "/auditor": "/auditor?q={key}", "/auditor/verify": "/auditor/verify",
    "/auditor/cases/<case_id>": "/auditor/cases/{case}",
    "/auditor/cases/<case_id>/events/<int:seq>": "/auditor/cases/{case}/events/1",
    "/auditor/archived": "/auditor/archived?q={key}",
    "/auditor/archived/<case_id>/verify": "/auditor/archived/{case}/verify",
    "/supervisor": "/supervisor", "/supervisor/export/<table>.<fmt>": "/supervisor/export/tasks.csv",
    "/supervisor/timers": "/supervisor/timers", "/supervisor/incidents": "/supervisor/incidents",
    "/designer": "/designer", "/designer/processes/new": "/designer/processes/new",
    "/designer/processes/<key>": "/designer/processes/matrix_probe",
    "/designer/processes/<key>/edit": "/designer/processes/matrix_probe/edit",
    "/designer/processes/<key>/diff": "/designer/processes/matrix_probe/diff",
    "/designer/processes/<key>/<int:version>.bpmn": "/designer/processes/matrix_probe/1.bpmn",
    "/designer/forms/<key>/edit": "/designer/forms/dibao_accept/edit",
    "/designer/notices/<kind>/edit": "/designer/notices/refusal/edit",
    "/cases/<case_id>/notices/<notice_id>.pdf": "/cases/{case}/notices/{notice}.pdf",
    "/cases/<instance_id>/attachments/<attachment_id>": "/cases/{case}/attachments/none",
    "/payroll": "/payroll", "/payroll/standard": "/payroll/standard?county=sfx&standard=800&month=2001-01",
    "/payroll/runs/<int:run_id>": "/payroll/runs/1", "/payroll/runs/<int:run_id>/lines": "/payroll/runs/1/lines",
    "/payroll/runs/<int:run_id>/bank.<fmt>": "/payroll/runs/1/bank.csv",
    "/payroll/runs/<int:run_id>/roster/<township>.pdf": "/payroll/runs/1/roster/cg.pdf",
}
WITHOUT_CASE_DATA = {"/login", "/health", "/ready", "/metrics", "/assets/<path:filename>", "/static/<path:filename>",
                     "/favicon.ico"}
CASE_PAGES = {"/cases/<instance_id>", "/tasks/<task_id>", "/auditor/cases/<case_id>",
              "/auditor/cases/<case_id>/events/<int:seq>"}


def test_every_page_is_in_the_web_matrix(app):
    pages = {rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods
             and not rule.rule.startswith(("/engine-rest", "/api/"))}
    assert pages - set(WEB_PAGES) - WITHOUT_CASE_DATA == set()


@pytest.mark.parametrize("role", sorted(ROLES))
def test_every_page_shows_each_role_only_the_personal_data_it_may_see(app, matrix, role):
    from tests.support.web_client import Web

    web, wrong = Web(app, ROLES[role]), []
    for scope in SCOPES:
        target = matrix.target(scope)
        for rule, path in sorted(WEB_PAGES.items()):
            page = web.client.get(path.format(case=target.case_id, task=target.task_id, key=target.business_key,
                                              notice=target.notice_id))
            key = ("GET", f"{ER}/process-instance/<instance_id>/variables") if rule in CASE_PAGES else rule
            problem = body_problem(key, role, scope, page.status_code == 200,
                                   page.get_data().decode("utf-8", "replace"))
            if problem:
                wrong.append((rule, scope, page.status_code, problem))
    assert wrong == []
