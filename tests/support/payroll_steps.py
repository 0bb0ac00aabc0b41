"""A county of its own for each payroll test (a county has one open run at a time), its users, and 低保
households driven through the API to payment."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from werkzeug.security import generate_password_hash

from app.domain.amounts import dibao_top_up
from app.domain.id_number import check_digit
from app.domain.orgs import child_path
from app.domain.payroll import luhn_ok
from app.store.tables import OrgUnit, User
from tests.conftest import PASSWORD, typed

ROLES = ("window", "investigator", "township_reviewer", "county_reviewer", "finance", "finance2", "supervisor",
         "auditor", "village", "verifier", "designer")


@dataclass
class County:
    code: str
    townships: tuple[str, str]

    def user(self, role: str, township: int = 0) -> str:
        return f"{role}_{self.code}" + (f"_{township}" if township and role in _TOWNSHIP_ROLES else "")


_TOWNSHIP_ROLES = {"window", "investigator", "township_reviewer", "village"}
_password = generate_password_hash(PASSWORD)


def new_county(runtime) -> County:
    """A county with two townships (one village each) and one user per role; county roles sit at the county."""
    code = f"p{uuid.uuid4().hex[:6]}"
    county = child_path("", code)
    townships = (f"{code}a", f"{code}b")
    with runtime.unit_of_work() as uow:
        uow.session.add(OrgUnit(code=code, name=f"测试县{code}", level="county", path=county, county_path=county))
        for index, t in enumerate(townships):
            path = child_path(county, t)
            uow.session.add(OrgUnit(code=t, name=f"第{index + 1}镇", level="township", path=path, county_path=county))
            uow.session.add(OrgUnit(code=f"{t}v", name=f"第{index + 1}村", level="village",
                                    path=child_path(path, f"{t}v"), county_path=county))
            for role in _TOWNSHIP_ROLES:
                uow.session.add(User(username=f"{role}_{code}" + (f"_{index}" if index else ""),
                                     display_name=f"{role}{index}", password_hash=_password, org_path=path,
                                     groups=[role]))
        for role in set(ROLES) - _TOWNSHIP_ROLES:
            uow.session.add(User(username=f"{role}_{code}", display_name=role, password_hash=_password,
                                 org_path=county, groups=["finance" if role == "finance2" else role]))
        uow.commit()
    return County(code, townships)


def bank_account(seed: int) -> str:
    """A 19-digit UnionPay-style account with a valid Luhn check digit."""
    body = f"621700{seed:012d}"
    return next(body + str(d) for d in range(10) if luhn_ok(body + str(d)))


def id_number() -> str:
    """A 身份证号码 born in 1980 that no other household has: 一户一档 refuses an intake naming someone with a
    running case, and a thousand serial numbers for one birthday collided within a module."""
    serial = uuid.uuid4().int
    first = f"1101011980{serial % 12 + 1:02d}{serial // 12 % 28 + 1:02d}{serial // 336 % 1000:03d}"
    return first + check_digit(first)


class Household:
    """A 低保 case of the county, driven through the API as its users."""

    def __init__(self, login_as, county: County, township: int = 0, **accept):
        self.login_as, self.county, self.township = login_as, county, township
        self.business_key = f"DB-{uuid.uuid4().hex[:12]}"
        started = login_as(county.user("window", township)).post(
            "/process-definition/key/dibao/start", {"businessKey": self.business_key})
        assert started.status_code == 200, started.json
        self.id = started.json["id"]
        values = {"applicant_name": "张三", "id_number": id_number(), "household_size": 3, "per_capita_income": 420.0,
                  "pledge_signed": True, "materials_complete": True, "registered_separately": False, **accept}
        self.complete("window", "accept", **values)

    def user(self, role: str) -> str:
        return self.county.user(role, self.township)

    def verify(self) -> None:
        """The county's matching system answers the case's 家庭经济状况核对: matched."""
        verifier = self.login_as(self.county.user("verifier"))
        locked = verifier.post("/external-task/fetchAndLock", {
            "workerId": "w", "maxTasks": 100, "topics": [{"topicName": "household-verification",
                                                          "lockDuration": 60000}]}).json
        mine = [t for t in locked if t["processInstanceId"] == self.id]
        assert verifier.post(f"/external-task/{mine[0]['id']}/complete", {
            "workerId": "w", "variables": typed(verification_result="matched")}).status_code == 204

    def task(self, role: str, activity: str) -> dict:
        tasks = self.login_as(self.user(role)).get("/task", processInstanceId=self.id,
                                                   taskDefinitionKey=activity).json
        assert len(tasks) == 1, (activity, tasks)
        return tasks[0]

    def submit(self, role: str, activity: str, **variables):
        task = self.task(role, activity)
        return self.login_as(self.user(role)).post(f"/task/{task['id']}/complete", {"variables": typed(**variables)})

    def complete(self, role: str, activity: str, **variables) -> None:
        response = self.submit(role, activity, **variables)
        assert response.status_code == 204, response.json

    def approve(self, amount: float = 450.0, account: str | None = "auto", irregular: bool = True) -> "Household":
        """Investigate, review, publish, approve and set up payment (first month: the month after approval)."""
        self.complete("investigator", "home_visit", visitors="李四,王五", visit_date="2026-09-29", findings="属实")
        self.verify()
        data = self.variables()
        computed = float(dibao_top_up(800, data["per_capita_income"], data["household_size"]))
        why = {} if amount == computed else {"proposed_amount_reason": "家庭有大额刚性支出，经评议调整"}
        self.complete("township_reviewer", "township_review", opinion="approve", proposed_amount=amount, **why)
        self.fire("publicity")
        why = {} if amount == computed else {"amount_reason": "家庭有大额刚性支出，经评议调整"}
        self.complete("county_reviewer", "county_review", decision="approve", amount=amount,
                      income_irregular=irregular, **why)
        payment = {"first_payment_month": self.variables()["payment_from"]}
        if account:
            payment["bank_account"] = bank_account(abs(hash(self.id)) % 10**12) if account == "auto" else account
        self.complete("finance", "payment", **payment)
        self.complete("window", "approval_notice", notice_delivered=True)  # the 批准通知 delivered
        return self

    def variables(self) -> dict:
        """The case data as the township window sees it (whole)."""
        return {k: v["value"] for k, v in self.login_as(self.user("window")).get(
            f"/process-instance/{self.id}/variables").json.items()}

    def fire(self, activity: str) -> None:
        api = self.login_as(self.county.user("supervisor"))
        jobs = api.get("/job", processInstanceId=self.id, activityId=activity).json
        assert len(jobs) == 1, jobs
        assert api.post(f"/job/{jobs[0]['id']}/execute").status_code == 204

    def recheck(self, income: float = 380.0, **decision):
        """Fire the re-check timer, investigate, and submit the decision (the response, whatever it is)."""
        self.fire("recheck_timer")
        self.complete("investigator", "recheck_investigation", visitors="李四,王五", per_capita_income=income,
                      recheck_findings="复核")
        return self.submit("county_reviewer", "recheck_decision", **decision)


class Finance:
    """The county's finance office over /api/payroll."""

    def __init__(self, client, login_as, county: County):
        self.client, self.login_as, self.county = client, login_as, county

    def call(self, method: str, path: str, user: str | None = None, **kwargs):
        api = self.login_as(user or self.county.user("finance"))
        return self.client.open(f"/api/payroll{path}", method=method, headers=api.headers, **kwargs)

    def start(self, month: str, kind: str = "regular", user: str | None = None):
        return self.call("POST", "/runs", user, json={"county": self.county.code, "month": month, "kind": kind})

    def run(self, month: str, kind: str = "regular") -> dict:
        response = self.start(month, kind)
        assert response.status_code == 201, response.json
        return response.json

    def lines(self, run_id: int, **query) -> list[dict]:
        response = self.call("GET", f"/runs/{run_id}/lines", query_string={"maxResults": 1000, **query})
        assert response.status_code == 200, response.json
        return response.json["lines"]

    def decide(self, run: dict, activity: str, user: str, **variables):
        api = self.login_as(user)
        tasks = api.get("/task", processInstanceId=run["caseId"], taskDefinitionKey=activity).json
        assert len(tasks) == 1, tasks
        return api.post(f"/task/{tasks[0]['id']}/complete", {"variables": typed(**variables)})

    def freeze(self, run: dict) -> dict:
        """审核 by finance, 复核 by the second finance user: the roll freezes."""
        assert self.decide(run, "payroll_review", self.county.user("finance"),
                           review_decision="approve").status_code == 204
        assert self.decide(run, "payroll_confirm", self.county.user("finance2"),
                           confirm_decision="confirm").status_code == 204
        frozen = self.call("GET", f"/runs/{run['id']}").json
        assert frozen["state"] == "frozen", frozen
        return frozen

    def paid(self, month: str, kind: str = "regular") -> tuple[dict, list[dict]]:
        """Make the month's roll, freeze it, and return it with its lines."""
        run = self.freeze(self.run(month, kind))
        return run, self.lines(run["id"])


class Supported(Household):
    """A 特困 case of the county, driven through the API as its users."""

    def __init__(self, login_as, county: County, township: int = 0, **accept):
        self.login_as, self.county, self.township = login_as, county, township
        self.business_key = f"TK-{uuid.uuid4().hex[:12]}"
        started = login_as(county.user("window", township)).post(
            "/process-definition/key/tekun/start", {"businessKey": self.business_key})
        assert started.status_code == 200, started.json
        self.id = started.json["id"]
        values = {"applicant_name": "王秀英", "id_number": id_number(), "age": 78, "work_capacity": "none",
                  "disability_grade": "2", "income": 0.0, "has_able_supporter": False, **accept}
        self.complete("window", "accept", **values)

    def approve(self, self_care_class: str = "全自理", account: str | None = "auto") -> "Supported":
        """Investigate, review, publish, confirm (support = basic standard + care standard) and start support."""
        self.complete("investigator", "investigation", visitors="李四,王五", findings="独居，无劳动能力")
        self.verify()
        self.complete("township_reviewer", "township_review", opinion="approve", appraisal_needed=False)
        self.fire("publicity")
        self.complete("county_reviewer", "county_confirmation", decision="approve", support_type="dispersed",
                      self_care_class=self_care_class)
        start = {"first_support_month": self.variables()["support_from"]}
        if account:
            start["bank_account"] = bank_account(abs(hash(self.id)) % 10**12)
        self.complete("finance", "support_start", **start)
        self.complete("window", "approval_notice", notice_delivered=True)  # the 认定通知 delivered
        return self

    def recheck(self, **decision):
        self.fire("recheck_timer")
        self.complete("investigator", "recheck_investigation", visitors="李四,王五", recheck_findings="复核")
        return self.submit("county_reviewer", "recheck_decision", **decision)


def at(clock, day: str) -> None:
    """Move the clock to 10:00 Beijing time of `day`."""
    clock.set(datetime.fromisoformat(f"{day}T02:00:00").replace(tzinfo=UTC))


def amounts(lines: list[dict]) -> dict:
    return {(line["caseId"], line["month"], line["kind"]): line["amount"] for line in lines}
