"""Personal data in case variables: which fields are personal, and how they are masked.

Roles that handle the applicant in person (permission `personal.unmasked`) see the
fields whole; every other role sees them masked: a 身份证 keeps its first 6 and last 4
characters, a name its family name, a phone its first 3 and last 4 digits, a bank
account its last 4, and an income or amount of household income is hidden.
"""

from .id_number import mask_id_number

ID_FIELDS = frozenset({"id_number"})
NAME_FIELDS = frozenset({"applicant_name"})
INCOME_FIELDS = frozenset({"per_capita_income", "income"})
PHONE_FIELDS = frozenset({"phone"})
ACCOUNT_FIELDS = frozenset({"bank_account"})
PERSONAL_FIELDS = ID_FIELDS | NAME_FIELDS | INCOME_FIELDS | PHONE_FIELDS | ACCOUNT_FIELDS
HIDDEN = "***"


def mask_value(name: str, value):
    """Return a personal field's value as a masked view shows it (other fields unchanged)."""
    if value is None or name not in PERSONAL_FIELDS:
        return value
    text = str(value)
    if name in ID_FIELDS:
        return mask_id_number(text)
    if name in NAME_FIELDS:
        return text[:1] + "*" * max(len(text) - 1, 1)
    if name in PHONE_FIELDS and len(text) >= 7:
        return text[:3] + "*" * (len(text) - 7) + text[-4:]
    if name in ACCOUNT_FIELDS and len(text) > 4:
        return "*" * (len(text) - 4) + text[-4:]
    return HIDDEN


def mask_variables(variables: dict) -> dict:
    """Return the case data with every personal field masked."""
    return {name: mask_value(name, value) for name, value in variables.items()}


def has_personal_data(variables: dict) -> bool:
    return any(name in PERSONAL_FIELDS for name in variables)
