"""作废: an application abandoned after 受理并开始办理 is voided with a reason, as an event of the case."""

from tests.support.dibao_steps import Case
from tests.support.web_client import Web


def test_the_window_voids_an_abandoned_application_and_it_leaves_the_inbox(app, login_as, clock):
    web = Web(app, "window_cg")
    started = web.post("/cases/new", {"process": "dibao", "village": "dongguan"})
    task_id = started.location.rsplit("/", 1)[1]
    case_id = login_as("window_cg").get(f"/task/{task_id}").json["processInstanceId"]
    assert task_id in web.get("/inbox", size=100).text
    assert Web(app, "window_hd").post(f"/cases/{case_id}/void", {"reason": "重复登记"}).status_code == 404
    refused = web.post(f"/cases/{case_id}/void", {"reason": "  "})
    assert refused.status_code == 302 and "请写明作废原因" in web.get(f"/cases/{case_id}").text

    assert web.post(f"/cases/{case_id}/void", {"reason": "申请人放弃申请"}).status_code == 302
    page = web.get(f"/cases/{case_id}").text
    assert "此申请已作废" in page and "城关镇受理窗口" in page and "申请人放弃申请" in page
    assert task_id not in web.get("/inbox", size=100).text
    assert login_as("auditor").get(f"/history/process-instance/{case_id}").json["state"] == "EXTERNALLY_TERMINATED"
    events = login_as("auditor").client.get(f"/api/audit/cases/{case_id}/events",
                                             headers=login_as("auditor").headers).json["events"]
    assert events[-1]["command"] == "void" and events[-1]["inputs"] == {"reason": "申请人放弃申请"}
    verdict = login_as("auditor").client.get(f"/api/audit/cases/{case_id}/verify", headers=login_as("auditor").headers)
    assert verdict.json["ok"], verdict.json  # replay runs the void as the live path did
    timeline = Web(app, "auditor").get(f"/auditor/cases/{case_id}").text
    assert "城关镇受理窗口 申请作废" in timeline and "<td>原因</td><td>—</td><td>申请人放弃申请</td>" in timeline


def test_an_accepted_case_is_voided_only_by_a_supervisor(app, login_as, clock):
    case = Case(login_as)
    case.accept()
    refused = Web(app, "window_cg").post(f"/cases/{case.id}/void", {"reason": "申请人外出务工"})
    assert refused.status_code == 403 and "报督导作废" in refused.text
    assert Web(app, "supervisor").post(f"/cases/{case.id}/void", {"reason": "申请人书面撤回申请"}).status_code == 302
    assert case.history()["state"] == "EXTERNALLY_TERMINATED"
    assert Web(app, "supervisor").post(f"/cases/{case.id}/void", {"reason": "再次"}).status_code == 302  # 409: flashed
