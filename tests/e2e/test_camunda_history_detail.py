"""Historic details: every variable update of a case, read from its event log, masked as the reader sees the
case, and filtered, sorted and paged as Camunda does."""

import pytest

from tests.support.dibao_steps import Case


@pytest.fixture(scope="module")
def updated(app):
    from tests.conftest import Api

    def login_as(user):
        return Api(app.test_client(), user)

    case = Case(login_as)
    case.accept()
    assert login_as("supervisor").post(f"/process-instance/{case.id}/variables", {
        "modifications": {"remark": {"value": "补充材料", "type": "String"}}}).status_code == 204
    assert login_as("supervisor").post(f"/process-instance/{case.id}/variables", {
        "modifications": {"remark": {"value": "已补齐", "type": "String"}}}).status_code == 204
    return case


def test_each_update_is_a_detail_with_its_revision_and_operation(login_as, updated):
    api = login_as("county_reviewer")
    notes = api.get("/history/detail", processInstanceId=updated.id, variableNameLike="remark",
                    sortBy="variableRevision", sortOrder="asc").json
    assert [(d["value"], d["revision"], d["initial"], d["type"], d["variableType"]) for d in notes] == [
        ("补充材料", 0, True, "variableUpdate", "String"), ("已补齐", 1, False, "variableUpdate", "String")]
    assert notes[0]["variableInstanceId"] == f"{updated.id}:remark" and notes[0]["time"].endswith("+0800")
    operations = api.get("/history/user-operation", processInstanceId=updated.id, operationType="ModifyVariable").json
    assert {d["userOperationId"] for d in notes} == {o["id"] for o in operations}
    assert api.get(f"/history/detail/{notes[1]['id']}").json == notes[1]
    accepted = api.get("/history/detail", processInstanceId=updated.id, excludeTaskDetails="true").json
    assert all(d["taskId"] is None for d in accepted)
    by_task = api.post("/history/detail", {"processInstanceId": updated.id, "initial": True,
                                           "sorting": [{"sortBy": "variableName", "sortOrder": "desc"}]}).json
    names = [d["variableName"] for d in by_task]
    assert names == sorted(names, reverse=True) and "household_size" in names
    assert api.get("/history/detail/count", processInstanceId=updated.id, formFields="true").json == {"count": 0}
    assert api.get("/history/detail/count", processInstanceId=updated.id, tenantIdIn="x").json == {"count": 0}


def test_a_detail_carries_its_cases_county_and_the_tenant_filters_select_by_it(login_as, updated):
    api = login_as("county_reviewer")  # 示范县's, as is the case

    def count(**params):
        listed = api.post("/history/detail", {"processInstanceId": updated.id, **params}).json
        counted = api.get("/history/detail/count", processInstanceId=updated.id,
                          **{k: ",".join(v) if isinstance(v, list) else str(v).lower() for k, v in params.items()})
        assert counted.json["count"] == len(listed), params
        return len(listed)

    every = count()
    assert every and {d["tenantId"] for d in api.get("/history/detail", processInstanceId=updated.id).json} == {"sfx"}
    assert count(tenantIdIn=["sfx"]) == every and count(tenantIdIn=["sfx", "ta"]) == every
    assert count(tenantIdIn=["ta"]) == 0
    assert count(withoutTenantId=True) == 0 and count(withoutTenantId=False) == every
    assert count(tenantIdIn=["sfx"], withoutTenantId=True) == 0  # Camunda's later call, withoutTenantId, wins
    assert len(api.get("/history/detail", processInstanceId=updated.id, sortBy="tenantId", sortOrder="desc").json
               ) == every
    for refused in (api.get("/history/detail", tenantIdIn=""), api.post("/history/detail", {"tenantIdIn": []})):
        assert refused.status_code == 400 and refused.json["field"] == "tenantIdIn", refused.json


def test_a_masked_reader_sees_personal_values_masked_and_the_read_is_logged(login_as, updated):
    shown = {d["variableName"]: d["value"] for d in
             login_as("supervisor").get("/history/detail", processInstanceId=updated.id).json}
    assert shown["applicant_name"] != "张三" and "*" in shown["id_number"]
    auditor = login_as("auditor")
    log = auditor.client.get("/api/audit/access-log", query_string={"caseId": updated.id}, headers=auditor.headers)
    assert ("supervisor", "history detail") in {(r["user"], r["what"]) for r in log.json}


def test_what_is_not_honoured_is_refused(login_as, updated):
    api = login_as("supervisor")
    refused = api.get("/history/detail", sortBy="time")
    assert refused.status_code == 400 and refused.json["field"] == "sortOrder"
    assert api.get("/history/detail/nope").status_code == 404
    assert login_as("designer").get("/history/detail").status_code == 403
    assert login_as("window_hd").get("/history/detail/count", processInstanceId=updated.id).json == {"count": 0}
