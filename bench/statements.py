"""SQL statements and commits per task completion, counted on the bench database through the REST API."""

import uuid

from sqlalchemy import event
from sqlalchemy.engine.interfaces import ExecuteStyle

from .dibao_path import STEPS
from .load import basic_auth, next_month, typed


class Counter:
    """Counts statements and commits on an engine while `active`; an executemany counts once per row."""

    def __init__(self, engine):
        self.statements = self.commits = 0
        self.active = False
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, _conn, _cursor, _statement, parameters, context, _executemany):
        # several rows as one multi-row statement ("insertmanyvalues") count once; a driver executemany per row
        rows = len(parameters) if context.execute_style is ExecuteStyle.EXECUTEMANY else 1
        self.statements += self.active * rows

    def _commit(self, *_args):
        self.commits += self.active


def _complete_path(client, counter: Counter, samples: list[tuple[int, int]]) -> None:
    started = client.post("/engine-rest/process-definition/key/dibao/start", headers=basic_auth("window_cg"),
                          json={"businessKey": f"COUNT-{uuid.uuid4().hex[:10]}"}).json
    for activity, user, values in STEPS:
        if activity == "verify":
            locked = client.post("/engine-rest/external-task/fetchAndLock", headers=basic_auth(user), json={
                "workerId": "count", "maxTasks": 1, "topics": [{"topicName": "household-verification",
                                                                "lockDuration": 60000}]}).json
            client.post(f"/engine-rest/external-task/{locked[0]['id']}/complete", headers=basic_auth(user),
                        json={"workerId": "count", "variables": typed(values)})
            continue
        if activity == "publicity":
            job = client.get("/engine-rest/job", headers=basic_auth(user), query_string={"processInstanceId":
                                                                                      started["id"]}).json[0]
            client.post(f"/engine-rest/job/{job['id']}/execute", headers=basic_auth(user))
            continue
        if activity == "payment":
            values = {"first_payment_month": next_month()}
        task = client.get("/engine-rest/task", headers=basic_auth(user), query_string={
            "processInstanceId": started["id"], "taskDefinitionKey": activity}).json[0]
        before = (counter.statements, counter.commits)
        counter.active = True
        response = client.post(f"/engine-rest/task/{task['id']}/complete", headers=basic_auth(user),
                               json={"variables": typed(values)})
        counter.active = False
        assert response.status_code == 204, response.json
        samples.append((counter.statements - before[0], counter.commits - before[1]))


def measure(app, cases: int = 10) -> dict:
    """Complete `cases` 低保 cases (after one warm-up) and count each user-task completion request."""
    counter, samples = Counter(app.extensions["db_engine"]), []
    client = app.test_client()
    _complete_path(client, counter, [])  # warm-up: the first completion of a form loads it once per process
    for _ in range(cases):
        _complete_path(client, counter, samples)
    statements = [s for s, _ in samples]
    commits = [c for _, c in samples]
    return {"completions": len(samples), "statements_mean": round(sum(statements) / len(samples), 2),
            "statements_max": max(statements), "commits_min": min(commits), "commits_max": max(commits)}
