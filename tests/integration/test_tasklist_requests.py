"""A Camunda client's three requests per task (pycamunda, Tasklist): list the tasks offered to the group, claim one,
complete it. The list's statement is kept and used again (app/services/lists.py), and a claim writes its task, its
history row and its event in one statement guarded by the case's version (app/services/cases.py): a kept statement
answers with the rows of the moment and only the asker's own, and of two claims at once exactly one wins."""

import threading
import uuid

from sqlalchemy import select

from app.domain.actors import Actor
from app.domain.errors import Conflict
from app.services.cases import claim_task
from app.services.commands import ClaimTask
from app.services.users import active_actor
from app.store.tables import CaseEvent, HistoryActivity, Task
from tests.conftest import typed
from tests.support.dibao_steps import accept_variables

INBOX = {"candidateGroup": "window", "processDefinitionKey": "dibao", "taskDefinitionKey": "accept",
         "sortBy": "created", "sortOrder": "asc", "firstResult": 0, "maxResults": 15}


def _start(login_as, window: str, village: str | None = None) -> str:
    body = {"businessKey": f"TL-{uuid.uuid4().hex[:12]}"}
    if village:
        body["variables"] = typed(village=village)
    started = login_as(window).post("/process-definition/key/dibao/start", body)
    assert started.status_code == 200, started.json
    return started.json["id"]


def _inbox(login_as, user: str) -> dict[str, dict]:
    listed = login_as(user).get("/task", **INBOX)
    assert listed.status_code == 200, listed.json
    return {t["id"]: t for t in listed.json}


def test_a_kept_inbox_statement_answers_with_the_tasks_of_the_moment(login_as):
    cases = [_start(login_as, "window_cg") for _ in range(3)]
    before = _inbox(login_as, "window_cg")
    mine = {t["processInstanceId"]: task_id for task_id, t in before.items() if t["processInstanceId"] in cases}
    assert set(mine) == set(cases)
    window = login_as("window_cg")
    assert window.post(f"/task/{mine[cases[0]]}/claim", {"userId": "window_cg"}).status_code == 204
    after = _inbox(login_as, "window_cg")  # the same request again: the claimed task is no longer offered
    assert mine[cases[0]] not in after and mine[cases[1]] in after
    assert window.post(f"/task/{mine[cases[1]]}/claim", {"userId": "window_cg"}).status_code == 204
    done = window.post(f"/task/{mine[cases[1]]}/complete", {"variables": accept_variables()})
    assert done.status_code == 204, done.json
    new = _start(login_as, "window_cg")
    latest = _inbox(login_as, "window_cg")
    assert mine[cases[1]] not in latest and mine[cases[2]] in latest
    assert new in {t["processInstanceId"] for t in latest.values()}


def test_users_asking_for_the_same_page_each_see_only_their_own_units_tasks(login_as):
    cg, hd = _start(login_as, "window_cg"), _start(login_as, "window_hd")
    for _ in range(2):  # the second time from kept statements
        seen_cg = {t["processInstanceId"] for t in _inbox(login_as, "window_cg").values()}
        seen_hd = {t["processInstanceId"] for t in _inbox(login_as, "window_hd").values()}
        assert cg in seen_cg and hd not in seen_cg
        assert hd in seen_hd and cg not in seen_hd
        # a user of another group asking the window's page is offered nothing of it
        assert login_as("investigator_cg").get("/task", **INBOX).json == []


def _claim_at_once(runtime, task_id: str, actors: list[Actor]) -> dict[str, str]:
    """Each actor claims the task for themselves, all released together; who claimed it and who met a Conflict."""
    barrier, outcomes = threading.Barrier(len(actors)), {}

    def claim(actor: Actor) -> None:
        barrier.wait()
        try:
            claim_task(runtime, ClaimTask(actor, task_id, actor.username))
            outcomes[actor.username] = "claimed"
        except Conflict:
            outcomes[actor.username] = "conflict"

    threads = [threading.Thread(target=claim, args=(actor,)) for actor in actors]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


def test_of_two_claims_of_one_task_at_once_exactly_one_wins(runtime, login_as):
    window, _ = active_actor(runtime, "window_cg")
    other = Actor("window_cg_2", window.org_path, window.groups)  # a second window clerk of the same township
    for _ in range(4):
        case_id = _start(login_as, "window_cg")
        task_id = login_as("window_cg").get("/task", processInstanceId=case_id).json[0]["id"]
        outcomes = _claim_at_once(runtime, task_id, [window, other])
        assert sorted(outcomes.values()) == ["claimed", "conflict"], outcomes
        winner = next(user for user, outcome in outcomes.items() if outcome == "claimed")
        with runtime.reading() as uow:
            assert uow.session.scalar(select(Task.assignee).where(Task.id == task_id)) == winner
            assert uow.session.scalar(select(HistoryActivity.assignee).where(HistoryActivity.id == task_id)) == winner
            claims = list(uow.session.scalars(select(CaseEvent.actor).where(
                CaseEvent.process_instance_id == case_id, CaseEvent.command == "claim")))
        assert claims == [winner]


def test_a_query_string_refused_once_is_refused_again(login_as):
    """Query strings parsed lately are kept (app/api/queries.py); one the list refuses is never kept."""
    window = login_as("window_cg")
    for _ in range(2):
        refused = window.get("/task", **{**INBOX, "maxResults": "many"})
        assert refused.status_code == 400 and "maxResults" in refused.get_data(as_text=True)
        unknown = window.get("/task", **INBOX, candidateUserGroup="window")
        assert unknown.status_code == 400 and "candidateUserGroup" in unknown.get_data(as_text=True)
        assert window.get("/task", **INBOX).status_code == 200
        # the same query string on another list is that list's to parse: sortBy=created is not a job's sort key
        assert window.get("/job", sortBy="created", sortOrder="asc").status_code == 400
