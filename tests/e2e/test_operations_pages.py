"""Operations from the pages: a 公示 objection registered on the case by the village, and the supervisor's list
of waiting timers, fired now or moved with a reason the case log keeps."""

from app.domain.actors import Actor
from app.services.jobs import waiting_timers
from tests.support.case_steps import TekunCase
from tests.support.dibao_steps import Case
from tests.support.web_client import Web


def _in_publicity(login_as) -> Case:
    case = Case(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    return case


def test_the_village_registers_a_publicity_objection_on_the_case_page(app, login_as, clock):
    case = _in_publicity(login_as)
    village = Web(app, "village_cg")
    page = village.get(f"/cases/{case.id}").text
    assert "<summary>登记公示期异议</summary>" in page
    empty = village.post(f"/cases/{case.id}/objection", {"objection_text": " "})
    assert empty.status_code == 302 and "请写明异议内容" in village.get(f"/cases/{case.id}").text
    assert village.post(f"/cases/{case.id}/objection", {"objection_text": "申请人有营运车辆"}).status_code == 302
    assert case.task("village_cg", "democratic_appraisal")  # the objection moved the case on
    assert case.variables()["objection_text"] == "申请人有营运车辆"
    assert "<summary>登记公示期异议</summary>" not in village.get(f"/cases/{case.id}").text  # no longer in 公示
    late = village.post(f"/cases/{case.id}/objection", {"objection_text": "再次异议"})
    assert late.status_code == 302 and "不在公示期" in village.get(f"/cases/{case.id}").text


def test_supervisors_list_waiting_timers_fire_one_now_or_move_it_with_a_reason(app, login_as, clock):
    case = _in_publicity(login_as)
    job = case.job("publicity")
    supervisor = Web(app, "supervisor")
    page = supervisor.get("/supervisor/timers", process="dibao", q=case.business_key).text  # others' fill the list
    assert page.count('<tr data-job="') == 1 and "（1 项）" in page
    row = page.split(f'data-job="{job["id"]}"')[1].split("</tr>")[0]
    assert "公示期满（7日）" in row and case.business_key in row and "2026-10-05 23:59" in row
    assert 'name="q" value="' + case.business_key in row  # acting on a timer returns to the same search
    assert "没有业务编号含“NO-SUCH-KEY”的等待中的计时" in supervisor.get("/supervisor/timers", q="NO-SUCH-KEY").text
    assert Web(app, "window_cg").get("/supervisor/timers").status_code == 403
    assert Web(app, "auditor").post(f"/supervisor/timers/{job['id']}", {"action": "fire"}).status_code == 403

    url = f"/supervisor/timers/{job['id']}"
    no_reason = supervisor.post(url, {"action": "move", "due": "2026-10-09T17:00", "reason": ""})
    assert no_reason.status_code == 302 and "请写明调整到期时间的原因" in supervisor.get("/supervisor/timers").text
    assert supervisor.post(url, {"action": "move", "due": "2026-10-09T17:00",
                                 "reason": "公示栏被雨淋毁，重新张贴"}).status_code == 302
    assert case.job("publicity")["dueDate"] == "2026-10-09T17:00:00.000+0800"
    timeline = Web(app, "auditor").get(f"/auditor/cases/{case.id}").text
    assert "调整到期时间：公示期满（7日）" in timeline and "公示栏被雨淋毁，重新张贴" in timeline

    assert supervisor.post(url, {"action": "fire"}).status_code == 302
    assert case.task("county_reviewer", "county_review")


def test_the_timers_list_counts_every_timer_it_matches_beyond_the_ones_it_lists(app, login_as, clock):
    case = TekunCase(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
    case.fire("publicity")  # 认定 waits with its own deadline and the case's overall limit
    supervisor = Actor("supervisor", "/sfx/", frozenset({"supervisor"}))
    found = waiting_timers(app.extensions["runtime"], supervisor, "tekun", case.business_key, limit=1)
    assert found.total == 2 and [t.activity_id for t in found.timers] == ["county_confirmation_late"]
    page = Web(app, "supervisor").get("/supervisor/timers", q=case.business_key).text
    assert "（2 项）" in page and page.count('<tr data-job="') == 2
