"""A case of tests/fixtures/message_wait.bpmn brought to its external task, and a worker locking it."""

from tests.conftest import typed

TOPIC = "ping-check"


def start_message_wait(login_as, key: str, **variables) -> str:
    started = login_as("window_cg").post("/process-definition/key/message_wait/start", {
        "businessKey": key, "variables": typed(village="dongguan", **variables)})
    assert started.status_code == 200, started.json
    return started.json["id"]


def reach_check(login_as, case_id: str) -> None:
    """Deliver the case's message: it moves on to its external task."""
    assert login_as("window_cg").post("/message", {"messageName": "ping", "processInstanceId": case_id}
                                      ).status_code == 204


def fetch_and_lock(login_as, worker="w1", **topic):
    response = login_as("verifier").post("/external-task/fetchAndLock", {
        "workerId": worker, "maxTasks": 10, "topics": [{"topicName": TOPIC, "lockDuration": 60000, **topic}]})
    assert response.status_code == 200, response.json
    return response.json
