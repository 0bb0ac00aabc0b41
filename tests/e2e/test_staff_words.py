"""The staff's words everywhere: every page and export of every process, at each step of a short walk, shows
no internal id, English word, `{{…}}` template or raw value — as each role sees it."""

import re

import pytest

from tests.support.case_steps import LinshiCase, TekunCase
from tests.support.dibao_steps import Case
from tests.support.payroll_steps import bank_account
from tests.support.staff_words import machine_words, pdf_text, visible_text, xlsx_text
from tests.support.web_client import Web

USERS = ("window_cg", "investigator_cg", "reviewer_cg", "village_cg", "county_reviewer", "finance", "supervisor",
         "auditor")
EXPORTS = [f"/supervisor/export/{table}.{fmt}" for table in ("tasks", "compliance", "escalations")
           for fmt in ("csv", "xlsx")]
HASH = re.compile(r"\b[0-9a-f]{16,64}\b")
BUSINESS_KEY = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Za-z0-9]+)+\b")  # DB-20260928-1A2B3C, WEB-START-1


class Reader:
    """Every page a walk reaches, read by every role, and what in it is not the staff's words."""

    def __init__(self, app):
        self.app = app
        self.webs = {user: Web(app, user) for user in USERS}
        self.found: list[str] = []
        self.runs: list[int] = []
        self.files = 0

    def read(self, case, step: str) -> None:
        for user, web in self.webs.items():
            paths = ["/inbox", "/cases", f"/cases/{case.id}", "/supervisor", "/supervisor/timers",
                     "/supervisor/incidents", "/auditor", f"/auditor/cases/{case.id}"]
            paths += sorted(set(re.findall(r'href="(/tasks/[^"?#]+)"', web.get("/inbox", size=100).text)))
            events = len(re.findall(r'<li data-seq="', web.get(f"/auditor/cases/{case.id}").text))
            paths += [f"/auditor/cases/{case.id}/events/{n}" for n in (events - 1, events) if n > 0]
            for path in paths:
                self._check(web, path, user, step, case)
        for path in EXPORTS:
            self._check(self.webs["supervisor"], path, "supervisor", step, case)

    def _check(self, web: Web, path: str, user: str, step: str, case, required: bool = False, **params) -> None:
        response = web.get(path, **params)
        assert response.status_code == 200 or not required, (path, response.status_code, response.text[:300])
        if response.status_code != 200:
            return
        text = HASH.sub("", BUSINESS_KEY.sub("", shown(path, response)))  # the staff's case numbers, audit hashes
        words = machine_words(text)
        if words:
            self.found.append(f"{step} · {user} · {path}: {sorted(set(words))}")

    def read_files(self, case, step: str) -> None:
        """The case's notices as PDF (whole for the window, masked for the auditor) and, once a roll is frozen,
        its bank file (xlsx) and the township's 名册 (PDF, both copies)."""
        for user in ("window_cg", "auditor"):
            for notice in case.notices(user):
                self._check(self.webs[user], f"/cases/{case.id}/notices/{notice['id']}.pdf", user, step, case, True)
                self.files += 1
        for run_id in self.runs:
            for path, params in ((f"/payroll/runs/{run_id}/bank.xlsx", {}),
                                 (f"/payroll/runs/{run_id}/roster/cg.pdf", {"copy": "finance"}),
                                 (f"/payroll/runs/{run_id}/roster/cg.pdf", {"copy": "village"})):
                self._check(self.webs["finance"], path, "finance", step, case, True, **params)
                self.files += 1

    def freeze_roll(self, login_as, month: str) -> None:
        """The month's roll of the county, 审核 by finance and 复核 by the second finance user."""
        finance = login_as("finance")
        made = finance.client.post("/api/payroll/runs", json={"county": "sfx", "month": month},
                                   headers=finance.headers)
        assert made.status_code == 201, made.json
        run_id = made.json["id"]
        assert self.webs["finance"].post(f"/payroll/runs/{run_id}/decide", {"decision": "approve"}).status_code == 302
        second = Web(self.app, "finance2")
        assert second.post(f"/payroll/runs/{run_id}/decide", {"decision": "confirm"}).status_code == 302
        self.runs.append(run_id)

    def exports_named_in_chinese(self) -> None:
        response = self.webs["supervisor"].get("/supervisor/export/compliance.xlsx", process="dibao")
        disposition = response.headers["Content-Disposition"]
        assert "filename*=UTF-8''" in disposition and "%E6%97%B6%E9%99%90" in disposition, disposition  # 时限
        assert re.search(r"_\d{8}\.xlsx", disposition), disposition
        for run_id in self.runs:  # the bank file too: 银行代发文件_<roll>_<date>.xlsx
            disposition = self.webs["finance"].get(f"/payroll/runs/{run_id}/bank.xlsx").headers["Content-Disposition"]
            assert "filename*=UTF-8''%E9%93%B6%E8%A1%8C%E4%BB%A3%E5%8F%91" in disposition, disposition  # 银行代发
            assert re.search(r"_\d{8}\.xlsx", disposition), disposition
            roster = self.webs["finance"].get(f"/payroll/runs/{run_id}/roster/cg.pdf", copy="village")
            disposition = roster.headers["Content-Disposition"]  # 发放名册_城关镇_…_村居公示联_<date>.pdf
            assert disposition.startswith("inline;") and "%E5%8F%91%E6%94%BE%E5%90%8D%E5%86%8C_" in disposition
            assert "%E5%9F%8E%E5%85%B3%E9%95%87" in disposition and re.search(r"_\d{8}\.pdf", disposition)


def shown(path: str, response) -> str:
    """What a reader sees of a page or a file: a page's visible text, a CSV as it is, a workbook's cells, a PDF's
    printed text."""
    if path.endswith(".csv"):
        return response.text
    if path.endswith(".xlsx"):
        return xlsx_text(response.data)
    if path.endswith(".pdf"):
        return pdf_text(response.data)
    return visible_text(response.text)


@pytest.fixture
def reader(app):
    return Reader(app)


def test_dibao_pages_and_exports_speak_the_staffs_words(app, login_as, clock, reader):
    case = Case(login_as)
    reader.read(case, "受理前")
    case.accept()
    case.investigate()
    reader.read(case, "初审")
    case.complete("reviewer_cg", "township_review", opinion="approve", proposed_amount=1140.0)
    reader.read(case, "公示")
    clock.advance(days=8)
    case.fire("publicity")
    case.complete("county_reviewer", "county_review", decision="approve", amount=1140.0)
    reader.read(case, "发放")
    month = case.variables("window_cg")["payment_from"]
    case.complete("finance", "payment", first_payment_month=month, bank_account=bank_account(1))
    reader.freeze_roll(login_as, month)
    reader.read_files(case, "送达")
    assert reader.files == 5  # the approval notice twice, the bank file and both copies of the 名册
    reader.exports_named_in_chinese()
    assert not reader.found, "\n".join(reader.found)


def test_linshi_emergency_pages_speak_the_staffs_words(app, login_as, clock, reader):
    case = LinshiCase(login_as)
    case.accept(kind="急难", amount=2000.0)
    reader.read(case, "先行救助")
    case.complete("reviewer_cg", "emergency_payment", paid_amount=2000.0, paid_at="2026-09-28")
    reader.read(case, "补充说明")
    reader.read_files(case, "补充说明")
    assert not reader.found, "\n".join(reader.found)


def test_tekun_pages_speak_the_staffs_words(app, login_as, clock, reader):
    case = TekunCase(login_as)
    case.accept()
    case.investigate()
    reader.read(case, "初审")
    assert not reader.found, "\n".join(reader.found)
