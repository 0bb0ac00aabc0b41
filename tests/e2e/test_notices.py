"""Notices of decisions over HTTP: every adverse decision and every approval in 低保, 特困 and 临时救助 issues
its notice as the window's handover task opens — the household, the decision and its basis, the decider's
reasons, the amounts before and after, and the rights of appeal — listed on the case, printable as PDF,
masked for roles that do not meet the household, and proven by the case's verification."""

import io

import pytest
from pypdf import PdfReader

from app.domain.clock import CHINA_TZ
from tests.support import notice_steps as walks
from tests.support.notice_steps import RIGHTS
from tests.support.web_client import Web

# (walk, kind, phrases the notice must print); every adverse notice also prints RIGHTS
NOTICES = [
    (walks.dibao_refusal, "refusal", ["不予批准最低生活保障决定书", "张三（公民身份号码：{id_number}）",
                                      "理由：家庭人均收入高于当地最低生活保障标准", "《最低生活保障审核确认办法》"]),
    (walks.dibao_approval, "approval", ["最低生活保障批准通知书", "保障金额：每月 1140.00 元", "自2026年10月起发放"]),
    (walks.dibao_reduction, "reduction", ["减发最低生活保障金决定书", "原保障金额：每月 1140.00 元",
                                          "调整后金额：每月 300.00 元，自2027年10月起执行",
                                          "户主已就业，家庭人均收入增加"]),
    (walks.dibao_raise, "approval", ["原金额：每月 1140.00 元", "保障金额：每月 1500.00 元", "自2027年10月起发放"]),
    (walks.dibao_stop, "stop", ["停发最低生活保障金决定书", "原保障金额：每月 1140.00 元", "自2027年10月起停发",
                                "家庭人均收入超过当地低保标准"]),
    (walks.dibao_gradual_exit, "gradual_exit", ["最低生活保障渐退决定书", "给予3个月渐退期",
                                                "渐退期内保障金额：每月 1140.00 元", "渐退期满（2027年12月）后停发"]),
    (walks.dibao_recovery, "recovery", ["停发最低生活保障金并追回资金决定书", "原金额每月 1140.00 元",
                                        "责令退回非法获取的救助资金 5400.00 元", "复核发现隐瞒营运车辆",
                                        "第六十八条"]),
    (walks.dibao_not_accepted, "not_accepted", ["不予受理决定书", "申请人户籍不在本乡镇",
                                                "《最低生活保障审核确认办法》"]),
    (walks.tekun_refusal, "refusal", ["不予认定特困人员决定书", "王秀英", "理由：子女具备赡养能力",
                                      "《特困人员认定办法》"]),
    (walks.tekun_approval, "approval", ["特困人员认定通知书", "给予分散供养", "自2026年10月起发放"]),
    (walks.tekun_termination, "termination", ["终止特困人员救助供养决定书", "理由：子女返乡，具备赡养能力",
                                              "自2027年11月起终止", "第十八条"]),
    (walks.tekun_recovery, "recovery", ["终止特困人员救助供养并追回资金决定书",
                                        "责令退回非法获取的救助资金 0.00 元", "隐瞒子女赡养能力"]),
    (walks.tekun_not_accepted, "not_accepted", ["不予受理决定书", "申请人户籍不在本乡镇", "《特困人员认定办法》"]),
    (walks.linshi_refusal, "refusal", ["不予临时救助决定书", "李梅", "理由：医疗费用已由医保报销，家庭可以承担"]),
    (walks.linshi_approval, "approval", ["临时救助批准通知书", "救助金额：2800.00 元"]),
    (walks.linshi_not_accepted, "not_accepted", ["不予受理决定书", "申请人户籍不在本乡镇", "国发〔2014〕47号"]),
]


@pytest.mark.parametrize(("walk", "kind", "phrases"), NOTICES, ids=lambda v: getattr(v, "__name__", None))
def test_the_decision_issues_its_notice_for_the_window_to_hand_over(login_as, clock, walk, kind, phrases):
    case, handover = walk(login_as, clock)
    task = case.task("window_cg", handover)
    notices = [n for n in case.notices() if n["taskId"] == task["id"]]
    assert [n["kind"] for n in notices] == [kind]
    notice = notices[0]
    id_number = case.variables("window_cg")["id_number"]
    for phrase in [*phrases, *RIGHTS, case.business_key]:
        phrase = phrase.replace("{id_number}", id_number)  # the applicant's own, as the case records it
        assert phrase in notice["text"], (phrase, notice["text"])
    assert notice["masked"] is False and notice["activityId"] == handover
    assert notice["issuedAt"] == clock.moment.astimezone(CHINA_TZ).strftime("%Y-%m-%dT%H:%M:%S.000+0800")
    assert notice["pdfUrl"] == f"/api/cases/{case.id}/notices/{notice['id']}/pdf"
    case.hand_over(handover)
    auditor = login_as("auditor")
    verdict = auditor.client.get(f"/api/audit/cases/{case.id}/verify", headers=auditor.headers).json
    assert verdict["ok"] is True, verdict


def test_a_county_names_its_review_body_and_court_in_the_notices_it_issues_from_then_on(login_as, clock):
    designer = login_as("designer")
    for key, value in (("review_body", "示范市人民政府"), ("court", "示范市铁路运输法院")):
        response = designer.client.put(f"/api/counties/sfx/settings/{key}", json={"value": value},
                                       headers=designer.headers)
        assert response.status_code == 204, response.json
    try:
        case, _ = walks.dibao_refusal(login_as, clock)
        text = case.notices()[0]["text"]
        assert "60日内向示范市人民政府申请行政复议" in text and "6个月内直接向示范市铁路运输法院提起行政诉讼" in text
        wrong = designer.client.put("/api/counties/sfx/settings/court", json={"value": 3}, headers=designer.headers)
        assert wrong.status_code == 400 and wrong.json["field"] == "value"
    finally:  # empty: the county's own government and court again
        for key in ("review_body", "court"):
            designer.client.put(f"/api/counties/sfx/settings/{key}", json={"value": ""}, headers=designer.headers)


def test_a_notice_is_whole_for_those_who_meet_the_household_masked_for_others_and_every_read_is_logged(
        login_as, clock):
    case, _ = walks.dibao_refusal(login_as, clock)
    whole = case.notices("window_cg")[0]
    id_number = case.variables("window_cg")["id_number"]
    hidden = id_number[:6] + "********" + id_number[-4:]
    for role in ("auditor", "finance", "village_cg"):
        masked = case.notices(role)[0]
        assert masked["masked"] is True and masked["id"] == whole["id"]
        assert f"张*（公民身份号码：{hidden}）" in masked["text"] and "张三" not in masked["text"]
        assert masked["text"].replace("张*", "张三").replace(hidden, id_number) == whole["text"]
    for user, status in (("window_hd", 404), ("dept_medical_user", 403)):
        other = login_as(user)
        assert other.client.get(f"/api/cases/{case.id}/notices", headers=other.headers).status_code == status
        assert other.client.get(whole["pdfUrl"], headers=other.headers).status_code == status
    auditor = login_as("auditor")
    log = auditor.client.get("/api/audit/access-log", query_string={"caseId": case.id}, headers=auditor.headers).json
    reads = {(e["user"], e["what"], e["masked"]) for e in log}
    assert {("window_cg", "notices", False), ("auditor", "notices", True), ("finance", "notices", True)} <= reads


def test_the_pdf_carries_the_chinese_text_in_an_embedded_font(login_as, clock):
    case, _ = walks.tekun_refusal(login_as, clock)
    notice = case.notices()[0]
    window = login_as("window_cg")
    response = window.client.get(notice["pdfUrl"], headers=window.headers)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    for phrase in ("不予认定特困人员决定书", "王秀英", "子女具备赡养能力", *RIGHTS):
        assert phrase in text, phrase
    fonts = [f.get_object() for page in reader.pages for f in page["/Resources"]["/Font"].values()]
    assert any("/FontFile2" in (f.get("/FontDescriptor") or {}) for f in fonts)  # the glyphs travel with it
    assert window.client.get(notice["pdfUrl"], headers=window.headers).data == response.data  # a function of the text
    auditor = login_as("auditor")
    masked = PdfReader(io.BytesIO(auditor.client.get(notice["pdfUrl"], headers=auditor.headers).data))
    assert "王秀英" not in masked.pages[0].extract_text() and "王**" in masked.pages[0].extract_text()


def test_the_handover_task_and_the_case_page_show_the_notice_with_its_pdf(app, login_as, clock):
    case, handover = walks.linshi_refusal(login_as, clock)
    notice = case.notices()[0]
    web = Web(app, "window_cg")
    page = web.get(f"/tasks/{case.task('window_cg', handover)['id']}").text
    section = page[page.index('id="handover-notice"'):]
    assert "不予临时救助决定书" in section and "李梅" in section
    pdf_link = f"/cases/{case.id}/notices/{notice['id']}.pdf"
    assert pdf_link in section
    printed = web.get(pdf_link)
    assert printed.status_code == 200 and printed.mimetype == "application/pdf"
    case_page = web.get(f"/cases/{case.id}").text
    assert 'data-kind="refusal"' in case_page[case_page.index('id="notices"'):]
    finance_page = Web(app, "finance").get(f"/cases/{case.id}").text
    assert "李*" in finance_page[finance_page.index('id="notices"'):]

