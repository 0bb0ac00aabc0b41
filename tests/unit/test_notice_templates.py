"""Notice templates without a database: the shipped ones pass the deploy checks and render as documents."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.domain.errors import EngineFailure
from app.domain.personal import PERSONAL_FIELDS
from app.services.notice_templates import check_template, render
from app.services.notices import Issue, compose

NOTICES = Path(__file__).parent.parent.parent / "notices"
ISSUE = Issue("n-1", "reduction", "reduction:1:x", "t-1", 7, datetime(2027, 9, 28, 2, tzinfo=UTC), "DB-1",
              "最低生活保障审核确认", {"review_body": "示范县人民政府", "court": "示范县人民法院"})
CASE = {"applicant_name": "张三", "id_number": "110101199003071233", "reason": "收入增加"}
LOCAL = {"amount_before": 450, "amount_after": 300.5, "effective_from": "2027-10"}


@pytest.mark.parametrize("path", sorted(NOTICES.glob("*.notice")), ids=lambda p: p.stem)
def test_every_shipped_template_passes_the_deploy_checks(path):
    assert check_template(path.name, path.read_bytes()).startswith(path.read_text().splitlines()[0])


def test_a_notice_is_rendered_whole_and_masked_from_the_same_facts():
    template = (NOTICES / "reduction.notice").read_text()
    whole, masked = compose(ISSUE, template, CASE, LOCAL, "dibao", PERSONAL_FIELDS)
    assert whole.splitlines()[0] == "减发最低生活保障金决定书"
    assert "文书编号：DB-1-7" in whole and "原保障金额：每月 450.00 元" in whole
    assert "调整后金额：每月 300.50 元，自2027年10月起执行" in whole and "2027年9月28日" in whole
    assert "张三（公民身份号码：110101199003071233）" in whole
    assert "张*（公民身份号码：110101********1233）" in masked and "张三" not in masked
    assert compose(ISSUE, template, CASE, LOCAL, "dibao", PERSONAL_FIELDS) == (whole, masked)  # deterministic


def test_a_fact_the_case_lacks_fails_the_issue_naming_the_template():
    with pytest.raises(EngineFailure, match="reduction:1:x.*reason"):
        render("reduction:1:x", "减发\n{{ reason }}", {})
    assert render("t", "减发\n{% if reason is defined %}{{ reason }}{% else %}无{% endif %}", {}) == "减发\n无\n"
