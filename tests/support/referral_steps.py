"""转介 steps: a 临时救助 case that refers needs to departments, and the referrals as departments and cases see them."""

import json

from tests.support.dibao_steps import Case, unique_id_number

ACCEPT_DUE = "2026-10-08T23:59:59.000+0800"  # 3 working days after Mon 9/28: 9/29, 9/30, (国庆) 10/8
FEEDBACK_DUE = "2026-10-23T23:59:59.000+0800"  # 15 working days after 9/28, 10/10 (调休 Saturday) counted


class ReferringCase(Case):
    KEY, PREFIX = "linshi", "LS"

    def accept(self, needs=(), note=""):
        return self.complete("window_cg", "accept", applicant_name="李梅", id_number=unique_id_number(),
                             kind="急难", amount=1500.0, reason="火灾致住房损毁", needs=list(needs), note=note)

    def pay(self):
        self.complete("reviewer_cg", "emergency_payment", paid_amount=1500.0, paid_at="2026-09-28")
        self.complete("window_cg", "post_documentation", who="李梅；经办人张强", why="火灾致住房损毁",
                      how_much=1500.0, signatures_complete=True)


def returned_referrals(case: Case) -> list[dict]:
    """The `referrals` case variable (a Json variable) as the supervisor reads it."""
    return json.loads(case.variables()["referrals"])


def referral_tasks(login_as, user: str, case: Case, activity: str = "referral_accept") -> list[dict]:
    """The user's tasks of `activity` in the referral instances the case called."""
    return [t for instance_id in case.instance_ids()
            for t in login_as(user).get("/task", processInstanceId=instance_id, taskDefinitionKey=activity).json]
