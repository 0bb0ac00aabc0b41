"""A call binds its version when it starts, so the caller's case holds what any version of a called process passes
out: a variable only a newer callee version's form marks personal is masked in the caller's views as in the
called instance's, for every role that sees masked data, and shown whole, and logged so, to those that handle the
applicant; what a caller marks is masked in the called instance it passes it to."""

import uuid

from tests.support.call_marks import MASKED, SECRET, filling_callee, marked_form, relaying_caller
from tests.support.deployments import deploy_files, minimal_process
from tests.support.marked import access_log, shows
from tests.support.web_client import Web


def _deploy(login_as, files: dict[str, str]) -> None:
    response = deploy_files(login_as("designer"), files)
    assert response.status_code == 200, response.json


def _run(login_as, caller: str) -> tuple[str, str]:
    """A case of `caller` whose call the window completes with the secret; return the case's id and the called
    instance's (the innermost, for a nested call)."""
    window = login_as("window_cg")
    started = window.post(f"/process-definition/key/{caller}/start", {"businessKey": f"CM-{uuid.uuid4().hex[:8]}"})
    assert started.status_code == 200, started.json
    case_id = started.json["id"]
    called = window.get("/process-instance", rootProcessInstanceId=case_id).json
    [task] = window.get("/task", processInstanceId=case_id).json or [
        t for c in called for t in window.get("/task", processInstanceId=c["id"]).json]
    done = window.post(f"/task/{task['id']}/complete", {"variables": {"secret": {"value": SECRET}}})
    assert done.status_code == 204, done.json
    return case_id, task["processInstanceId"]


def _values(api, case_id: str) -> dict:
    response = api.get(f"/process-instance/{case_id}/variables")
    assert response.status_code == 200, response.json
    return {name: variable["value"] for name, variable in response.json.items()}


def test_a_variable_only_a_newer_callee_version_marks_is_masked_in_the_callers_case(login_as, app):
    suffix = uuid.uuid4().hex[:8]
    callee, caller = f"callee_{suffix}", f"caller_{suffix}"
    _deploy(login_as, {"callee.bpmn": filling_callee(callee), "caller.bpmn": relaying_caller(caller, callee),
                       "callee.form": marked_form(f"{callee}_form", personal=False)})
    old_case, _ = _run(login_as, caller)  # version 1 marks nothing: its secret is ordinary data, shown whole
    assert _values(login_as("supervisor"), old_case)["secret"] == SECRET
    _deploy(login_as, {"callee.bpmn": filling_callee(callee),
                       "callee.form": marked_form(f"{callee}_form", personal=True)})
    case_id, called_id = _run(login_as, caller)  # the call binds version 2, whose form marks secret
    supervisor, auditor, window = login_as("supervisor"), login_as("auditor"), login_as("window_cg")
    assert _values(supervisor, called_id)["secret"] == MASKED  # the called instance's own view, as before
    # the caller's view: the variable, what the call relayed under another name and what a script copied
    masked = {name: MASKED for name in ("secret", "relayed", "copied")}
    assert {k: v for k, v in _values(supervisor, case_id).items() if k in masked} == masked
    single = supervisor.get(f"/process-instance/{case_id}/variables/relayed")
    assert single.status_code == 200 and single.json["value"] == MASKED, single.json
    history = auditor.get("/history/variable-instance", processInstanceId=case_id).json
    assert {v["name"]: v["value"] for v in history if v["name"] in masked} == masked
    page = Web(app, "supervisor").get(f"/cases/{case_id}")
    assert page.status_code == 200 and not shows(page.text, SECRET) and MASKED in page.text
    # the old case, read now, masks it too: marks cover every version a case of the caller may have called
    assert _values(supervisor, old_case)["secret"] == MASKED
    # whole to the window, which handles the applicant; each read logged with whether it was masked
    assert {k: v for k, v in _values(window, case_id).items() if k in masked} == dict.fromkeys(masked, SECRET)
    reads = [(user, masked) for user, what, masked in access_log(login_as, case_id)
             if what == "process-instance variables"]
    assert reads[0] == ("window_cg", False) and ("supervisor", True) in reads


def test_a_mark_reaches_the_caller_through_a_nested_call_and_the_version_the_call_binds(login_as):
    """caller → middle → inner: inner's version 2 marks what middle passes up and the caller relays and copies."""
    suffix = uuid.uuid4().hex[:8]
    inner, middle, caller = f"inner_{suffix}", f"middle_{suffix}", f"outer_{suffix}"
    down = (f'<bpmn:callActivity id="down" calledElement="{inner}"><bpmn:extensionElements>'
            '<camunda:out variables="all" /></bpmn:extensionElements></bpmn:callActivity>')
    middle_bpmn = minimal_process(middle, down, first="down")
    _deploy(login_as, {"inner.bpmn": filling_callee(inner), "middle.bpmn": middle_bpmn,
                       "inner.form": marked_form(f"{inner}_form", personal=False),
                       "caller.bpmn": relaying_caller(caller, middle)})
    supervisor = login_as("supervisor")
    old_case, _ = _run(login_as, caller)  # the caller's marks, read before inner's version 2 is deployed
    assert _values(supervisor, old_case)["relayed"] == SECRET
    _deploy(login_as, {"inner.bpmn": filling_callee(inner),
                       "inner.form": marked_form(f"{inner}_form", personal=True)})
    case_id, _ = _run(login_as, caller)
    values = _values(supervisor, case_id)
    assert {k: values[k] for k in ("secret", "relayed", "copied")} == dict.fromkeys(("secret", "relayed", "copied"),
                                                                                   MASKED)


def test_what_a_caller_marks_is_masked_in_the_called_instance_it_passes_it_to(login_as):
    """The caller's form marks `secret`; the call passes it in, and the called process marks nothing."""
    suffix = uuid.uuid4().hex[:8]
    callee, caller = f"plain_{suffix}", f"asker_{suffix}"
    body = (f'<bpmn:userTask id="ask" name="受理" camunda:candidateGroups="window" camunda:formRef="{caller}_form" '
            'camunda:formRefBinding="latest" />'
            f'<bpmn:callActivity id="call" calledElement="{callee}"><bpmn:extensionElements>'
            '<camunda:in source="secret" target="secret" /><camunda:in source="secret" target="contact" />'
            '</bpmn:extensionElements></bpmn:callActivity>'
            '<bpmn:sequenceFlow id="f3" sourceRef="ask" targetRef="call" />')
    caller_bpmn = minimal_process(caller, body, first="call").replace(
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="call" />',
        '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="ask" />')
    plain = minimal_process(callee, '<bpmn:userTask id="t" name="核对" camunda:candidateGroups="window" />')
    _deploy(login_as, {"plain.bpmn": plain, "asker.bpmn": caller_bpmn,
                       "asker.form": marked_form(f"{caller}_form", personal=True)})
    case_id, _ = _run(login_as, caller)
    supervisor = login_as("supervisor")
    [called] = supervisor.get("/process-instance", superProcessInstance=case_id).json
    values = _values(supervisor, called["id"])
    assert (values["secret"], values["contact"]) == (MASKED, MASKED)
    assert _values(login_as("window_cg"), called["id"])["contact"] == SECRET


def test_a_caller_version_deleted_after_the_marks_were_read_leaves_every_case_readable(login_as):
    """The marks of a called instance read every version of its callers: one deleted (no case ran on it) after the
    call graph was read is no longer among them."""
    suffix = uuid.uuid4().hex[:8]
    callee, caller = f"kept_{suffix}", f"dropped_{suffix}"
    call = minimal_process(caller, f'<bpmn:callActivity id="call" calledElement="{callee}" />', first="call")
    plain = minimal_process(callee, '<bpmn:userTask id="t" name="核对" camunda:candidateGroups="window" />')
    _deploy(login_as, {"plain.bpmn": plain, "call.bpmn": call})
    window, supervisor = login_as("window_cg"), login_as("supervisor")
    case_id = window.post(f"/process-definition/key/{caller}/start", {}).json["id"]
    [called] = window.get("/process-instance", superProcessInstance=case_id).json
    second = deploy_files(login_as("designer"), {"call.bpmn": call.replace('id="call"', 'id="call" name="调用"')})
    assert second.status_code == 200, second.json
    _values(supervisor, case_id)  # the caller's marks: the graph is read with version 2 in it
    assert login_as("designer").client.delete(f"/engine-rest/deployment/{second.json['id']}",
                                              headers=login_as("designer").headers).status_code == 204
    _values(supervisor, called["id"])  # answers 200


def test_a_call_bound_to_a_version_this_node_has_not_heard_of_masks_by_its_marks_at_once(login_as, app):
    """Another node deployed callee version 2 and its announcement has not reached this one yet: the first call
    bound to it here drops the marks this node kept, so what it passes out is masked at once."""
    suffix = uuid.uuid4().hex[:8]
    callee, caller = f"unheard_{suffix}", f"hearing_{suffix}"
    _deploy(login_as, {"callee.bpmn": filling_callee(callee), "caller.bpmn": relaying_caller(caller, callee),
                       "callee.form": marked_form(f"{callee}_form", personal=False)})
    supervisor = login_as("supervisor")
    old_case, _ = _run(login_as, caller)
    assert _values(supervisor, old_case)["secret"] == SECRET  # this node keeps the caller's marks now
    handlers = app.extensions["runtime"].broadcast._handlers["definitions"]
    heard = list(handlers)
    handlers.clear()  # the deployment below is not heard here: as one made on another node, still on its way
    try:
        _deploy(login_as, {"callee.bpmn": filling_callee(callee),
                           "callee.form": marked_form(f"{callee}_form", personal=True)})
        assert _values(supervisor, old_case)["secret"] == SECRET  # not heard of: the kept marks still hold
        case_id, _ = _run(login_as, caller)  # its call binds version 2 here
        assert _values(supervisor, case_id)["secret"] == MASKED
    finally:
        handlers.extend(heard)


def test_a_called_business_key_quoting_a_personal_value_fails_the_call(login_as):
    """A business key is shown whole to every reader of the case (village, supervisor, auditor), so a
    `camunda:in businessKey` whose value quotes a personal value of the case — a 身份证, a name — fails the command
    that reached the call, naming it (nothing is stored), rather than showing the value unmasked. An income is a
    number that may occur in any key by chance, so it is not looked for."""
    suffix = uuid.uuid4().hex[:8]
    callee, caller = f"bk_callee_{suffix}", f"bk_caller_{suffix}"
    _deploy(login_as, {"callee.bpmn": minimal_process(
        callee, '<bpmn:userTask id="t" camunda:candidateGroups="window" />')})
    window = login_as("window_cg")
    values = {"id_number": "340102199001011234", "applicant_name": "张三丰", "per_capita_income": 20, "ref": "2026-20"}
    for expression, refused in (("${id_number}", True), ("${'K-' + applicant_name}", True), ("${ref}", False)):
        key = f"{caller}_{uuid.uuid4().hex[:4]}"
        call = (f'<bpmn:callActivity id="call" calledElement="{callee}"><bpmn:extensionElements>'
                f'<camunda:in businessKey="{expression}" /></bpmn:extensionElements></bpmn:callActivity>')
        _deploy(login_as, {"caller.bpmn": minimal_process(key, call, first="call")})
        started = window.post(f"/process-definition/key/{key}/start", {
            "businessKey": f"BK-{suffix}", "variables": {k: {"value": v} for k, v in values.items()}})
        if refused:
            assert started.status_code == 422, (expression, started.json)
            assert started.json["element"] == "call" and "businessKey" in started.json["message"]
            assert values["id_number"] not in started.json["message"]
            assert login_as("supervisor").get("/process-instance", processDefinitionKey=key).json == []
        else:
            assert started.status_code == 200, started.json
            [called] = login_as("village_cg").get("/process-instance", superProcessInstance=started.json["id"]).json
            assert called["businessKey"] == "2026-20"
