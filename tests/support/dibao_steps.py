"""Steps of the 低保 process over HTTP, as the demo users perform them."""

import uuid

from tests.conftest import typed


def valid_id_number(first17: str = "11010119900307123") -> str:
    from app.domain.id_number import check_digit

    return first17 + check_digit(first17)


def unique_id_number(year: int | None = None, born: str | None = None) -> str:
    """A valid 身份证号码 no other test uses (一户一档 holds an intake naming someone with a running case); `born`
    (YYYYMMDD) fixes the birth date where a test's age must agree with it."""
    import random

    year = year or random.randrange(1950, 2000)
    born = born or f"{year}{random.randrange(1, 13):02d}{random.randrange(1, 29):02d}"
    return valid_id_number(f"{random.randrange(110101, 659999)}{born}{random.randrange(1000):03d}")


def accept_variables(**overrides) -> dict:
    values = {"applicant_name": "张三", "id_number": unique_id_number(born="19900307"), "household_size": 3,
              "per_capita_income": 420.0, "pledge_signed": True, "materials_complete": True,
              "registered_separately": False}
    values.update(overrides)
    return typed(**values)


class Case:
    """One case driven through the API; subclasses name another process."""

    KEY, PREFIX = "dibao", "DB"

    def __init__(self, login_as):
        self.login_as = login_as
        self.business_key = f"{self.PREFIX}-{uuid.uuid4().hex[:12]}"
        response = login_as("window_cg").post(f"/process-definition/key/{self.KEY}/start",
                                              {"businessKey": self.business_key})
        assert response.status_code == 200, response.json
        self.id = response.json["id"]

    @classmethod
    def investigated(cls, login_as) -> "Case":
        """A case accepted and investigated: four events (start, accept, home_visit, the data match)."""
        case = cls(login_as)
        case.accept()
        case.investigate()
        return case

    def submit(self, user: str, activity: str, **variables):
        """Complete a task and return the response, whatever it is."""
        task = self.task(user, activity)
        return self.login_as(user).post(f"/task/{task['id']}/complete", {"variables": typed(**variables)})

    def instance_ids(self) -> list[str]:
        """The case and the running process instances its call activities started (a referral's), as Camunda
        lists them: a called process's tasks and jobs are its own instance's."""
        api, found = self.login_as("supervisor"), [self.id]
        for instance_id in found:
            found.extend(i["id"] for i in api.get("/process-instance", superProcessInstance=instance_id).json)
        return found

    def task(self, user: str, activity: str) -> dict:
        api = self.login_as(user)
        tasks = [t for instance_id in self.instance_ids()
                 for t in api.get("/task", processInstanceId=instance_id, taskDefinitionKey=activity).json]
        assert len(tasks) == 1, (activity, tasks)
        return tasks[0]

    def complete(self, user: str, activity: str, **variables):
        task = self.task(user, activity)
        response = self.login_as(user).post(f"/task/{task['id']}/complete", {"variables": typed(**variables)})
        assert response.status_code == 204, response.json
        return task

    def accept(self, **overrides):
        task = self.task("window_cg", "accept")
        response = self.login_as("window_cg").post(f"/task/{task['id']}/complete",
                                                   {"variables": accept_variables(**overrides)})
        assert response.status_code == 204, response.json
        return task

    def lock_verification(self, worker: str = "matcher-1") -> str:
        """Fetch and lock the case's data-matching task as `worker`; return its id."""
        locked = self.login_as("verifier").post("/external-task/fetchAndLock", {
            "workerId": worker, "maxTasks": 50,
            "topics": [{"topicName": "household-verification", "lockDuration": 60000}]}).json
        mine = [t for t in locked if t["processInstanceId"] == self.id]
        assert len(mine) == 1, locked
        return mine[0]["id"]

    def complete_verification(self, task_id: str, worker: str = "matcher-1"):
        response = self.login_as("verifier").post(f"/external-task/{task_id}/complete", {
            "workerId": worker, "variables": typed(verification_result="matched", vehicles=0)})
        assert response.status_code == 204, response.json

    def verify(self, worker: str = "matcher-1"):
        self.complete_verification(self.lock_verification(worker), worker)

    def investigate(self):
        self.complete("investigator_cg", "home_visit", visitors="李四,王五", visit_date="2026-09-29",
                      findings="家庭成员3人，无车辆，收入来源为零工")
        self.verify()

    def activities(self) -> list[str]:
        api = self.login_as("supervisor")
        return [a["activityId"] for a in api.get("/process-instance/" + self.id + "/activity-instances")
                .json["childActivityInstances"]]

    def variables(self, user: str = "supervisor") -> dict:
        return {k: v["value"] for k, v in self.login_as(user).get(
            f"/process-instance/{self.id}/variables").json.items()}

    def job(self, activity: str) -> dict:
        api = self.login_as("supervisor")
        jobs = [j for instance_id in self.instance_ids()
                for j in api.get("/job", processInstanceId=instance_id, activityId=activity).json]
        assert len(jobs) == 1, jobs
        return jobs[0]

    def waiting_jobs(self) -> list[str]:
        """The activities of the case's jobs, besides the late timers every step carries."""
        jobs = self.login_as("supervisor").get("/job", processInstanceId=self.id).json
        return [j["activityId"] for j in jobs if not j["activityId"].endswith("late")]

    def fire(self, activity: str):
        response = self.login_as("supervisor").post(f"/job/{self.job(activity)['id']}/execute")
        assert response.status_code == 204, response.json

    def hand_over(self, activity: str, user: str = "window_cg"):
        """Deliver the notice a handover task opened with (the window prints it and the household signs)."""
        return self.complete(user, activity, notice_delivered=True)

    def notices(self, user: str = "window_cg") -> list[dict]:
        api = self.login_as(user)
        response = api.client.get(f"/api/cases/{self.id}/notices", headers=api.headers)
        assert response.status_code == 200, response.json
        return response.json

    def history(self) -> dict:
        return self.login_as("auditor").get(f"/history/process-instance/{self.id}").json


def audit_events(login_as, case_id: str) -> dict:
    """The case's events as the auditor's API shows them (personal values masked)."""
    auditor = login_as("auditor")
    response = auditor.client.get(f"/api/audit/cases/{case_id}/events", headers=auditor.headers)
    assert response.status_code == 200, response.json
    return response.json
