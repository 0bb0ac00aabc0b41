"""Steps of the 特困 and 临时救助 processes over HTTP, as the demo users perform them."""

from tests.support.dibao_steps import Case, unique_id_number


class TekunCase(Case):
    """One 特困 case driven through the API."""

    KEY, PREFIX = "tekun", "TK"

    def accept(self, **overrides):
        values = {"applicant_name": "王秀英", "id_number": unique_id_number(born="19480307"), "age": 78,
                  "work_capacity": "none", "disability_grade": "2", "income": 0.0, "has_able_supporter": False}
        values.update(overrides)
        return self.complete("window_cg", "accept", **values)

    def investigate(self, activity: str = "investigation"):
        """The home visit; a first investigation also waits for 家庭经济状况核对, so the matcher answers too."""
        task = self.complete("investigator_cg", activity, visitors="李四,王五",
                             findings="独居，无劳动能力，无收入，无法定赡养人")
        if activity == "investigation":
            self.verify()
        return task

    def object_to_publicity(self, text: str = "申请人子女在外地务工，有赡养能力"):
        response = self.login_as("village_cg").post("/message", {
            "messageName": "publicity_objection", "businessKey": self.business_key,
            "processVariables": {"objection_text": {"value": text, "type": "String"}}})
        assert response.status_code == 204, response.json

    def visited(self) -> list[str]:
        activities = self.login_as("auditor").get("/history/activity-instance", processInstanceId=self.id).json
        return [a["activityId"] for a in activities]

    def state(self) -> str:
        return self.history()["state"]


class LinshiCase(Case):
    """One 临时救助 case driven through the API."""

    KEY, PREFIX = "linshi", "LS"

    def accept(self, kind: str = "支出", amount: float = 3000.0):
        return self.complete("window_cg", "accept", applicant_name="李梅", id_number=unique_id_number(born="19900307"),
                             kind=kind, amount=amount, reason="突发重病住院，自付医疗费用较高")

    def investigate_and_publish(self):
        self.complete("investigator_cg", "investigation", visitors="李四,王五", findings="住院自付费用属实")
        self.verify()
        self.fire("publicity")

    def state(self) -> str:
        return self.history()["state"]


def published(login_as, clock) -> TekunCase:
    """A case through 初审 and a 公示 that ended on Tue 10/6 (a 国庆 holiday)."""
    case = TekunCase(login_as)
    case.accept()
    case.investigate()
    case.complete("reviewer_cg", "township_review", opinion="approve", appraisal_needed=False)
    clock.advance(days=8)
    case.fire("publicity")
    return case
