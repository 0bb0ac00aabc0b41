"""Server-side validation of Camunda Forms submissions."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.domain.errors import ValidationFailed
from app.domain.workcalendar import WorkCalendar
from app.engine.functions import FunctionContext
from app.services.forms import validate_submission

FORMS = Path(__file__).parent.parent.parent / "forms"


def _form(name):
    return json.loads((FORMS / f"{name}.form").read_text())


@pytest.fixture
def ctx():
    return FunctionContext(datetime(2026, 9, 28, 2, tzinfo=UTC), WorkCalendar())


def test_hidden_fields_are_not_required(ctx):
    accepted = validate_submission(_form("dibao_township_review"), {"opinion": "approve", "proposed_amount": 5.0},
                                   {"computed_amount": 5.0, "amount_ceiling": 2400.0}, ctx)
    assert accepted == {"opinion": "approve", "proposed_amount": 5.0}


@pytest.mark.parametrize("submitted, field", [
    ({"opinion": "maybe"}, "opinion"),
    ({"opinion": "approve", "proposed_amount": "300"}, "proposed_amount"),
    ({"opinion": "reject", "reason": ""}, "reason"),
])
def test_bad_values_name_their_field(ctx, submitted, field):
    with pytest.raises(ValidationFailed) as err:
        validate_submission(_form("dibao_township_review"), submitted, {}, ctx)
    assert err.value.field == field


def test_visitors_are_split_into_a_list(ctx):
    accepted = validate_submission(_form("dibao_home_visit"), {"visitors": "李四、王五", "visit_date": "2026-09-29",
                                                               "findings": "x"}, {}, ctx)
    assert accepted["visitors"] == ["李四", "王五"]


def test_rule_uses_case_data(ctx):
    case = {"approved_at": "2026-10-20T10:00:00+08:00"}
    assert validate_submission(_form("dibao_payment"), {"first_payment_month": "2026-11"}, case, ctx)
    with pytest.raises(ValidationFailed):
        validate_submission(_form("dibao_payment"), {"first_payment_month": "2026-12"}, case, ctx)


@pytest.mark.parametrize("digits, good, bad, problem", [
    (0, 3.0, 2.5, "须为整数"),
    (2, 450.25, 450.255, "最多 2 位小数"),
])
def test_a_number_keeps_to_its_decimal_digits(ctx, digits, good, bad, problem):
    form = {"components": [{"type": "number", "key": "n", "label": "n", "decimalDigits": digits}]}
    assert validate_submission(form, {"n": good}, {}, ctx) == {"n": good}
    with pytest.raises(ValidationFailed) as err:
        validate_submission(form, {"n": bad}, {}, ctx)
    assert err.value.field == "n" and problem in err.value.message


def test_forms_mark_their_personal_fields():
    from app.services.forms import form_marks

    assert form_marks(_form("dibao_accept")) == {
        "applicant_name": "name", "id_number": "id_number", "per_capita_income": "income", "phone": "phone",
        "address": "address",
        "household_members": "rows:member_id_number=id_number,member_income=income,member_name=name"}
    assert form_marks(_form("dibao_township_review")) == {}


def test_a_form_marking_an_unknown_kind_is_refused():
    from app.domain.errors import DeploymentRefused
    from app.services.forms import check_marks

    schema = {"id": "f", "components": [{"type": "textfield", "key": "wechat", "properties": {"personal": "social"}}]}
    with pytest.raises(DeploymentRefused) as err:
        check_marks(schema, "f.form")
    assert err.value.element == "wechat" and "social" in err.value.message


def test_no_message_shows_a_personal_value_whole(ctx):
    schema = {"id": "f", "components": [
        {"type": "textfield", "key": "contact", "label": "联系方式",
         "properties": {"personal": "phone", "rule": 'int(value + "号") > 0'}},
        {"type": "textfield", "key": "note", "label": "备注", "properties": {"rule": 'int(applicant_name) > 0'}}]}
    with pytest.raises(ValidationFailed) as err:
        validate_submission(schema, {"contact": "13812345678", "note": "x"}, {"applicant_name": "欧阳娜娜"}, ctx)
    text = json.dumps(err.value.errors, ensure_ascii=False)
    assert "13812345678" not in text and "138****5678" in text
    assert "欧阳娜娜" not in text and "欧***" in text
