"""Reading a case's personal data is logged for auditors; roles that do not handle the applicant see it masked."""

import pytest

from tests.support.dibao_steps import Case, unique_id_number

FULL_ID = unique_id_number()
MASKED_ID = FULL_ID[:6] + "********" + FULL_ID[-4:]


def _accepted(login_as) -> Case:
    case = Case(login_as)
    case.accept(id_number=FULL_ID, household_confirmed=True)  # one applicant, several cases: the window confirmed
    return case


def _log(login_as, case_id: str, user: str = "auditor"):
    api = login_as(user)
    return api.client.get("/api/audit/access-log", query_string={"caseId": case_id}, headers=api.headers)


@pytest.mark.parametrize(("user", "masked"), [
    ("window_cg", False), ("investigator_cg", False), ("reviewer_cg", False), ("county_reviewer", False),
    ("finance", True), ("supervisor", True), ("auditor", True), ("village_cg", True), ("designer", True),
])
def test_personal_fields_are_masked_for_roles_that_do_not_need_them(login_as, clock, user, masked):
    case = _accepted(login_as)
    response = login_as(user).get(f"/process-instance/{case.id}/variables")
    assert response.status_code == 200, response.json
    values = {k: v["value"] for k, v in response.json.items()}
    if masked:
        assert (values["id_number"], values["applicant_name"], values["per_capita_income"]) == (MASKED_ID, "张*", "***")
    else:
        assert (values["id_number"], values["applicant_name"], values["per_capita_income"]) == (FULL_ID, "张三", 420.0)
    assert values["household_size"] == 3  # not personal: shown to everyone who may read the case
    entries = _log(login_as, case.id).json
    assert [(e["user"], e["what"], e["masked"]) for e in entries] == [(user, "process-instance variables", masked)]


def test_every_read_of_case_data_is_logged_newest_first(login_as, clock):
    case = _accepted(login_as)
    task = case.task("investigator_cg", "home_visit")
    assert login_as("investigator_cg").get(f"/task/{task['id']}/form-variables").status_code == 200
    clock.advance(minutes=5)
    history = login_as("auditor").get("/history/variable-instance", processInstanceId=case.id).json
    assert {v["name"]: v["value"] for v in history}["id_number"] == MASKED_ID
    clock.advance(minutes=5)
    auditor = login_as("auditor")
    state = auditor.client.get(f"/api/audit/cases/{case.id}/events/2/state", headers=auditor.headers).json
    assert state["variables"]["id_number"] == MASKED_ID
    entries = _log(login_as, case.id).json
    assert [(e["user"], e["what"], e["masked"]) for e in entries] == [
        ("auditor", "audit state at event 2", True),
        ("auditor", "history variable-instance", True),
        ("investigator_cg", "task form-variables", False),
    ]
    assert entries[0]["at"] == "2026-09-28T10:10:00.000+0800" and entries[0]["caseId"] == case.id


def test_only_auditors_and_supervisors_read_the_access_log(login_as, clock):
    case = _accepted(login_as)
    assert _log(login_as, case.id, "supervisor").status_code == 200
    response = _log(login_as, case.id, "window_cg")
    assert response.status_code == 403
    missing = _log(login_as, "no-such-case")
    assert missing.status_code == 404 and missing.json["field"] == "caseId"
    auditor = login_as("auditor")
    bad = auditor.client.get("/api/audit/access-log", query_string={"maxResults": 0}, headers=auditor.headers)
    assert bad.status_code == 400 and "maxResults" in str(bad.json)
