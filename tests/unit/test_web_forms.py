"""Reading a posted HTML form back into the typed values a Camunda Forms schema describes."""

import pytest
from werkzeug.datastructures import MultiDict

from app.web.forms import field_errors, initial_values, read_submission, shown_value

SCHEMA = {"id": "f", "components": [
    {"type": "textfield", "key": "name"},
    {"type": "number", "key": "size"},
    {"type": "checkbox", "key": "signed"},
    {"type": "radio", "key": "opinion",
     "values": [{"label": "同意", "value": "approve"}, {"label": "否", "value": "no"}]},
    {"type": "select", "key": "level", "values": [{"label": "一级", "value": 1}, {"label": "二级", "value": 2}]},
    {"type": "checklist", "key": "needs", "defaultValue": [], "values": [{"label": "医疗", "value": "医疗"}]},
    {"type": "textarea", "key": "note", "defaultValue": ""},
    {"type": "group", "components": [{"type": "textfield", "key": "inner"}]},
]}


@pytest.mark.parametrize(("raw", "expected"), [("3", 3), ("2.5", 2.5), ("1,200", 1200), ("三口", "三口")])
def test_a_number_field_becomes_a_number_or_stays_as_typed(raw, expected):
    assert read_submission(SCHEMA, MultiDict({"size": raw}))["size"] == expected


def test_boxes_radios_selects_and_lists_take_their_schema_types():
    values = read_submission(SCHEMA, MultiDict([("signed", "on"), ("opinion", "approve"), ("level", "2"),
                                                ("needs", "医疗"), ("inner", " x ")]))
    assert values == {"signed": True, "opinion": "approve", "level": 2, "needs": ["医疗"], "note": "", "inner": "x"}


def test_empty_fields_are_left_out_and_an_unticked_box_is_false():
    assert read_submission(SCHEMA, MultiDict({"name": "  ", "size": ""})) == {"signed": False, "needs": [],
                                                                               "note": ""}


def test_a_fresh_form_shows_the_case_value_else_the_default():
    assert initial_values(SCHEMA, {"name": "张三", "other": 1}) == {"name": "张三", "needs": [], "note": ""}


def test_values_are_shown_as_typed_and_errors_keyed_by_field():
    assert [shown_value(v) for v in (None, 420.0, 2.5, ["李四", "王五"])] == ["", "420", "2.5", "李四、王五"]
    assert field_errors([{"field": "a", "message": "x"}, {"field": "a", "message": "y"}]) == {"a": "x"}
