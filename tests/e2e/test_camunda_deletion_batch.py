"""POST /process-instance/delete: Camunda's deletion batch, carried out before the answer (all or none) and
reported as a batch already run; each case ends with the reason given, as DELETE /process-instance/{id} ends one."""

import uuid


def _started(login_as) -> str:
    started = login_as("window_cg").post("/process-definition/key/dibao/start",
                                         {"businessKey": f"DEL-{uuid.uuid4().hex[:8]}"})
    assert started.status_code == 200, started.json
    return started.json["id"]


def test_deletion_batch_cancels_every_case_named_with_its_reason(login_as):
    cases = [_started(login_as) for _ in range(2)]
    supervisor = login_as("supervisor")
    batch = supervisor.post("/process-instance/delete", {"processInstanceIds": cases, "deleteReason": "重复申请",
                                                          "skipCustomListeners": True})
    assert batch.status_code == 200, batch.json
    assert (batch.json["type"], batch.json["totalJobs"], batch.json["jobsCreated"]) == ("instance-deletion", 2, 2)
    for case_id in cases:
        history = supervisor.get(f"/history/process-instance/{case_id}").json
        assert (history["state"], history["deleteReason"]) == ("EXTERNALLY_TERMINATED", "重复申请"), history
        assert supervisor.get(f"/process-instance/{case_id}").status_code == 404
    listed = supervisor.get("/history/process-instance", processInstanceIds=",".join(cases)).json
    assert [row["deleteReason"] for row in listed] == ["重复申请", "重复申请"]


def test_deletion_batch_is_all_or_none_and_refuses_what_it_cannot_do(login_as):
    running = _started(login_as)
    supervisor = login_as("supervisor")
    missing = supervisor.post("/process-instance/delete", {"processInstanceIds": [running, "no-such-case"]})
    assert missing.status_code == 404 and missing.json["field"] == "processInstanceIds"
    assert supervisor.get(f"/process-instance/{running}").status_code == 200  # nothing cancelled
    for field, value in (("processInstanceQuery", {"processDefinitionKey": "dibao"}),
                         ("historicProcessInstanceQuery", {"processDefinitionKey": "dibao"}),
                         ("skipSubprocesses", True), ("processInstanceIds", [])):
        body = {"processInstanceIds": [running], field: value}
        refused = supervisor.post("/process-instance/delete", body)
        assert refused.status_code == 400 and refused.json["field"] == field, (field, refused.json)
    assert login_as("window_cg").post("/process-instance/delete",
                                      {"processInstanceIds": [running]}).status_code == 403
