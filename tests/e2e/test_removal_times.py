"""Camunda's `removalTime` on every history row (its removal-time strategy "end"): when the history clean-up will
remove it — its root case's end plus the days that apply, the process's historyTimeToLive else the county's
setting; null while the root case runs, and past the last date. And `historyTimeToLive` on a definition that sets
none: the county's setting that applies to its cases."""

import uuid
from contextlib import contextmanager
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event
from werkzeug.test import encode_multipart

from tests.conftest import Api, typed
from tests.support.deployments import calling_process, deploy_files, deploy_fixture, minimal_process, window_process
from tests.support.org import add_county

FOREVER = 2147483647  # the longest time to live Camunda reads (an int): its removal lies past the last date
SETTING = "/api/counties/{}/settings/history_time_to_live_days"
CHILD = minimal_process("removal_child", '<bpmn:userTask id="inside" name="被调用的受理" '
                                         'camunda:candidateGroups="window" />', first="inside") \
    .replace('isExecutable="true"', 'isExecutable="true" camunda:historyTimeToLive="1"')
PARENT = calling_process("removal_parent", "调用方", "removal_child")


@pytest.fixture(scope="module")
def counties(app):
    """Counties `ra` (kept 60 days) and `rb` (90 days); shared processes kept 30 days (with a reminder timer, for
    the job log), by the county's setting, for ever, and calling another; and county ra's own, by its setting."""
    runtime = app.extensions["runtime"]
    add_county(runtime, "ra", "甲县", "razhen")
    add_county(runtime, "rb", "乙县", "rbzhen")
    designer = Api(app.test_client(), "designer")
    made = deploy_files(designer, {
        "kept.bpmn": window_process("removal_kept", "保存30天", "P30D", reminder="P1D"),
        "plain.bpmn": window_process("removal_plain", "按县保存"),
        "forever.bpmn": window_process("removal_forever", "最长保存", str(FOREVER)),
        "child.bpmn": CHILD, "parent.bpmn": PARENT})
    assert made.status_code == 200, made.json
    local = deploy_files(designer, {"local.bpmn": window_process("removal_local", "甲县自有")}, **{"tenant-id": "ra"})
    assert local.status_code == 200, local.json
    deploy_fixture(designer, "message_wait.bpmn")
    for county, days in (("ra", 60), ("rb", 90)):
        changed = designer.client.put(SETTING.format(county), json={"value": days}, headers=designer.headers)
        assert changed.status_code in (200, 204), changed.json


def _plus(moment: str, days: int) -> str:
    """A Camunda date `days` days after another, in Camunda's format (as the clean-up counts: whole days)."""
    later = datetime.strptime(moment, "%Y-%m-%dT%H:%M:%S.%f%z") + timedelta(days=days)
    return later.strftime("%Y-%m-%dT%H:%M:%S.") + f"{later.microsecond // 1000:03d}" + later.strftime("%z")


def _start(api: Api, key: str) -> str:
    started = api.post(f"/process-definition/key/{key}/start", {"businessKey": f"RM-{uuid.uuid4().hex[:8]}",
                                                                "variables": typed(note="入户", size=3)})
    assert started.status_code == 200, started.json
    return started.json["id"]


def _complete(api: Api, case_id: str) -> None:
    [task] = api.get("/task", processInstanceId=case_id).json
    assert api.post(f"/task/{task['id']}/complete", {}).status_code == 204


def _finished(api: Api, key: str) -> str:
    case_id = _start(api, key)
    _complete(api, case_id)
    return case_id


def _attach_link(api: Api, task_id: str) -> None:
    boundary, payload = encode_multipart({"attachment-name": "入户照片", "url": "https://example.com/p.jpg"})
    made = api.client.post(f"/engine-rest/task/{task_id}/attachment/create", data=payload, headers=api.headers,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert made.status_code == 200, made.json


def _history(api: Api, case_id: str) -> dict[str, list[dict]]:
    """Every history row of a case a Camunda client can read, by where it read it (lists and single rows)."""
    rows = {}
    for path in ("process-instance", "activity-instance", "task", "variable-instance", "detail", "user-operation",
                 "job-log", "incident"):
        found = api.get(f"/history/{path}", processInstanceId=case_id)
        assert found.status_code == 200, (path, found.json)
        rows[path] = found.json
    singles = {"process-instance": "id", "activity-instance": "id", "variable-instance": "id", "detail": "id",
               "job-log": "id"}
    for path, key in singles.items():
        rows[f"{path}/{{id}}"] = [api.get(f"/history/{path}/{row[key]}").json for row in rows[path]]
    tasks = [row["id"] for row in rows["task"]]
    rows["comment"] = [c for t in tasks for c in api.get(f"/task/{t}/comment").json] + \
        api.get(f"/process-instance/{case_id}/comment").json
    rows["comment/{id}"] = [api.get(f"/task/{c['taskId']}/comment/{c['id']}").json for c in rows["comment"]]
    rows["attachment"] = [a for t in tasks for a in api.get(f"/task/{t}/attachment").json]
    rows["attachment/{id}"] = [api.get(f"/task/{a['taskId']}/attachment/{a['id']}").json for a in rows["attachment"]]
    return rows


def _removal_times(rows: dict[str, list[dict]]) -> dict[str, set]:
    return {where: {row["removalTime"] for row in found} for where, found in rows.items() if found}


def test_a_finished_cases_rows_are_removed_its_processs_time_to_live_after_its_end(counties, client, clock):
    window = Api(client, "window_ra")
    case_id = _start(window, "removal_kept")
    [task] = window.get("/task", processInstanceId=case_id).json
    assert window.post(f"/task/{task['id']}/comment/create", {"message": "材料齐全"}).status_code == 200
    _attach_link(window, task["id"])
    running = _history(window, case_id)
    assert set(_removal_times(running)) >= {"process-instance", "activity-instance", "task", "variable-instance",
                                            "detail", "user-operation", "job-log", "comment", "attachment"}
    assert set().union(*_removal_times(running).values()) == {None}  # the root runs: not yet known, as in Camunda
    clock.advance(hours=3)
    assert window.post(f"/task/{task['id']}/complete", {}).status_code == 204
    end = window.get(f"/history/process-instance/{case_id}").json["endTime"]
    assert end is not None
    times = _removal_times(_history(window, case_id))
    assert times == {where: {_plus(end, 30)} for where in times}, times
    assert len(times) == 16  # every resource above (no incident)


def test_without_a_process_time_to_live_each_countys_setting_applies(counties, client, clock):
    for county, days in (("ra", 60), ("rb", 90)):
        window = Api(client, f"window_{county}")
        case_id = _finished(window, "removal_plain")
        end = window.get(f"/history/process-instance/{case_id}").json["endTime"]
        times = _removal_times(_history(window, case_id))
        assert times == {where: {_plus(end, days)} for where in times}, (county, times)
    own = _finished(Api(client, "window_ra"), "removal_local")  # county ra's own process: ra's setting
    row = Api(client, "window_ra").get(f"/history/process-instance/{own}").json
    assert row["removalTime"] == _plus(row["endTime"], 60)


def test_an_instance_a_call_activity_started_is_removed_with_its_root_case(counties, client, clock):
    window = Api(client, "window_ra")
    root = _start(window, "removal_parent")
    [called] = window.get("/history/process-instance", superProcessInstanceId=root).json
    _complete(window, called["id"])
    assert window.get(f"/history/process-instance/{called['id']}").json["endTime"] is not None
    # ended, but its root runs: kept as long as its root will be, not yet known (its own 1 day does not apply)
    assert set().union(*_removal_times(_history(window, called["id"])).values()) == {None}
    clock.advance(days=2)
    _complete(window, root)
    end = window.get(f"/history/process-instance/{root}").json["endTime"]
    for case_id in (root, called["id"]):
        times = _removal_times(_history(window, case_id))
        assert times == {where: {_plus(end, 30)} for where in times}, (case_id, times)


def test_a_retention_past_the_last_date_is_null_and_the_definition_says_how_long(counties, client, clock):
    window = Api(client, "window_ra")
    case_id = _finished(window, "removal_forever")
    assert set().union(*_removal_times(_history(window, case_id)).values()) == {None}
    assert window.get("/process-definition/key/removal_forever").json["historyTimeToLive"] == FOREVER
    # ending at 17:00 UTC, a case is removed on its last day at 01:00 the next day in Beijing time: the last day
    # Camunda's format can write is 9999-12-31, so one day longer is never
    clock.advance(hours=15)
    last = (date(9999, 12, 31) - clock().date()).days - 1
    keys = {days: f"removal_{days}_{uuid.uuid4().hex[:6]}" for days in (last, last + 1)}
    assert deploy_files(Api(client, "designer"), {f"{key}.bpmn": window_process(key, "长期", str(days))
                                                  for days, key in keys.items()}).status_code == 200
    ended = {days: window.get(f"/history/process-instance/{_finished(window, key)}").json
             for days, key in keys.items()}
    assert ended[last]["removalTime"] == _plus(ended[last]["endTime"], last)
    assert ended[last]["removalTime"].startswith("9999-12-31T01:00")
    assert ended[last + 1]["removalTime"] is None


def test_an_incident_of_a_cancelled_case_is_removed_with_it_by_the_default_setting(counties, login_as):
    """The demo county sets no time to live: the setting's default (3653 days) applies."""
    key = f"RM-{uuid.uuid4().hex[:8]}"
    case_id = login_as("window_cg").post("/process-definition/key/message_wait/start", {
        "businessKey": key, "variables": typed(village="dongguan")}).json["id"]
    assert login_as("window_cg").post("/message", {"messageName": "ping", "processInstanceId": case_id}
                                      ).status_code == 204
    locked = login_as("verifier").post("/external-task/fetchAndLock", {"workerId": "w1", "maxTasks": 1, "topics": [
        {"topicName": "ping-check", "lockDuration": 60000, "businessKey": key}]}).json
    assert login_as("verifier").post(f"/external-task/{locked[0]['id']}/failure", {
        "workerId": "w1", "errorMessage": "接口超时", "retries": 0}).status_code == 204
    auditor = login_as("auditor")
    assert [i["removalTime"] for i in auditor.get("/history/incident", processInstanceId=case_id).json] == [None]
    assert login_as("supervisor").delete(f"/process-instance/{case_id}").status_code == 204
    end = auditor.get(f"/history/process-instance/{case_id}").json["endTime"]
    [incident] = auditor.get("/history/incident", processInstanceId=case_id).json
    assert incident["deleted"] and incident["removalTime"] == _plus(end, 3653)


def test_a_definition_without_its_own_time_to_live_answers_the_countys_setting(counties, client):
    def days(user: str, path: str) -> int:
        return Api(client, user).get(f"/process-definition{path}").json["historyTimeToLive"]

    # a shared definition: the setting of the county the user serves; the province's, the shortest in force
    assert [days(user, "/key/removal_plain") for user in ("window_ra", "window_rb", "designer")] == [60, 90, 60]
    # a county's own: that county's, whoever asks
    local = Api(client, "designer").get("/process-definition", key="removal_local").json
    assert [d["historyTimeToLive"] for d in local] == [60]
    assert days("window_ra", "/key/removal_local") == 60
    assert days("designer", "/key/removal_kept") == 30  # its own, whoever asks
    listed = {d["key"]: d["historyTimeToLive"] for d in Api(client, "window_rb").get(
        "/process-definition", keyLike="removal_%").json}
    assert {k: listed[k] for k in ("removal_plain", "removal_kept", "removal_forever")} == {
        "removal_plain": 90, "removal_kept": 30, "removal_forever": FOREVER}
    called = Api(client, "window_rb").get("/process-definition/key/removal_parent").json["id"]
    assert [d["historyTimeToLive"] for d in Api(client, "window_rb").get(
        f"/process-definition/{called}/static-called-process-definitions").json] == [1]
    made = deploy_files(Api(client, "designer"), {"again.bpmn": window_process(
        f"removal_new_{uuid.uuid4().hex[:6]}", "新部署")}, **{"tenant-id": "rb"})
    assert [d["historyTimeToLive"] for d in made.json["deployedProcessDefinitions"].values()] == [90]


@contextmanager
def _statements(app):
    counted: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith("INSERT INTO access_log"):  # the read log: an entry per case whose data is shown
            counted.append(statement)

    engine = app.extensions["runtime"].session_factory.kw["bind"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_a_page_of_many_rows_costs_no_statement_per_row(counties, app, client):
    """A page of one row and a page of many (of many cases) cost as many statements (but for the read log of the
    cases whose variables it shows): one lookup per page."""
    window = Api(client, "window_rb")
    cases = [_finished(window, "removal_plain") for _ in range(6)] + [_start(window, "removal_plain")]
    definition = window.get("/process-definition/key/removal_plain").json["id"]
    lists = {"/history/process-instance": {"processDefinitionKey": "removal_plain"},
             "/history/activity-instance": {"processDefinitionId": definition},
             "/history/task": {"processDefinitionId": definition},
             "/history/user-operation": {"processDefinitionKey": "removal_plain"},
             "/history/variable-instance": {"processInstanceIdIn": ",".join(cases)},
             "/history/detail": {"processInstanceIdIn": ",".join(cases)},
             "/process-definition": {"keyLike": "removal_%"}}
    for path, params in lists.items():
        # a page of one row of a finished case (or of a definition without its own time to live): both lookups
        first = {**params, "keyLike": "removal_pl%"} if path == "/process-definition" else params
        window.get(path, maxResults=1, **first)  # the first request of a list builds and keeps its statement
        with _statements(app) as one:
            assert len(window.get(path, maxResults=1, **first).json) == 1
        with _statements(app) as many:
            rows = window.get(path, **params).json
        assert len(rows) >= (len(cases) if path != "/process-definition" else 5), (path, len(rows))
        if path == "/process-definition":
            assert None not in {row["historyTimeToLive"] for row in rows}, rows
        else:  # the finished cases' rows have theirs, the running case's none
            assert len({row["removalTime"] for row in rows}) > 1 and None in {row["removalTime"] for row in rows}
        assert len(many) == len(one), (path, one, many)
