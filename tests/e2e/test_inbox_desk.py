"""The inbox as a desk: who applied (masked for the role), village, step, due and the overall limit; 急难 first;
search by business key, name or 身份证, each search that finds personal data logged."""

import re
import uuid

from sqlalchemy import select

from app.store.tables import AccessLog
from tests.support.case_steps import LinshiCase
from tests.support.dibao_steps import Case, valid_id_number
from tests.support.web_client import Web


def _row(web: Web, task_id: str, **params) -> str:
    return web.inbox_row_html(task_id, **params)


def test_the_inbox_shows_the_applicant_masked_per_role_the_village_and_the_overall_limit(app, login_as, clock):
    digits = str.maketrans("0123456789abcdef", "一二三四五六七八九十甲乙丙丁戊己")
    name = "欧阳" + uuid.uuid4().hex[:2].translate(digits)
    case = Case(login_as)
    case.accept(applicant_name=name)
    task = case.task("investigator_cg", "home_visit")
    row = _row(Web(app, "investigator_cg"), task["id"])
    assert f'<td class="applicant">{name}</td>' in row
    assert '<td class="wide">2026-11-13</td>' in row  # 30 working days after 受理 on 9/28, 国庆 skipped
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    clock.advance(days=8)
    case.fire("publicity")
    case.complete("county_reviewer", "county_review", decision="approve", amount=1140.0)
    payment = case.task("finance", "payment")
    row = _row(Web(app, "finance"), payment["id"])  # finance reads personal data masked: the family name only
    assert f'<td class="applicant">欧{"*" * (len(name) - 1)}</td>' in row and name not in row


def test_an_emergency_comes_first_and_is_marked(app, login_as, clock):
    ordinary = LinshiCase(login_as)
    ordinary.accept(kind="支出", amount=500.0)
    urgent = LinshiCase(login_as)
    urgent.accept(kind="急难", amount=900.0)
    web = Web(app, "reviewer_cg")
    text = web.get("/inbox", size=100).text
    payment = urgent.task("reviewer_cg", "emergency_payment")
    first = re.search(r'<tr [^>]*data-task-id="([^"]+)"', text)[1]
    assert first == payment["id"]  # before every task due earlier
    assert '<span class="badge urgent">急难</span>' in _row(web, payment["id"])


def test_search_by_business_key_name_or_id_number_and_the_personal_finds_are_logged(app, login_as, clock):
    id_number = valid_id_number("11010119750101" + str(uuid.uuid4().int % 900 + 100))
    case = Case(login_as)
    task = case.task("window_cg", "accept")
    case.accept(applicant_name="司马懿", id_number=id_number)
    home = case.task("investigator_cg", "home_visit")
    web = Web(app, "investigator_cg")
    assert [r["id"] for r in web.inbox_rows(q=case.business_key[-8:])] == [home["id"]]
    by_id = web.inbox_rows(q=id_number.lower())
    assert [r["id"] for r in by_id] == [home["id"]]
    assert home["id"] in {r["id"] for r in web.inbox_rows(q="司马懿")}
    with app.extensions["runtime"].unit_of_work() as uow:
        logged = uow.session.scalars(select(AccessLog.username).where(AccessLog.process_instance_id == case.id,
                                                                      AccessLog.what == "web inbox search")).all()
    assert logged == ["investigator_cg", "investigator_cg"]  # the 身份证 and the name search; not the key search
    village = Web(app, "village_cg")  # a masked role searches business keys only
    assert "业务编号" in village.get("/inbox").text and village.inbox_rows(q=id_number) == []
    assert task["id"] != home["id"]
