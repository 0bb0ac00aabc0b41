"""A case filled with a marked value in every personal field: recognisable strings a test greps response
bodies for. A body that contains one whole was shown the field unmasked."""

import json
import uuid

from tests.conftest import typed
from tests.support.dibao_steps import Case, valid_id_number

MARKED = {"applicant_name": "甄秘名", "id_number": valid_id_number("44010619850101777"),
          "per_capita_income": 4321.5, "phone": "13912345678"}
MARKED_ACCOUNT = "6222020200112233445"
MASKED = {"applicant_name": "甄**", "id_number": MARKED["id_number"][:6] + "*" * 8 + MARKED["id_number"][-4:],
          "per_capita_income": "***", "phone": "139****5678"}
# every field of the table in app/domain/personal.py, each with a marked value
EVERY_FIELD = {**MARKED, "bank_account": MARKED_ACCOUNT, "reporter_name": "郝报告人", "income": 8765.25}
# the masked forms a reader can be recognised by (an income masks to the common "***")
MASKED_FORMS = {**{k: v for k, v in MASKED.items() if k != "per_capita_income"},
                "bank_account": "*" * 15 + MARKED_ACCOUNT[-4:], "reporter_name": "郝***"}


def _texts(value) -> list[str]:
    """The ways a marked value can appear in a JSON or HTML body."""
    text = str(value)
    return [text, json.dumps(text, ensure_ascii=True)[1:-1]] if not text.isascii() else [text]


def leaked(body: str, values: dict = EVERY_FIELD) -> list[str]:
    """The personal fields whose marked value appears whole in `body`."""
    return sorted(name for name, value in values.items() if shows(body, value))


def shows(body: str, value) -> bool:
    """Whether `value` appears in a JSON or HTML body."""
    return any(t in body for t in _texts(value))


class MarkedCase(Case):
    """A 低保 case of village 东关社区 whose applicant carries the marked values."""

    def __init__(self, login_as, village: str = "dongguan"):
        self.login_as = login_as
        self.business_key = f"{self.PREFIX}-{uuid.uuid4().hex[:12]}"
        response = login_as("window_cg").post(f"/process-definition/key/{self.KEY}/start", {
            "businessKey": self.business_key, "variables": typed(village=village)})
        assert response.status_code == 200, response.json
        self.id = response.json["id"]

    def accept_marked(self, **overrides):
        """受理 of the marked applicant, whose other cases the window has seen (一户一档)."""
        return self.accept(**{**MARKED, "household_confirmed": True, **overrides})

    def reopened_accept(self) -> dict:
        """受理 with the marked facts, 材料不全, the one notice, and 受理 open again over the same facts."""
        self.accept_marked(materials_complete=False, missing_materials="户口簿")
        self.complete("window_cg", "notify_missing", missing_materials="户口簿", notice_delivered=True)
        return self.task("window_cg", "accept")


def access_log(login_as, case_id: str) -> list[tuple[str, str, bool]]:
    """(user, what, masked) of every read of the case's data, newest first."""
    api = login_as("auditor")
    entries = api.client.get("/api/audit/access-log", query_string={"caseId": case_id}, headers=api.headers).json
    return [(e["user"], e["what"], e["masked"]) for e in entries]
