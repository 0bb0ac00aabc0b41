"""A fresh task form starts from what the service knows: computed amounts, the last visit's findings, today."""

from app.web.tasks import _known

SCHEMA = {"components": [
    {"type": "number", "key": "proposed_amount", "label": "拟保障金额"},
    {"type": "textfield", "key": "visit_date", "label": "调查日期", "validate": {"pattern": "^\\d{4}-\\d{2}-\\d{2}$"}},
    {"type": "datetime", "key": "feedback_date", "subtype": "date", "label": "反馈日期"},
    {"type": "textarea", "key": "recheck_findings", "label": "复核情况"},
    {"type": "number", "key": "paid_amount", "label": "先行救助金额"},
]}


def test_known_values_and_today_fill_a_fresh_form(clock):
    known = _known(SCHEMA, {"computed_amount": 1140, "findings": "家庭成员3人，收入来源为零工", "amount": 2000.0})
    assert known == {"proposed_amount": 1140, "visit_date": "2026-09-28", "feedback_date": "2026-09-28",
                     "recheck_findings": "家庭成员3人，收入来源为零工", "paid_amount": 2000.0}


def test_nothing_known_leaves_the_field_empty(clock):
    assert _known(SCHEMA, {})["visit_date"] == "2026-09-28"
    assert "proposed_amount" not in _known(SCHEMA, {"computed_amount": None})
