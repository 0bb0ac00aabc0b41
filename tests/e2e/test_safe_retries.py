"""Retries are safe: a second active case with the same business key is refused with 409 naming the first, and a
command sent again with the same Idempotency-Key gets its first answer instead of running again."""

import threading
import uuid

import pytest
import requests
from sqlalchemy import func, select

from app.store.tables import IdempotencyKey, ProcessInstance
from tests.conftest import PASSWORD
from tests.support.dibao_steps import Case, accept_variables


def _key() -> str:
    return f"RT-{uuid.uuid4().hex[:12]}"


def _active(runtime, definition_key: str, business_key: str) -> int:
    with runtime.reading() as uow:
        return uow.session.scalar(select(func.count()).where(
            ProcessInstance.definition_key == definition_key, ProcessInstance.business_key == business_key,
            ProcessInstance.state == "ACTIVE"))


def _start(api, business_key: str, key: str | None = None, process: str = "dibao"):
    headers = {"Idempotency-Key": key} if key else {}
    return api.client.post(f"/engine-rest/process-definition/key/{process}/start", json={"businessKey": business_key},
                           headers={**api.headers, **headers})


def test_a_second_active_case_with_the_same_business_key_is_refused_naming_the_first(runtime, login_as):
    window, business_key = login_as("window_cg"), _key()
    first = _start(window, business_key)
    assert first.status_code == 200
    again = _start(window, business_key)
    assert again.status_code == 409 and again.json["field"] == "businessKey"
    assert first.json["id"] in again.json["message"] and "Idempotency-Key" in again.json["message"]
    assert _active(runtime, "dibao", business_key) == 1
    # a user who may not see the first case hears that the key is taken, not which case holds it
    other = _start(login_as("window_hd"), business_key)
    assert other.status_code == 409 and first.json["id"] not in other.json["message"]


def test_the_business_key_is_free_again_once_its_case_ends_and_other_processes_may_share_it(runtime, login_as):
    window, business_key = login_as("window_cg"), _key()
    first = _start(window, business_key).json["id"]
    assert _start(window, business_key, process="linshi").status_code == 200  # another process: no clash
    assert login_as("supervisor").delete(f"/process-instance/{first}").status_code == 204
    second = _start(window, business_key)
    assert second.status_code == 200 and second.json["id"] != first


@pytest.mark.fault("retried starts and completions")
def test_a_start_retried_with_its_idempotency_key_gets_the_first_answer(runtime, login_as):
    window, business_key, key = login_as("window_cg"), _key(), str(uuid.uuid4())
    first = _start(window, business_key, key)
    again = _start(window, business_key, key)
    assert first.status_code == again.status_code == 200
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _active(runtime, "dibao", business_key) == 1
    # the same key on another request is refused, naming the header
    other = _start(window, _key(), key)
    assert other.status_code == 422 and other.json["field"] == "Idempotency-Key"
    # keys are each user's own: another user's identical key is another command
    assert _start(login_as("window_hd"), _key(), key).status_code == 200


@pytest.mark.fault("retried starts and completions")
def test_a_completion_retried_after_it_committed_gets_its_first_answer_not_404(runtime, login_as, clock):
    case = Case(login_as)
    window, task = login_as("window_cg"), case.task("window_cg", "accept")
    headers = {**window.headers, "Idempotency-Key": "accept-" + task["id"]}
    body = {"variables": accept_variables()}
    first = window.client.post(f"/engine-rest/task/{task['id']}/complete", json=body, headers=headers)
    again = window.client.post(f"/engine-rest/task/{task['id']}/complete", json=body, headers=headers)
    assert first.status_code == again.status_code == 204 and again.headers["Idempotent-Replayed"] == "true"
    assert window.post(f"/task/{task['id']}/complete", body).status_code == 404  # without the key: it is gone
    assert [t["taskDefinitionKey"] for t in login_as("investigator_cg").get(
        "/task", processInstanceId=case.id).json] == ["home_visit"]


def test_a_failed_command_keeps_no_key_so_it_may_be_sent_again(runtime, login_as, clock):
    case = Case(login_as)
    window, task = login_as("window_cg"), case.task("window_cg", "accept")
    headers = {**window.headers, "Idempotency-Key": str(uuid.uuid4())}
    url = f"/engine-rest/task/{task['id']}/complete"
    bad = window.client.post(url, json={"variables": accept_variables(household_size=0)}, headers=headers)
    assert bad.status_code == 400
    with runtime.reading() as uow:
        assert uow.session.get(IdempotencyKey, ("window_cg", headers["Idempotency-Key"])) is None
    assert window.client.post(url, json={"variables": accept_variables(household_size=0)},
                              headers=headers).status_code == 400


def test_keys_expire_after_the_kept_hours(app, runtime, login_as, clock):
    window, key = login_as("window_cg"), str(uuid.uuid4())
    business_key = _key()
    first = _start(window, business_key, key)
    clock.advance(hours=app.config["IDEMPOTENCY_KEY_HOURS"] + 1)
    again = _start(window, business_key, key)
    assert first.status_code == 200 and again.status_code == 409  # the key no longer answers: the start runs
    from app.api.idempotency import purge_expired

    assert purge_expired(app) >= 1
    with runtime.reading() as uow:
        assert uow.session.get(IdempotencyKey, ("window_cg", key)) is None


def test_a_key_may_not_be_blank_or_overlong(login_as):
    window = login_as("window_cg")
    for key in (" ", "k" * 201):
        response = _start(window, _key(), key)
        assert response.status_code == 400 and response.json["field"] == "Idempotency-Key"


@pytest.mark.fault("retried starts and completions")
def test_the_same_start_sent_twice_at_once_makes_one_case_and_one_answer(runtime, live_url):
    """Two copies of one request race (a client that retried before its first attempt answered)."""
    business_key, key = _key(), str(uuid.uuid4())
    barrier, answers = threading.Barrier(2), []

    def send():
        barrier.wait()
        answers.append(requests.post(f"{live_url}/engine-rest/process-definition/key/dibao/start",
                                     json={"businessKey": business_key}, auth=("window_cg", PASSWORD),
                                     headers={"Idempotency-Key": key}, timeout=30))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert _active(runtime, "dibao", business_key) == 1
    assert all(a.status_code == 200 for a in answers), [a.text for a in answers]
    assert answers[0].json()["id"] == answers[1].json()["id"]


@pytest.mark.fault("retried starts and completions")
def test_two_different_starts_with_one_business_key_at_once_make_one_case(runtime, live_url):
    business_key, barrier, answers = _key(), threading.Barrier(2), []

    def send():
        barrier.wait()
        answers.append(requests.post(f"{live_url}/engine-rest/process-definition/key/dibao/start",
                                     json={"businessKey": business_key}, auth=("window_cg", PASSWORD), timeout=30))

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    assert _active(runtime, "dibao", business_key) == 1


def _killed_before_storing_answers(monkeypatch) -> None:
    """A node killed right after a command committed, before it stored the answer in a transaction of its own."""
    from app.services import idempotency

    monkeypatch.setattr(idempotency, "keep_answer", lambda *args, **kwargs: None)


def _stored(runtime, owner: str, key: str) -> IdempotencyKey:
    with runtime.reading() as uow:
        return uow.session.get(IdempotencyKey, (owner, key))


@pytest.mark.fault("retried starts and completions")
def test_a_completion_whose_node_died_before_storing_its_answer_is_answered_204_again(runtime, login_as,
                                                                                     monkeypatch):
    """The 204 is known before the completion runs: it is recorded with the key, in the completion's transaction."""
    _killed_before_storing_answers(monkeypatch)
    case = Case(login_as)
    window, task = login_as("window_cg"), case.task("window_cg", "accept")
    headers = {**window.headers, "Idempotency-Key": "accept-" + task["id"]}
    url, body = f"/engine-rest/task/{task['id']}/complete", {"variables": accept_variables()}
    assert window.client.post(url, json=body, headers=headers).status_code == 204
    assert _stored(runtime, "window_cg", headers["Idempotency-Key"]).status == 204
    again = window.client.post(url, json=body, headers=headers)
    assert again.status_code == 204 and again.headers["Idempotent-Replayed"] == "true", again.text
    assert [t["taskDefinitionKey"] for t in login_as("investigator_cg").get(
        "/task", processInstanceId=case.id).json] == ["home_visit"]
    # a claim, an unclaim and a variable's change: the same
    supervisor, task = login_as("supervisor"), case.task("investigator_cg", "home_visit")
    investigator = login_as("investigator_cg")
    for api, method, path, body in ((investigator, "post", f"/task/{task['id']}/claim", {"userId": "investigator_cg"}),
                                    (investigator, "post", f"/task/{task['id']}/unclaim", None),
                                    (supervisor, "put", f"/process-instance/{case.id}/variables/note",
                                     {"value": "复核", "type": "String"})):
        headers = {**api.headers, "Idempotency-Key": str(uuid.uuid4())}
        send = getattr(api.client, method)
        assert send(f"/engine-rest{path}", json=body, headers=headers).status_code == 204
        again = send(f"/engine-rest{path}", json=body, headers=headers)
        assert again.status_code == 204 and again.headers["Idempotent-Replayed"] == "true", (path, again.text)


@pytest.mark.fault("retried starts and completions")
def test_a_start_whose_node_died_before_storing_its_answer_is_answered_with_the_case_it_made(runtime, login_as,
                                                                                           monkeypatch):
    _killed_before_storing_answers(monkeypatch)
    window, business_key, key = login_as("window_cg"), _key(), str(uuid.uuid4())
    first = _start(window, business_key, key)
    assert first.status_code == 200 and _stored(runtime, "window_cg", key).case_id == first.json["id"]
    again = _start(window, business_key, key)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true", again.text
    assert again.json == first.json
    assert _active(runtime, "dibao", business_key) == 1
    # with the case's variables in the answer: those it holds now
    asked = {"businessKey": _key(), "withVariablesInReturn": True}
    headers = {**window.headers, "Idempotency-Key": str(uuid.uuid4())}
    url = "/engine-rest/process-definition/key/dibao/start"
    first = window.client.post(url, json=asked, headers=headers)
    again = window.client.post(url, json=asked, headers=headers)
    assert first.status_code == again.status_code == 200 and again.json == first.json
    assert _active(runtime, "dibao", asked["businessKey"]) == 1
    # the same key on another request is still refused
    assert _start(window, _key(), key).status_code == 422


def test_a_command_whose_answer_was_lost_and_cannot_be_rebuilt_says_it_took_effect(runtime, login_as, monkeypatch):
    """A completion answered with the case's variables: its answer is stored after the commit only."""
    _killed_before_storing_answers(monkeypatch)
    case = Case(login_as)
    window, task = login_as("window_cg"), case.task("window_cg", "accept")
    headers = {**window.headers, "Idempotency-Key": str(uuid.uuid4())}
    url, body = f"/engine-rest/task/{task['id']}/complete", {"variables": accept_variables(),
                                                             "withVariablesInReturn": True}
    assert window.client.post(url, json=body, headers=headers).status_code == 200
    again = window.client.post(url, json=body, headers=headers)
    assert again.status_code == 409 and again.json["field"] == "Idempotency-Key"
    assert "已执行并保存" in again.json["message"] and "不会再执行" in again.json["message"]
    assert [t["taskDefinitionKey"] for t in login_as("investigator_cg").get(
        "/task", processInstanceId=case.id).json] == ["home_visit"]
