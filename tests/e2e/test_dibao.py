"""The 低保 reference process end to end over the Camunda REST API."""

from tests.e2e.dibao_steps import Case


def test_approval_path_from_accept_to_payment(login_as, clock):
    case = Case(login_as)
    accept = case.task("window_cg", "accept")
    assert accept["candidateGroups"] == ["window"]
    case.accept()
    home_visit = case.task("investigator_cg", "home_visit")
    # accepted Mon 2026-09-28: three working days are 9/29, 9/30 and, after 国庆 (10/1-10/7), 10/8.
    assert home_visit["due"] == "2026-10-08T23:59:59.000+0800"
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    assert case.activities() == ["publicity_gateway"]  # Camunda too waits in the event-based gateway
    publicity = case.job("publicity")
    assert publicity["dueDate"] == "2026-10-05T23:59:59.000+0800"  # seven calendar days
    clock.advance(days=8)
    case.fire("publicity")
    county = case.task("county_reviewer", "county_review")
    assert county["candidateGroups"] == ["county_reviewer"]
    # files received Tue 10/6 (holiday); ten working days count 调休 Saturday 10/10 and end on 10/20.
    assert county["due"] == "2026-10-20T23:59:59.000+0800"
    case.complete("county_reviewer", "county_review", decision="approve", amount=1140.0)
    assert case.variables()["payment_from"] == "2026-11"
    case.complete("finance", "payment", first_payment_month="2026-11")
    case.hand_over("approval_notice")
    # 动态管理: the household now waits for its yearly re-check (tests/e2e/test_dynamic.py drives it)
    assert case.activities() == ["recheck_wait"]  # the re-check timer, or a reported death
    assert case.job("recheck_timer")["dueDate"] == "2027-10-06T23:59:59.000+0800"


def test_township_rejection_ends_with_written_notice_within_three_working_days(login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    clock.advance(days=1)  # Tue 9/29
    case.complete("reviewer_cg", "township_review", opinion="reject", reason="家庭人均收入高于当地低保标准")
    notice = case.task("window_cg", "refusal_notice")
    assert notice["due"] == "2026-10-09T23:59:59.000+0800"  # 9/30, 10/8, 10/9
    case.complete("window_cg", "refusal_notice", notice_delivered=True)
    assert case.history()["state"] == "COMPLETED"


def test_objection_during_publicity_leads_to_appraisal_and_new_review(login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    response = login_as("village_cg").post("/message", {
        "messageName": "publicity_objection", "businessKey": case.business_key,
        "processVariables": {"objection_text": {"value": "申请人有营运车辆", "type": "String"}}})
    assert response.status_code == 204, response.json
    assert case.waiting_jobs() == []
    case.complete("village_cg", "democratic_appraisal", participants="赵六,钱七,孙八",
                  appraisal_result="support", appraisal_minutes="经评议，车辆已于去年出售")
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    case.fire("publicity")
    # an objection means the county visits the household before deciding
    case.complete("county_reviewer", "county_home_visit", visitors="周九,吴十", visit_date="2026-10-09",
                  findings="核实无车辆")
    case.complete("county_reviewer", "county_review", decision="reject", reason="核查发现隐瞒收入")
    assert case.variables()["overall_limit"] == 45
    case.complete("window_cg", "refusal_notice", notice_delivered=True)
    assert case.history()["state"] == "COMPLETED"


def test_incomplete_materials_get_one_notice_then_return_to_accept(login_as, clock):
    case = Case(login_as)
    case.accept(materials_complete=False, missing_materials="户口簿复印件；残疾证")
    notice = case.task("window_cg", "notify_missing")
    assert notice["due"] == "2026-09-29T23:59:59.000+0800"
    case.complete("window_cg", "notify_missing", missing_materials="户口簿复印件；残疾证", notice_delivered=True)
    case.accept()
    assert sorted(case.activities()) == ["home_visit", "verify"]


def test_history_records_every_activity_with_its_actor(login_as, clock):
    case = Case(login_as)
    case.accept()
    tasks = login_as("auditor").get("/history/task", processInstanceId=case.id).json
    accept = next(t for t in tasks if t["taskDefinitionKey"] == "accept")
    assert accept["assignee"] == "window_cg" and accept["endTime"] is not None
    activities = login_as("auditor").get("/history/activity-instance", processInstanceId=case.id).json
    assert {"start", "accept", "materials_check", "record_acceptance", "home_visit", "verify"} <= {
        a["activityId"] for a in activities}


def test_failed_match_is_told_to_the_applicant_and_an_objection_forces_a_recheck(login_as, clock):
    case = Case(login_as)
    case.accept()
    case.complete("investigator_cg", "home_visit", visitors="李四,王五", visit_date="2026-09-29", findings="属实")
    verifier = login_as("verifier")
    body = {"workerId": "m", "maxTasks": 100, "topics": [{"topicName": "household-verification",
                                                         "lockDuration": 60000}]}
    task = next(t for t in verifier.post("/external-task/fetchAndLock", body).json
                if t["processInstanceId"] == case.id)
    verifier.post(f"/external-task/{task['id']}/complete", {"workerId": "m", "variables": {
        "verification_result": {"value": "mismatch", "type": "String"}}})
    case.complete("window_cg", "notify_mismatch", mismatch_notice_delivered=True, applicant_objects=True,
                  objection_evidence="车辆已过户，附过户证明")
    assert "verify" in case.activities()  # the home visit is done; the join waits for the re-check
    case.verify()
    assert case.activities() == ["township_review"]


def test_where_the_township_decides_its_reviewer_decides_within_20_working_days(login_as, clock):
    designer = login_as("designer")
    set_delegation = designer.client.put
    url, headers = "/api/counties/sfx/settings/township_decides", designer.headers
    assert login_as("window_cg").client.put(url, json={"value": True},
                                            headers=login_as("window_cg").headers).status_code == 403
    assert set_delegation(url, json={"value": "yes"}, headers=headers).status_code == 400
    running = Case(login_as)  # started before the change: keeps the county decision
    assert set_delegation(url, json={"value": True}, headers=headers).status_code == 204
    try:
        delegated = Case(login_as)
    finally:
        assert set_delegation(url, json={"value": False}, headers=headers).status_code == 204
    for case in (running, delegated):
        case.accept()
        case.investigate()
        case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
        case.fire("publicity")
    assert running.task("county_reviewer", "county_review")["candidateGroups"] == ["county_reviewer"]
    decision = delegated.task("reviewer_cg", "county_review")
    assert decision["candidateGroups"] == ["township_reviewer"]
    assert decision["due"] == "2026-10-30T23:59:59.000+0800"  # 20 working days after 受理 on 9/28
    delegated.complete("reviewer_cg", "county_review", decision="approve", amount=1140.0)
    assert delegated.task("finance", "payment")


def test_objection_after_the_due_time_but_before_the_timer_job_wins_alone(login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    clock.advance(days=8)  # 公示 is over on paper, but its job has not run yet
    response = login_as("village_cg").post("/message", {"messageName": "publicity_objection",
                                                        "businessKey": case.business_key})
    assert response.status_code == 204, response.json
    assert case.activities() == ["democratic_appraisal"]
    assert case.waiting_jobs() == []
