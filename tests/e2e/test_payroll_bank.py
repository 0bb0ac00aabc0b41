"""A frozen roll to the bank and back: the bank file (county columns, finance only, logged), the 发放名册 per
township (masked for the village), the bank's result, and a failed payment fixed by the township window and
paid by the next correction run."""

import csv
import io

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.conftest import typed
from tests.support.payroll_steps import Finance, Household, bank_account, new_county


def _get(login_as, user: str, path: str, **query):
    api = login_as(user)
    return api.client.get(path, query_string=query, headers=api.headers)


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def _pdf_text(response) -> str:
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages)
    return text.replace("\x00", "").replace(" ", "")


def test_the_bank_file_has_the_county_columns_and_only_finance_downloads_it(client, login_as, runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    paid = Household(login_as, county, applicant_name="李四").approve(amount=450.0)
    Household(login_as, county, township=1).approve(amount=300.0, account="12345")  # no valid account: held
    run = finance.run("2026-10")
    path = f"/api/payroll/runs/{run['id']}/lines"
    assert _get(login_as, county.user("finance"), path, format="csv").status_code == 409  # not frozen yet
    assert run["exceptions"]["account"] == 1 and run["held"] == 300.0 and run["toBank"] == 450.0
    finance.freeze(run)
    rows = _csv(_get(login_as, county.user("finance"), path, format="csv"))
    account = paid.variables()["bank_account"]
    assert rows == [["序号", "姓名", "身份证号", "银行账号", "金额", "摘要"],
                    ["1", "李四", paid.variables()["id_number"], account, "450.00", "2026年10月低保金"]]
    for user in (county.user("supervisor"), county.user("auditor")):
        assert _get(login_as, user, path, format="csv").status_code == 403
    masked = finance.call("GET", f"/runs/{run['id']}/lines", county.user("auditor")).json["lines"]
    assert {line["applicantName"] for line in masked} == {"李*", "张*"}
    log = _get(login_as, county.user("auditor"), "/api/audit/access-log", caseId=run["caseId"]).json
    assert any(entry["what"].startswith("bank file csv") and entry["user"] == county.user("finance") for entry in log)
    designer = login_as(county.user("designer"))
    assert designer.client.put(f"/api/counties/{county.code}/settings/bank_file_columns", headers=designer.headers,
                               json={"value": "序号,银行账号,金额,姓名"}).status_code == 204
    assert designer.client.put(f"/api/counties/{county.code}/settings/bank_file_columns", headers=designer.headers,
                               json={"value": "序号,开户行"}).json["field"] == "value"
    book = load_workbook(io.BytesIO(_get(login_as, county.user("finance"), path, format="xlsx").get_data()))
    assert [[c.value for c in row] for row in book.active.iter_rows()] == [
        ["序号", "银行账号", "金额", "姓名"], [1, account, "450.00", "李四"]]


def test_the_township_roster_is_whole_for_finance_and_masked_for_the_village(client, login_as, runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    household = Household(login_as, county, applicant_name="王小明").approve(amount=450.0)
    Household(login_as, county, township=1, applicant_name="赵六").approve(amount=300.0)
    run = finance.freeze(finance.run("2026-10"))
    path = f"/api/payroll/runs/{run['id']}/roster.pdf"
    whole = _get(login_as, county.user("finance"), path, township=county.townships[0], copy="finance")
    assert whole.status_code == 200 and whole.mimetype == "application/pdf"
    text = _pdf_text(whole)
    assert "王小明" in text and household.variables()["id_number"] in text and "赵六" not in text
    assert "合计：发放1笔，金额450.00元" in text and "复核人" in text
    village = _pdf_text(_get(login_as, county.user("finance"), path, township=county.townships[0], copy="village"))
    assert "王**" in village and "王小明" not in village and household.variables()["id_number"] not in village
    assert _get(login_as, county.user("auditor"), path, township=county.townships[0],
                copy="finance").status_code == 403
    assert _get(login_as, county.user("auditor"), path, township=county.townships[0]).status_code == 200
    assert _get(login_as, county.user("finance"), path, township="cg").json["field"] == "township"


def _upload(finance: Finance, run: dict, rows: list[list], name: str = "result.csv"):
    out = io.StringIO()
    csv.writer(out).writerows([["序号", "姓名", "身份证号", "银行账号", "金额", "摘要", "状态", "失败原因"], *rows])
    return finance.call("POST", f"/runs/{run['id']}/bank-result", data={
        "file": (io.BytesIO(out.getvalue().encode("utf-8-sig")), name)}, content_type="multipart/form-data")


def test_a_failed_payment_reaches_the_township_window_and_the_next_correction_run(client, login_as, runtime, clock):
    county = new_county(runtime)
    finance = Finance(client, login_as, county)
    ok = Household(login_as, county).approve(amount=450.0)
    failing = Household(login_as, county, township=1).approve(amount=300.0)
    run = finance.freeze(finance.run("2026-10"))
    lines = {line["caseId"]: line for line in finance.lines(run["id"])}
    sent = [[line["seq"], line["applicantName"], line["idNumber"], line["bankAccount"], f"{line['amount']:.2f}",
             "2026年10月低保金"] for line in lines.values()]
    by_case = dict(zip(lines, sent, strict=True))
    wrong = [by_case[ok.id][:4] + ["999.00", "x", "成功", ""]]
    refused = _upload(finance, run, wrong)
    assert refused.status_code == 400 and "金额" in refused.json["message"] and "第 2 行" in refused.json["message"]
    result = _upload(finance, run, [by_case[ok.id] + ["成功", ""], by_case[failing.id] + ["失败", "账户已销户"]])
    assert result.status_code == 200, result.json
    assert result.json["paid"] == 1 and result.json["failed"] == 1
    assert _upload(finance, run, [by_case[ok.id] + ["成功", ""]]).status_code == 409  # answered already
    summary = finance.call("GET", f"/runs/{run['id']}").json
    assert summary["bankResult"] == {"ordered": 2, "paid": 1, "failed": 1, "awaiting": 0}
    window = login_as(county.user("window", 1))
    tasks = window.get("/task", taskDefinitionKey="fix_bank_account").json
    assert len(tasks) == 1 and window.get("/task", taskDefinitionKey="fix_bank_account").json
    assert login_as(county.user("window")).get("/task", taskDefinitionKey="fix_bank_account").json == []
    fix = tasks[0]["id"]
    bad = window.post(f"/task/{fix}/complete", {"variables": typed(bank_account="6217000000000000000",
                                                                    fix_note="户主提供新卡")})
    assert bad.status_code == 400 and bad.json["field"] == "bank_account"  # Luhn check digit wrong
    new_account = bank_account(424242)
    assert window.post(f"/task/{fix}/complete", {"variables": typed(
        bank_account=new_account, fix_note="户主提供新卡")}).status_code == 204
    correction = finance.run("2026-10", kind="correction")
    assert [(line["caseId"], line["month"], line["kind"], line["amount"], line["bankAccount"], line["status"])
            for line in finance.lines(correction["id"])] == [
        (failing.id, "2026-10", "back_pay", 300.0, new_account, "pay")]
    payments = _get(login_as, county.user("window", 1), f"/api/cases/{failing.id}/payments").json
    assert [(p["run"], p["paymentStatus"], p["bankNote"]) for p in payments] == [
        (run["businessKey"], "failed", "账户已销户"), (correction["businessKey"], "draft", None)]
