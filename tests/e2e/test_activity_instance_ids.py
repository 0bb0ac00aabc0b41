"""An activity instance's id (history_activity.id, the engine's task id) is a uuid on PostgreSQL (migration 0040):
every entry point that takes one from a client answers a malformed id as it answers an unknown one — 404 on a
path, an empty list from a filter — on either database, never PostgreSQL's "invalid input syntax for type uuid";
and a well-formed id reads as before, in the same text."""

import uuid
from urllib.parse import quote

import pytest

from tests.support.dibao_steps import Case
from tests.support.web_client import Web

UNKNOWN = "0b7d2c1e-5a4f-4e3b-9c8d-7f6e5d4c3b2a"  # well-formed, no such activity


def _malformed(real: str) -> list[str]:
    """Ids PostgreSQL's uuid would refuse, or would read as the real one although a text column never matched them."""
    return ["not-a-uuid", "x" * 36, "' OR 1=1 --", real[:-1] + "g", real.upper(), real.replace("-", ""),
            "{" + real + "}", real + "0"]


@pytest.fixture(scope="module")
def walked(app):
    """A case past its first step: `done` the finished accept task, `open` the home visit waiting."""
    from tests.conftest import Api

    client = app.test_client()
    login_as = lambda username: Api(client, username)  # noqa: E731
    case = Case(login_as)
    done = case.accept()["id"]
    return case, done, case.task("investigator_cg", "home_visit")["id"]


def _alike(response, expected, given: str, unknown: str) -> None:
    """`response` for id `given` is what `expected` was for the unknown id: its status and its body, the id aside."""
    assert response.status_code == expected.status_code, (given, response.status_code, response.get_data(True)[:300])
    assert response.get_data(True).replace(quote(given, safe=""), "ID").replace(given, "ID") == \
        expected.get_data(True).replace(unknown, "ID"), given


PATHS = {  # (user, path of the id) — each also answered for the real finished task
    "history activity instance": ("auditor", "/history/activity-instance/{}"),
    "task comments": ("window_cg", "/task/{}/comment"),
    "a task comment": ("window_cg", "/task/{}/comment/" + UNKNOWN),
    "task attachments": ("window_cg", "/task/{}/attachment"),
    "a task attachment": ("window_cg", "/task/{}/attachment/" + UNKNOWN),
    "a task attachment's data": ("window_cg", "/task/{}/attachment/" + UNKNOWN + "/data"),
}


@pytest.mark.parametrize("entry", sorted(PATHS))
def test_a_malformed_id_on_a_path_is_an_unknown_id(login_as, walked, entry):
    _, done, _ = walked
    user, path = PATHS[entry]
    api = login_as(user)
    known = api.get(path.format(done))
    assert known.status_code in (200, 404), known.json  # a comment or attachment of the task: none exists
    unknown = api.get(path.format(UNKNOWN))
    assert unknown.status_code == 404
    for given in _malformed(done):
        _alike(api.get(path.format(quote(given, safe=""))), unknown, given, UNKNOWN)


def test_the_history_activity_instance_of_a_well_formed_id_reads_as_before(login_as, walked):
    case, done, _ = walked
    row = login_as("auditor").get(f"/history/activity-instance/{done}")
    assert row.status_code == 200
    assert (row.json["id"], row.json["activityId"], row.json["processInstanceId"]) == (done, "accept", case.id)
    assert row.json["id"] == str(uuid.UUID(done))  # lowercase, hyphenated
    listed = login_as("auditor").get("/history/activity-instance", processInstanceId=case.id).json
    assert done in [r["id"] for r in listed] and all(r["id"] == str(uuid.UUID(r["id"])) for r in listed)


FILTERS = {  # list -> its filters that take an activity instance id (one, or a comma list)
    "/history/activity-instance": ("activityInstanceId",),
    "/history/task": ("taskId", "activityInstanceIdIn"),
}


@pytest.mark.parametrize(("listing", "name"), [(lst, n) for lst, names in FILTERS.items() for n in names])
def test_a_malformed_id_in_a_list_filter_matches_nothing(login_as, walked, listing, name):
    case, done, _ = walked
    api = login_as("auditor")
    assert [r["id"] for r in api.get(listing, **{name: done}).json] == [done]
    assert api.get(listing, **{name: UNKNOWN}).json == []
    for given in _malformed(done):
        if "," in given:
            continue
        got = api.get(listing, **{name: given})
        assert (got.status_code, got.json) == (200, []), (given, got.get_data(True)[:300])
        assert api.get(f"{listing}/count", **{name: given}).json == {"count": 0}
        value = [given] if name.endswith("In") else given
        posted = api.post(listing, {name: value})
        assert (posted.status_code, posted.json) == (200, []), (given, posted.get_data(True)[:300])
        assert api.post(f"{listing}/count", {name: value}).json == {"count": 0}


def test_a_malformed_id_among_well_formed_ones_is_left_out(login_as, walked):
    case, done, waiting = walked
    api = login_as("auditor")
    given = ",".join(["not-a-uuid", done.upper(), done, waiting, "{" + waiting + "}"])
    assert sorted(r["id"] for r in api.get("/history/task", activityInstanceIdIn=given).json) == sorted([done, waiting])
    posted = api.post("/history/task", {"activityInstanceIdIn": ["x", done, "' OR 1=1 --"]})
    assert [r["id"] for r in posted.json] == [done]


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_task_page_of_a_malformed_id_is_the_page_of_an_unknown_task(app, walked, method):
    _, done, _ = walked
    web = Web(app, "window_cg")
    send = (lambda path: web.get(path)) if method == "get" else (lambda path: web.post(path, {"action": "save"}))
    assert send(f"/tasks/{done}").status_code == (410 if method == "get" else 409)  # finished: who did it
    unknown = send(f"/tasks/{UNKNOWN}")
    assert unknown.status_code == 404
    for given in _malformed(done):
        response = send(f"/tasks/{quote(given, safe='')}")
        assert response.status_code == 404, (given, response.status_code)
