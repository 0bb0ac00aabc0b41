"""A new 低保 standard reaches every household in payment: its impact per township before it is saved, then
each household's 补差 recomputed from its last assessed income, recorded on its case, and paid from the
effective month."""

from tests.support.payroll_steps import Finance, Household, amounts, at, new_county


def _post(login_as, user: str, path: str, body: dict):
    api = login_as(user)
    return api.client.post(f"/api/payroll{path}", json=body, headers=api.headers)


def test_a_new_standard_is_previewed_per_township_then_recomputes_each_household(client, login_as, runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    # (800 − 420) × 3 = 1140 under the demo standard; the amounts approved are what the reviewers decided
    first = Household(login_as, county, per_capita_income=420.0, household_size=3).approve(amount=1140.0)
    second = Household(login_as, county, township=1, per_capita_income=700.0, household_size=2).approve(amount=200.0)
    finance.paid("2026-10")
    at(clock, "2026-10-15")
    change = {"county": county.code, "standard": 900, "effectiveMonth": "2026-11"}
    preview = _post(login_as, county.user("finance"), "/standards/preview", change)
    assert preview.status_code == 200, preview.json
    assert preview.json["households"] == 2 and preview.json["changed"] == 2
    assert (preview.json["totalBefore"], preview.json["totalAfter"]) == (1340.0, 1840.0)  # 1440 + 400
    assert [(t["households"], t["totalBefore"], t["totalAfter"]) for t in preview.json["townships"]] == [
        (1, 1140.0, 1440.0), (1, 200.0, 400.0)]
    assert _post(login_as, county.user("finance"), "/standards", change).status_code == 403  # the designer saves
    bad = _post(login_as, county.user("designer"), "/standards", {**change, "effectiveMonth": "2026-13"})
    assert bad.status_code == 400 and bad.json["field"] == "effectiveMonth"
    saved = _post(login_as, county.user("designer"), "/standards", change)
    assert saved.status_code == 200 and saved.json["changed"] == 2, saved.json
    assert first.variables()["amount"] == 1440.0 and first.variables()["dibao_standard"] == 900
    auditor = login_as(county.user("auditor"))
    events = auditor.client.get(f"/api/audit/cases/{first.id}/events", headers=auditor.headers).json["events"]
    change_event = [e for e in events if e["command"] == "standard_change"][-1]
    assert "1,440.00" in change_event["inputs"]["notice"]["text"]
    verdict = auditor.client.get(f"/api/audit/cases/{first.id}/verify", headers=auditor.headers).json
    assert verdict["ok"], verdict  # the recomputation replays like any command
    again = _post(login_as, county.user("designer"), "/standards", change)
    assert again.json["changed"] == 0  # nothing left to change
    at(clock, "2026-10-20")
    _, lines = finance.paid("2026-11")
    assert amounts(lines) == {(first.id, "2026-11", "regular"): 1440.0, (second.id, "2026-11", "regular"): 400.0}
    designer = login_as(county.user("designer"))
    settings = designer.client.get(f"/api/counties/{county.code}/settings", headers=designer.headers).json
    assert settings["dibao_standard"]["value"] == 900  # new cases take it


def test_a_standard_raised_back_to_a_month_already_paid_pays_the_difference(client, login_as, runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    household = Household(login_as, county, per_capita_income=420.0, household_size=3).approve(amount=1140.0)
    finance.paid("2026-10")
    at(clock, "2026-10-20")
    saved = _post(login_as, county.user("designer"), "/standards",
                  {"county": county.code, "standard": 850, "effectiveMonth": "2026-10"})
    assert saved.json["changed"] == 1
    clock.advance(hours=2)
    _, lines = finance.paid("2026-11")
    assert amounts(lines) == {(household.id, "2026-11", "regular"): 1290.0,
                              (household.id, "2026-10", "back_pay"): 150.0}  # 1290 − 1140 already paid
