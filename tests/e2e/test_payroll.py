"""The monthly roll over HTTP: the amount in force each month, the end of payment, 补发 for a household approved
after its first month's roll, review with 双人复核, and frozen rolls."""

import pytest

from tests.conftest import typed
from tests.support.payroll_steps import Finance, Household, Supported, amounts, at, new_county
from tests.support.web_client import Web


def test_a_household_is_paid_every_month_and_the_roll_follows_a_recheck_change(client, login_as, runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    household = Household(login_as, county).approve(amount=450.0)  # approved 2026-09-28: paid from 2026-10
    for month, day in (("2026-10", "2026-09-28"), ("2026-11", "2026-10-20"), ("2026-12", "2026-11-20")):
        at(clock, day)
        run, lines = finance.paid(month)
        assert amounts(lines) == {(household.id, month, "regular"): 450.0}
        assert run["total"] == 450.0 and run["lines"] == 1
    at(clock, "2026-12-01")
    assert household.recheck(income=500.0, recheck_result="change", amount=300.0,
                             reason="家庭收入增加").status_code == 204
    at(clock, "2026-12-20")
    run, lines = finance.paid("2027-01")  # decided in December: the new amount from January
    assert amounts(lines) == {(household.id, "2027-01", "regular"): 300.0}
    assert lines[0]["previousAmount"] == 450.0 and lines[0]["flags"] == ["changed"]
    payments = login_as(county.user("window")).client.get(
        f"/api/cases/{household.id}/payments", headers=login_as(county.user("window")).headers).json
    assert [(p["month"], p["amount"], p["paymentStatus"]) for p in payments] == [
        ("2026-10", 450.0, "ordered"), ("2026-11", 450.0, "ordered"), ("2026-12", 450.0, "ordered"),
        ("2027-01", 300.0, "ordered")]


def test_a_stop_a_gradual_exit_a_death_and_a_fraud_finding_each_end_payment(client, login_as, runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    stop, exiting, died, fraud, kept = (Household(login_as, county, household_size=1).approve() for _ in range(5))
    run, _ = finance.paid("2026-10")
    assert run["lines"] == 5
    at(clock, "2026-10-12")
    assert stop.recheck(recheck_result="stop", reason="收入超过标准").status_code == 204
    assert exiting.recheck(recheck_result="gradual_exit", gradual_exit_months=1,
                           reason="已就业").status_code == 204
    response = login_as(county.user("window")).post("/message", {
        "messageName": "household_member_died", "businessKey": died.business_key,
        "processVariables": {"remaining_members": {"value": 0, "type": "Integer"},
                             "died_on": {"value": "2026-10-10", "type": "String"}}})
    assert response.status_code in (200, 204), response.json
    assert fraud.recheck(recheck_result="fraud", reason="隐瞒收入").status_code == 204
    at(clock, "2026-10-20")
    run, lines = finance.paid("2026-11")
    assert {line["caseId"] for line in lines} == {exiting.id, kept.id}  # 渐退: one more month
    assert run["exceptions"]["stopped"] == 3
    assert {s["caseId"] for s in run["stopped"]} == {stop.id, died.id, fraud.id}
    at(clock, "2026-11-20")
    _, lines = finance.paid("2026-12")
    assert {line["caseId"] for line in lines} == {kept.id}


def test_a_household_approved_after_its_first_roll_gets_that_month_as_back_pay(client, login_as, runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    early = Household(login_as, county).approve(amount=450.0)
    finance.paid("2026-10")  # built on 2026-09-28, before the late household was approved
    clock.advance(hours=2)
    late = Household(login_as, county, township=1).approve(amount=520.0)
    assert late.variables()["payment_from"] == "2026-10"
    at(clock, "2026-10-20")
    run, lines = finance.paid("2026-11")
    assert amounts(lines) == {(early.id, "2026-11", "regular"): 450.0, (late.id, "2026-11", "regular"): 520.0,
                              (late.id, "2026-10", "back_pay"): 520.0}
    assert run["total"] == 1490.0 and run["exceptions"]["back_pay"] == 1
    at(clock, "2026-11-20")
    _, lines = finance.paid("2026-12")  # paid once: no back pay again
    assert sorted(line["kind"] for line in lines) == ["regular", "regular"]


def test_a_roll_is_confirmed_by_a_second_finance_user_and_then_frozen(client, login_as, runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    Household(login_as, county).approve()
    run = finance.run("2026-10")
    assert run["state"] == "review" and run["openTask"]["activityId"] == "payroll_review"
    assert finance.start("2026-11").json["field"] == "month"  # not before its month's payroll day
    assert finance.start("2026-09").status_code == 409  # one open run per county
    assert finance.decide(run, "payroll_review", county.user("finance"), review_decision="approve").status_code == 204
    refused = finance.decide(run, "payroll_confirm", county.user("finance"), confirm_decision="confirm")
    assert refused.status_code == 403 and "双人复核" in refused.json["message"]
    confirmed = finance.decide(run, "payroll_confirm", county.user("finance2"), confirm_decision="confirm")
    assert confirmed.status_code == 204
    frozen = finance.call("GET", f"/runs/{run['id']}").json
    assert frozen["state"] == "frozen" and frozen["frozenBy"] == county.user("finance2")
    assert frozen["ledgerHead"] and frozen["bankResult"]["ordered"] == 1
    assert finance.start("2026-10").status_code == 409  # the month's roll exists: only a correction may follow
    correction = finance.run("2026-10", kind="correction")
    assert correction["businessKey"].endswith("-C1") and correction["lines"] == 0


def test_review_can_send_the_roll_back_to_be_rebuilt_from_the_facts(client, login_as, runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    Household(login_as, county).approve()
    run = finance.run("2026-10")
    clock.advance(minutes=5)
    second = Household(login_as, county).approve()
    assert finance.decide(run, "payroll_review", county.user("finance"), review_decision="rebuild").status_code == 204
    from app.services.payroll.runs import build_waiting_runs

    assert build_waiting_runs(runtime) >= 1
    rebuilt = finance.call("GET", f"/runs/{run['id']}").json
    assert rebuilt["lines"] == 2 and rebuilt["state"] == "review"
    assert second.id in {line["caseId"] for line in finance.lines(run["id"])}


def test_a_tekun_person_is_paid_the_support_of_their_care_class_until_termination(client, login_as, runtime,
                                                                                   clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    person = Supported(login_as, county).approve(self_care_class="全自理")  # 1040 + 100 (county defaults)
    _, lines = finance.paid("2026-10")
    assert amounts(lines) == {(person.id, "2026-10", "regular"): 1140.0}
    at(clock, "2026-10-12")
    assert person.recheck(recheck_result="change", support_type="dispersed", self_care_class="全护理",
                          reason="失能，需全护理").status_code == 204
    person.complete("window", "recheck_notice", notice_text="调整为全护理", notice_delivered=True)
    at(clock, "2026-10-20")
    _, lines = finance.paid("2026-11")
    assert amounts(lines) == {(person.id, "2026-11", "regular"): 2040.0}  # 1040 + 1000 from the month after
    at(clock, "2026-11-02")
    assert person.recheck(recheck_result="stop", reason="子女返乡，具备赡养能力").status_code == 204
    at(clock, "2026-11-10")
    person.fire("termination_publicity")  # terminated only after its 7-day 公示
    person.complete("window", "termination_notice", notice_delivered=True)
    at(clock, "2026-11-20")
    run, lines = finance.paid("2026-12")
    assert lines == [] and run["exceptions"]["stopped"] == 1


def test_the_monthly_timer_makes_next_months_roll_on_the_county_payroll_day(client, login_as, runtime, clock):
    from app.services.payroll.runs import payroll_tick

    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    designer = login_as(county.user("designer"))
    assert designer.client.put(f"/api/counties/{county.code}/settings/payroll_day", headers=designer.headers,
                               json={"value": 25}).status_code == 204
    assert designer.client.put(f"/api/counties/{county.code}/settings/payroll_day", headers=designer.headers,
                               json={"value": 31}).json["field"] == "value"  # not every month has it
    household = Household(login_as, county).approve(amount=450.0)
    at(clock, "2026-10-24")
    payroll_tick(runtime, only={county.code})  # this county's: other tests' counties are left alone
    assert finance.call("GET", f"/runs?county={county.code}").json == []
    at(clock, "2026-10-25")
    payroll_tick(runtime, only={county.code})
    runs = finance.call("GET", f"/runs?county={county.code}").json
    assert [(r["businessKey"], r["state"], r["lines"]) for r in runs] == [(f"PR-{county.code}-2026-11", "review", 1)]
    payroll_tick(runtime, only={county.code})  # once a month
    assert len(finance.call("GET", f"/runs?county={county.code}").json) == 1
    assert finance.lines(runs[0]["id"])[0]["caseId"] == household.id


@pytest.mark.parametrize("key", ["payroll", "bank_account_fix"])
def test_the_processes_the_monthly_roll_starts_are_not_started_by_hand(app, login_as, key):
    """The roll finds its case by business key: a case started by hand could take another county's roll key (keys
    are unique per county) and stand in for its case."""
    started = login_as("window_cg").post(f"/process-definition/key/{key}/start",
                                         {"businessKey": "PR-sfx-2026-12", "variables": typed(village="dongguan")})
    assert started.status_code == 403 and started.json["field"] == "key", started.json
    page = Web(app, "window_cg").get("/cases/new")
    assert f'value="{key}"' not in page.text
