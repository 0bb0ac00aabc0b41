"""家庭经济状况核对 in 特困 and 支出型 临时救助 as in 低保: the matching request goes to the county's matching
system (external task `household-verification`) at 受理, the case waits for its answer before 初审 / 公示, and a
mismatch is told to the applicant, whose objection with evidence sends it back to matching."""

from tests.conftest import typed
from tests.support.case_steps import LinshiCase, TekunCase


def matching_task(case) -> dict:
    """The case's open matching request, as the verifier's worker sees it when it fetches work."""
    locked = case.login_as("verifier").post("/external-task/fetchAndLock", {
        "workerId": "matcher-1", "maxTasks": 50,
        "topics": [{"topicName": "household-verification", "lockDuration": 60000}]}).json
    mine = [t for t in locked if t["processInstanceId"] == case.id]
    assert len(mine) == 1, locked
    return mine[0]


def answer(case, task: dict, result: str) -> None:
    response = case.login_as("verifier").post(f"/external-task/{task['id']}/complete", {
        "workerId": "matcher-1", "variables": typed(verification_result=result)})
    assert response.status_code == 204, response.json


def test_tekun_waits_for_matching_before_the_township_review_and_a_mismatch_is_told(login_as, clock):
    case = TekunCase(login_as)
    case.accept()
    assert sorted(case.activities()) == ["investigation", "verify"]  # requested at 受理, inside the 3 wd
    case.complete("investigator_cg", "investigation", visitors="李四,王五", findings="独居，无劳动能力")
    assert sorted(case.activities()) == ["investigation_join", "verify"]  # no 初审 before matching answers
    task = matching_task(case)
    assert task["businessKey"] == case.business_key
    assert task["variables"]["id_number"]["value"] == case.variables("window_cg")["id_number"]  # whole, to match
    answer(case, task, "mismatch")
    notice = case.task("window_cg", "notify_mismatch")
    assert notice["candidateGroups"] == ["window"]
    case.complete("window_cg", "notify_mismatch", mismatch_notice_delivered=True, applicant_objects=True,
                  objection_evidence="名下车辆已于2025年报废，附报废证明")
    answer(case, matching_task(case), "matched")  # matched again on the evidence
    assert case.activities() == ["township_review"]


def test_expense_type_linshi_is_matched_but_an_emergency_is_paid_first_without_it(login_as, clock):
    expense = LinshiCase(login_as)
    expense.accept(kind="支出", amount=3000.0)
    assert sorted(expense.activities()) == ["investigation", "verify"]
    expense.complete("investigator_cg", "investigation", visitors="李四,王五", findings="住院自付费用属实")
    assert sorted(expense.activities()) == ["investigation_join", "verify"]  # no 公示 before it answers
    answer(expense, matching_task(expense), "matched")
    assert expense.activities() == ["publicity_gateway"]
    emergency = LinshiCase(login_as)
    emergency.accept(kind="急难", amount=2000.0)
    assert emergency.activities() == ["emergency_payment"]  # 先行救助: no matching ([2018意见])
