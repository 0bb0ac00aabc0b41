"""Masking personal fields of case data (pure rules)."""

import pytest

from app.domain.personal import mask_value, mask_variables


@pytest.mark.parametrize(("name", "value", "shown"), [
    ("id_number", "110101199003071234", "110101********1234"),
    ("id_number", "11010119900307123X", "110101********123X"),
    ("applicant_name", "欧阳娜娜", "欧***"),
    ("applicant_name", "李", "李*"),
    ("per_capita_income", 420.0, "***"),
    ("income", 0, "***"),
    ("phone", "13812345678", "138****5678"),
    ("bank_account", "6222021234567890", "************7890"),
    ("household_size", 3, 3),
    ("id_number", None, None),
])
def test_each_personal_field_is_masked_its_own_way(name, value, shown):
    assert mask_value(name, value) == shown


def test_masking_keeps_every_other_field_and_the_original_untouched():
    data = {"applicant_name": "张三", "amount": 450.0, "decision": "approve"}
    assert mask_variables(data) == {"applicant_name": "张*", "amount": 450.0, "decision": "approve"}
    assert data["applicant_name"] == "张三"
