"""The staff's words everywhere: every page and export of every process, at each step of a short walk, shows
no internal id, English word, `{{…}}` template or raw value — as each role sees it."""

import re

import pytest

from tests.support.case_steps import LinshiCase, TekunCase
from tests.support.dibao_steps import Case
from tests.support.own_database import own_app  # noqa: F401 — other tests' probe cases must not fill the lists read here
from tests.support.staff_words import machine_words, visible_text
from tests.support.web_client import Web

USERS = ("window_cg", "investigator_cg", "reviewer_cg", "village_cg", "county_reviewer", "finance", "supervisor",
         "auditor")
EXPORTS = [f"/supervisor/export/{table}.{fmt}" for table in ("tasks", "compliance", "escalations")
           for fmt in ("csv",)]
HASH = re.compile(r"\b[0-9a-f]{16,64}\b")
BUSINESS_KEY = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Za-z0-9]+)+\b")  # DB-20260928-1A2B3C, WEB-START-1


class Reader:
    """Every page a walk reaches, read by every role, and what in it is not the staff's words."""

    def __init__(self, app):
        self.webs = {user: Web(app, user) for user in USERS}
        self.found: list[str] = []

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

    def _check(self, web: Web, path: str, user: str, step: str, case) -> None:
        response = web.get(path)
        if response.status_code != 200:
            return
        text = response.text if path.endswith(".csv") else visible_text(response.text)
        text = HASH.sub("", BUSINESS_KEY.sub("", text))  # the staff's own case numbers, and the audit's hashes
        words = machine_words(text)
        if words:
            self.found.append(f"{step} · {user} · {path}: {sorted(set(words))}")

    def exports_named_in_chinese(self) -> None:
        response = self.webs["supervisor"].get("/supervisor/export/compliance.xlsx", process="dibao")
        disposition = response.headers["Content-Disposition"]
        assert "filename*=UTF-8''" in disposition and "%E6%97%B6%E9%99%90" in disposition, disposition  # 时限
        assert re.search(r"_\d{8}\.xlsx", disposition), disposition


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
    reader.exports_named_in_chinese()
    assert not reader.found, "\n".join(reader.found)


def test_linshi_emergency_pages_speak_the_staffs_words(app, login_as, clock, reader):
    case = LinshiCase(login_as)
    case.accept(kind="急难", amount=2000.0)
    reader.read(case, "先行救助")
    case.complete("reviewer_cg", "emergency_payment", paid_amount=2000.0, paid_at="2026-09-28")
    reader.read(case, "补充说明")
    assert not reader.found, "\n".join(reader.found)


def test_tekun_pages_speak_the_staffs_words(app, login_as, clock, reader):
    case = TekunCase(login_as)
    case.accept()
    case.investigate()
    reader.read(case, "初审")
    assert not reader.found, "\n".join(reader.found)
