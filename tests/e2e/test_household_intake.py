"""Intake records the household: its address and its members (each 身份证 checked), the household's size and
per-capita income computed from them for the amount rules, members' personal data masked per role; and 一户一档:
an application naming someone with a running case or a finding is held until the window confirms."""

import json
import re
import uuid

import pytest

from tests.conftest import typed
from tests.support.dibao_steps import Case, accept_variables, unique_id_number
from tests.support.web_client import Web


def variables(api, case_id: str) -> dict:
    found = api.get(f"/process-instance/{case_id}/variables").json
    return {k: json.loads(v["value"]) if v["type"] == "Json" else v["value"] for k, v in found.items()}


def members(*rows) -> list[dict]:
    relations = ["本人", "配偶", "子女", "父母"]
    return [{"member_name": name, "member_id_number": id_number, "member_relation": relations[i],
             "member_income": income, "member_work_capacity": "有劳动能力"}
            for i, (name, id_number, income) in enumerate(rows)]


def accept(case: Case, applicant: str, household: list[dict] | None, **extra):
    values = {k: v for k, v in accept_variables(id_number=applicant).items()
              if k not in ("household_size", "per_capita_income")}
    if household is not None:
        values["household_members"] = typed(household_members=household)["household_members"]
    values.update(typed(address="城关镇东关社区幸福路 12 号", **extra))
    task = case.task("window_cg", "accept")
    return case.login_as("window_cg").post(f"/task/{task['id']}/complete", {"variables": values})


@pytest.fixture(scope="module")
def household():
    applicant, spouse, child = unique_id_number(), unique_id_number(), unique_id_number(2015)
    return applicant, members(("张三", applicant, 900), ("李四", spouse, 360), ("张小三", child, 0))


def test_the_household_gives_its_size_and_per_capita_income_to_the_amount_rules(login_as, household):
    applicant, rows = household
    case = Case(login_as)
    done = accept(case, applicant, rows)
    assert done.status_code == 204, done.json
    values = variables(login_as("window_cg"), case.id)
    assert (values["household_size"], values["per_capita_income"]) == (3, 420.0)
    assert values["address"] == "城关镇东关社区幸福路 12 号" and values["household_members"][1]["member_name"] == "李四"
    masked = variables(login_as("finance"), case.id)
    spouse = masked["household_members"][1]
    assert spouse["member_name"] == "李*" and spouse["member_income"] == "***" and spouse["member_relation"] == "配偶"
    assert spouse["member_id_number"] == rows[1]["member_id_number"][:6] + "********" + rows[1]["member_id_number"][-4:]
    assert masked["address"] == "城关镇东关社***"
    assert rows[1]["member_id_number"] not in str(masked)


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"household_size": 4}, "household_size", "按成员计算为 3"),
    ({"row": {"member_id_number": "110101199003071230"}}, "household_members", "第 2 行 身份证号码"),
    ({"row": {"member_relation": "邻居"}}, "household_members", "第 2 行 与申请人关系"),
    ({"row": {"member_wage": 1}}, "household_members", "没有字段 member_wage"),
])
def test_a_household_that_does_not_add_up_is_refused_naming_the_field(login_as, change, field, words):
    rows = members(("王五", unique_id_number(), 500), ("赵六", unique_id_number(), 100),
                   ("王小五", unique_id_number(2016), 0))
    rows[1].update(change.pop("row", {}))
    refused = accept(Case(login_as), rows[0]["member_id_number"], rows, **change)
    assert refused.status_code == 400 and refused.json["field"] == field and words in refused.json["message"], \
        refused.json


def test_one_household_one_file_holds_an_application_naming_a_running_cases_member(login_as, household):
    applicant, rows = household
    first = Case(login_as)
    assert accept(first, applicant, rows, household_confirmed=True).status_code == 204
    second = Case(login_as)  # the spouse applies on their own
    spouse = rows[1]["member_id_number"]
    held = accept(second, spouse, members(("李四", spouse, 360)))
    assert held.status_code == 400 and held.json["field"] == "household_confirmed", held.json
    keys = {c["businessKey"] for c in held.json["errors"][0]["cases"]}
    assert first.business_key in keys and "一户一档" in held.json["message"]
    assert accept(second, spouse, members(("李四", spouse, 360)), household_confirmed=True).status_code == 204


def test_the_window_sees_the_household_list_and_is_warned_with_a_link(app, login_as, household):
    applicant, _rows = household
    case = Case(login_as)
    web = Web(app, "window_cg")
    task = case.task("window_cg", "accept")
    page = web.get(f"/tasks/{task['id']}").text
    assert 'name="household_members[0].member_name"' in page and "共同生活家庭成员" in page
    form = {"applicant_name": "张三", "id_number": applicant, "pledge_signed": "on", "materials_complete": "on",
            "household_members[0].member_name": "张三", "household_members[0].member_id_number": applicant,
            "household_members[0].member_relation": "本人", "household_members[0].member_income": "800",
            "household_members[0].member_work_capacity": "有劳动能力",
            "household_members[2].member_name": "张小三",
            "household_members[2].member_id_number": unique_id_number(2016),
            "household_members[2].member_relation": "子女", "household_members[2].member_income": "0",
            "household_members[2].member_work_capacity": "未成年或在校"}
    warned = web.post(f"/tasks/{task['id']}", form)
    assert warned.status_code == 422
    warning = re.search(r'<div class="flash household-warning".*?</div>', warned.text, re.S)[0]
    assert re.search(r'<a href="/cases/[0-9a-f-]{36}"', warning), warning
    assert 'value="张小三"' in warned.text  # nothing typed is lost
    done = web.post(f"/tasks/{task['id']}", {**form, "household_confirmed": "on"})
    assert done.status_code == 302, done.text[:2000]
    values = variables(login_as("window_cg"), case.id)
    assert (values["household_size"], values["per_capita_income"]) == (2, 400.0)


def alone(case: Case, applicant: str, **extra):
    """An intake over the REST API that names its applicant and gives the household's figures, no member list."""
    return accept(case, applicant, None, household_size=3, per_capita_income=420.0, **extra)


def test_an_api_intake_naming_only_its_applicant_is_held_as_the_page_holds_it(login_as):
    applicant = unique_id_number()
    first = Case(login_as)
    assert alone(first, applicant).status_code == 204
    second = Case(login_as)  # the same person applies again over the REST API, no household list
    held = alone(second, applicant)
    assert held.status_code == 400 and held.json["field"] == "household_confirmed", held.json
    assert first.business_key in {c["businessKey"] for c in held.json["errors"][0]["cases"]}
    assert second.task("window_cg", "accept")  # nothing moved on
    assert alone(second, applicant, household_confirmed=True).status_code == 204


def test_a_rest_start_naming_a_running_cases_applicant_is_held_until_confirmed(login_as):
    applicant = unique_id_number()
    assert alone(Case(login_as), applicant).status_code == 204
    api = login_as("window_cg")
    start = {"businessKey": f"DB-{uuid.uuid4().hex[:12]}", "variables": typed(id_number=applicant)}
    held = api.post("/process-definition/key/dibao/start", start)
    assert held.status_code == 400 and held.json["field"] == "household_confirmed", held.json
    assert api.get("/process-instance", businessKey=start["businessKey"]).json == []
    start["variables"].update(typed(household_confirmed=True))
    assert api.post("/process-definition/key/dibao/start", start).status_code == 200
    other = {"businessKey": f"DB-{uuid.uuid4().hex[:12]}", "variables": typed(id_number=unique_id_number())}
    assert api.post("/process-definition/key/dibao/start", other).status_code == 200  # a new household goes on
