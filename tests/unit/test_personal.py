"""Masking personal data (pure rules): each kind its own way, by the marks a case's definition carries."""

import pytest

from app.domain.personal import DERIVED, PERSONAL_FIELDS, mask, mask_marked, scrub


@pytest.mark.parametrize(("kind", "value", "shown"), [
    ("id_number", "110101199003071234", "110101********1234"),
    ("id_number", "11010119900307123X", "110101********123X"),
    ("name", "欧阳娜娜", "欧***"),
    ("name", "李", "李*"),
    ("income", 420.0, "***"),
    ("income", 0, "***"),
    ("phone", "13812345678", "138****5678"),
    ("phone", "12345", "***"),
    ("account", "6222021234567890", "************7890"),
    (DERIVED, "申请人：张三", "***"),
    ("id_number", ["110101199003071234"], "***"),  # a list of personal data shows nothing of it
    ("id_number", None, None),
])
def test_each_kind_of_personal_data_is_masked_its_own_way(kind, value, shown):
    assert mask(kind, value) == shown


def test_masking_keeps_unmarked_fields_and_the_original_untouched():
    data = {"applicant_name": "张三", "copy": "110101199003071234", "amount": 450.0, "decision": "approve"}
    marks = {**PERSONAL_FIELDS, "copy": "id_number"}
    assert mask_marked(data, marks) == {"applicant_name": "张*", "copy": "110101********1234", "amount": 450.0,
                                        "decision": "approve"}
    assert data["applicant_name"] == "张三"


def test_scrub_masks_every_personal_value_inside_a_text():
    text = "invalid literal for int(): '110101199003071234号'，申请人张三，收入 420.5"
    values = [("id_number", "110101199003071234"), ("name", "张三"), ("income", 420.5), ("phone", None)]
    assert scrub(text, values) == "invalid literal for int(): '110101********1234号'，申请人张*，收入 ***"
