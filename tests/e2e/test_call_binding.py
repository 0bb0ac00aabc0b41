"""Which version a call activity calls, as Camunda's `camunda:calledElementBinding` says: `latest` (the default) the
latest version when the call starts, `version` and `versionTag` the one they name, then; a call no version answers
fails as Camunda's does, naming the call; replay and verification bind each call as it was bound."""

import uuid

from tests.support.deployments import deploy_files, minimal_process


def _keys(*names: str) -> list[str]:
    suffix = uuid.uuid4().hex[:8]
    return [f"{n}_{suffix}" for n in names]


def _callee(key: str, name: str, tag: str | None = None) -> str:
    process = minimal_process(key, f'<bpmn:userTask id="inside" name="{name}" camunda:candidateGroups="window" />',
                              first="inside")
    if tag is not None:
        process = process.replace(f'<bpmn:process id="{key}"', f'<bpmn:process id="{key}" camunda:versionTag="{tag}"')
    return process


def _caller(key: str, callee: str, binding: str = "") -> str:
    """start → 受理 (a user task) → call → end: the call starts when 受理 is completed."""
    return minimal_process(key, '<bpmn:userTask id="accept" name="受理" camunda:candidateGroups="window" />'
                                f'<bpmn:callActivity id="call" calledElement="{callee}" {binding} />'
                                '<bpmn:sequenceFlow id="f3" sourceRef="accept" targetRef="call" />',
                           first="call").replace('<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="call" />',
                                                 '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="accept" />')


def _deploy(login_as, files: dict[str, str]) -> None:
    response = deploy_files(login_as("designer"), files)
    assert response.status_code == 200, response.json


def _start(login_as, caller: str, variables: dict | None = None) -> str:
    started = login_as("window_cg").post(f"/process-definition/key/{caller}/start", {
        "businessKey": f"{caller}-{uuid.uuid4().hex[:6]}",
        "variables": {k: {"value": v} for k, v in (variables or {}).items()}})
    assert started.status_code == 200, started.json
    return str(started.json["id"])


def _accept(login_as, case_id: str):
    window = login_as("window_cg")
    [task] = window.get("/task", processInstanceId=case_id).json
    return window.post(f"/task/{task['id']}/complete", {"variables": {}})


def _called(login_as, case_id: str) -> tuple[dict, dict]:
    """The instance the case's call started and its open task."""
    window = login_as("window_cg")
    [called] = window.get("/process-instance", superProcessInstance=case_id).json
    [task] = window.get("/task", processInstanceId=called["id"]).json
    return called, task


def _verified(login_as, case_id: str) -> dict:
    auditor = login_as("auditor")
    return auditor.client.get(f"/api/audit/cases/{case_id}/verify", headers=auditor.headers).json


def test_latest_calls_the_version_latest_when_the_call_starts_and_replay_keeps_each_binding(login_as):
    callee, caller = _keys("callee", "caller")
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第一版"), "caller.bpmn": _caller(caller, callee)})
    case_a = _start(login_as, caller)
    assert _accept(login_as, case_a).status_code == 204  # A's call starts on version 1
    case_c = _start(login_as, caller)  # C starts now, its call after version 2 is deployed
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第二版")})  # the callee only
    case_b = _start(login_as, caller)
    for case in (case_b, case_c):
        assert _accept(login_as, case).status_code == 204
    called_a, task_a = _called(login_as, case_a)
    assert called_a["definitionId"].startswith(f"{callee}:1:") and task_a["name"] == "第一版"
    for case in (case_b, case_c):
        called, task = _called(login_as, case)
        assert called["definitionId"].startswith(f"{callee}:2:") and task["name"] == "第二版"
        assert task["processDefinitionId"] == called["definitionId"]
    # a version deployed later changes no call that has started, nor how replay binds it
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第三版")})
    window = login_as("window_cg")
    assert window.post(f"/task/{task_a['id']}/complete", {"variables": {}}).status_code == 204
    assert login_as("auditor").get(f"/history/process-instance/{case_a}").json["state"] == "COMPLETED"
    for case in (case_a, case_b, case_c):
        verdict = _verified(login_as, case)
        assert verdict["ok"] is True, verdict


def test_a_call_bound_by_version_calls_that_version_a_literal_or_an_expression(login_as):
    callee, fixed, chosen = _keys("callee", "fixed", "chosen")
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第一版")})
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第二版")})
    _deploy(login_as, {
        "fixed.bpmn": _caller(fixed, callee, 'camunda:calledElementBinding="version" camunda:calledElementVersion="1"'),
        "chosen.bpmn": _caller(chosen, callee,
                               'camunda:calledElementBinding="version" camunda:calledElementVersion="${wanted}"')})
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第三版")})
    case_fixed, case_chosen = _start(login_as, fixed), _start(login_as, chosen, {"wanted": 2})
    for case in (case_fixed, case_chosen):
        assert _accept(login_as, case).status_code == 204
    assert _called(login_as, case_fixed)[1]["name"] == "第一版"
    called, task = _called(login_as, case_chosen)
    assert called["definitionId"].startswith(f"{callee}:2:") and task["name"] == "第二版"
    for case in (case_fixed, case_chosen):
        assert _verified(login_as, case)["ok"] is True


def test_a_call_bound_by_version_tag_calls_the_version_with_that_tag(login_as):
    callee, caller = _keys("callee", "caller")
    _deploy(login_as, {"callee.bpmn": _callee(callee, "标签 A", "A")})
    _deploy(login_as, {"callee.bpmn": _callee(callee, "标签 B", "B")})
    _deploy(login_as, {"caller.bpmn": _caller(
        caller, callee, 'camunda:calledElementBinding="versionTag" camunda:calledElementVersionTag="A"')})
    _deploy(login_as, {"callee.bpmn": _callee(callee, "无标签")})
    case = _start(login_as, caller)
    assert _accept(login_as, case).status_code == 204
    called, task = _called(login_as, case)
    assert called["definitionId"].startswith(f"{callee}:1:") and task["name"] == "标签 A"
    tagged = login_as("designer").get(f"/process-definition/{called['definitionId']}").json
    assert tagged["versionTag"] == "A"
    assert _verified(login_as, case)["ok"] is True


def test_a_call_no_deployed_version_answers_fails_naming_the_call_and_changes_nothing(login_as):
    callee, caller = _keys("callee", "caller")
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第一版")})
    _deploy(login_as, {"caller.bpmn": _caller(
        caller, callee, 'camunda:calledElementBinding="version" camunda:calledElementVersion="${wanted}"')})
    case = _start(login_as, caller, {"wanted": 7})
    response = _accept(login_as, case)
    assert response.status_code == 422, response.json
    assert response.json["type"] == "ProcessEngineException"
    assert f"no processes deployed with key = '{callee}', version = '7'" in response.json["message"]
    window = login_as("window_cg")
    assert [t["taskDefinitionKey"] for t in window.get("/task", processInstanceId=case).json] == ["accept"]
    assert window.get("/process-instance", superProcessInstance=case).json == []
    assert _verified(login_as, case)["ok"] is True


def test_a_call_activity_version_the_service_cannot_use_is_refused_at_deploy(login_as):
    callee, caller = _keys("callee", "caller")
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第一版")})
    designer = login_as("designer")
    for binding, says in (
            ('camunda:calledElementBinding="version" camunda:calledElementVersion="first"', "calledElementVersion"),
            ('camunda:calledElementBinding="version"', "calledElementVersion"),
            ('camunda:calledElementVersion="1"', "calledElementVersion"),
            ('camunda:calledElementBinding="versionTag"', "calledElementVersionTag"),
            ('camunda:calledElementBinding="version" camunda:calledElementVersion="${__import__}"',
             "calledElementVersion"),
            # what Java's Integer.valueOf cannot read: a superscript digit, blanks, more than an int holds
            ('camunda:calledElementBinding="version" camunda:calledElementVersion="²"', "calledElementVersion"),
            ('camunda:calledElementBinding="version" camunda:calledElementVersion=" 1"', "calledElementVersion"),
            ('camunda:calledElementBinding="version" camunda:calledElementVersion="2147483648"',
             "calledElementVersion")):
        response = deploy_files(designer, {"caller.bpmn": _caller(caller, callee, binding)})
        assert response.status_code == 400, (binding, response.json)
        assert response.json["element"] == "call" and says in response.json["message"], response.json
    assert designer.get("/process-definition", key=caller).json == []


def test_a_call_whose_version_is_suspended_fails_as_camundas_does(login_as):
    callee, caller = _keys("callee", "caller")
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第一版"), "caller.bpmn": _caller(caller, callee)})
    case = _start(login_as, caller)
    supervisor = login_as("designer")  # who may deploy may suspend a definition
    [definition] = supervisor.get("/process-definition", key=callee).json
    suspended = supervisor.put(f"/process-definition/{definition['id']}/suspended", {"suspended": True})
    assert suspended.status_code == 204, suspended.json
    response = _accept(login_as, case)
    assert response.status_code == 422 and "is suspended" in response.json["message"], response.json
    assert supervisor.put(f"/process-definition/{definition['id']}/suspended", {"suspended": False}).status_code == 204
    assert _accept(login_as, case).status_code == 204
    assert _called(login_as, case)[1]["name"] == "第一版"


def test_a_county_case_calls_its_countys_own_versions_when_the_county_deployed_the_key(login_as):
    """As a start by key: the county's own versions of the called key if it deployed any, else the shared ones."""
    callee, caller, pinned = _keys("callee", "caller", "pinned")
    _deploy(login_as, {"callee.bpmn": _callee(callee, "省级第一版"), "caller.bpmn": _caller(caller, callee),
                       "pinned.bpmn": _caller(pinned, callee, 'camunda:calledElementBinding="version" '
                                                              'camunda:calledElementVersion="2"')})
    _deploy(login_as, {"callee.bpmn": _callee(callee, "省级第二版")})
    before = _start(login_as, caller)
    assert _accept(login_as, before).status_code == 204
    assert _called(login_as, before)[1]["name"] == "省级第二版"  # 示范县 has none of its own yet
    response = deploy_files(login_as("designer_sfx"), {"callee.bpmn": _callee(callee, "县版")}, **{"tenant-id": "sfx"})
    assert response.status_code == 200, response.json
    county = _start(login_as, caller)
    assert _accept(login_as, county).status_code == 204
    called, task = _called(login_as, county)
    assert task["name"] == "县版" and called["tenantId"] == "sfx"
    missing = _start(login_as, pinned)  # the county's versions of the key: it has only its version 1
    response = _accept(login_as, missing)
    assert response.status_code == 422 and "version = '2'" in response.json["message"], response.json


def test_the_statically_called_definitions_are_those_the_calls_would_bind_now(login_as):
    """Camunda's static-called-process-definitions resolves each call activity by its binding now; one whose version
    is an expression is not resolved."""
    callee, caller = _keys("callee", "caller")
    calls = (f'<bpmn:callActivity id="pinned" calledElement="{callee}" camunda:calledElementBinding="version" '
             'camunda:calledElementVersion="1" />'
             f'<bpmn:callActivity id="chosen" calledElement="{callee}" camunda:calledElementBinding="version" '
             'camunda:calledElementVersion="${wanted}" />'
             '<bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="pinned" />'
             '<bpmn:sequenceFlow id="f4" sourceRef="pinned" targetRef="chosen" />')
    calling = _caller(caller, callee).replace('<bpmn:sequenceFlow id="f2" sourceRef="call"',
                                              '<bpmn:sequenceFlow id="f2" sourceRef="chosen"').replace(
        '<bpmn:sequenceFlow id="f3" sourceRef="accept" targetRef="call" />',
        '<bpmn:sequenceFlow id="f5" sourceRef="accept" targetRef="call" />' + calls)
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第一版"), "caller.bpmn": calling})
    auditor = login_as("auditor")
    [definition] = auditor.get("/process-definition", key=caller).json

    def called() -> list[tuple[str, int, list[str]]]:
        found = auditor.get(f"/process-definition/{definition['id']}/static-called-process-definitions").json
        return [(c["key"], c["version"], c["calledFromActivityIds"]) for c in found]

    assert called() == [(callee, 1, ["call", "pinned"])]
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第二版")})
    assert sorted(called(), key=lambda c: c[1]) == [(callee, 1, ["pinned"]), (callee, 2, ["call"])]


def test_a_call_a_modification_starts_binds_then_and_its_event_records_it(login_as):
    callee, caller = _keys("callee", "caller")
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第一版"), "caller.bpmn": _caller(caller, callee)})
    case = _start(login_as, caller)
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第二版")})
    supervisor = login_as("supervisor")
    tree = supervisor.get(f"/process-instance/{case}/activity-instances").json
    [accept] = [a["id"] for a in tree["childActivityInstances"] if a["activityId"] == "accept"]
    moved = supervisor.post(f"/process-instance/{case}/modification", {"instructions": [
        {"type": "startBeforeActivity", "activityId": "call"}, {"type": "cancel", "activityInstanceId": accept}]})
    assert moved.status_code == 204, moved.json
    called, task = _called(login_as, case)
    assert called["definitionId"].startswith(f"{callee}:2:") and task["name"] == "第二版"
    auditor = login_as("auditor")
    events = auditor.client.get(f"/api/audit/cases/{case}/events", headers=auditor.headers).json["events"]
    assert events[1]["command"] == "modification"
    assert events[1]["inputs"]["calledDefinitions"] == {called["id"]: called["definitionId"]}
    assert _verified(login_as, case)["ok"] is True


def test_a_version_number_is_read_as_camundas_integer_valueof_reads_it(login_as):
    """A version an expression gives as text is read as Java's Integer.valueOf reads it: decimal digits of any
    script (`２` is 2); a superscript digit or a blank is no number, and the call fails naming it (Camunda's
    NumberFormatException), as a literal one is refused at deploy."""
    callee, caller, literal = _keys("callee", "caller", "literal")
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第一版")})
    _deploy(login_as, {"callee.bpmn": _callee(callee, "第二版")})
    _deploy(login_as, {
        "caller.bpmn": _caller(caller, callee,
                               'camunda:calledElementBinding="version" camunda:calledElementVersion="${wanted}"'),
        "literal.bpmn": _caller(literal, callee,
                                'camunda:calledElementBinding="version" camunda:calledElementVersion="２"')})
    for wanted in ("²", " 2", "2 "):
        case = _start(login_as, caller, {"wanted": wanted})
        response = _accept(login_as, case)
        assert response.status_code == 422, (wanted, response.json)
        assert response.json["element"] == "call" and "calledElementVersion" in response.json["message"]
        assert login_as("window_cg").get("/process-instance", superProcessInstance=case).json == []
    for case in (_start(login_as, caller, {"wanted": "２"}), _start(login_as, literal)):
        assert _accept(login_as, case).status_code == 204
        called, task = _called(login_as, case)
        assert called["definitionId"].startswith(f"{callee}:2:") and task["name"] == "第二版"
