"""待处理的故障: a supervisor sees failed timers and external tasks in words and retries them from the page."""

import re
import uuid

from tests.conftest import Api
from tests.support.deployments import deploy_fixture
from tests.support.external_tasks import fetch_and_lock, reach_check, start_message_wait
from tests.support.staff_words import machine_words, visible_text
from tests.support.timer_cases import fail_three_times, incidents_of, start_failing_case
from tests.support.web_client import Web


def _listed(page: str) -> list[str]:
    return re.findall(r'<tr data-incident="([^"]+)">', page)


def test_failed_work_is_listed_in_words_and_retried_from_the_page(app, runtime, login_as, clock):
    deploy_fixture(Api(app.test_client(), "designer"), "message_wait.bpmn")
    key = f"故障-{uuid.uuid4().int % 10**10}"
    task_case = start_message_wait(login_as, key)
    reach_check(login_as, task_case)
    task_id = fetch_and_lock(login_as, businessKey=key)[0]["id"]
    assert login_as("verifier").post(f"/external-task/{task_id}/failure", {
        "workerId": "w1", "errorMessage": "Connection refused", "retries": 0}).status_code == 204
    job_case = start_failing_case(login_as)
    supervisor = login_as("supervisor")
    job = fail_three_times(runtime, supervisor, job_case, clock)

    web = Web(app, "supervisor")
    assert "/supervisor/incidents" in web.get("/supervisor").text
    page = web.get("/supervisor/incidents").text
    assert set(_listed(page)) == {task_id, job["id"]}
    text = visible_text(page)
    assert machine_words(text) == [], machine_words(text)
    assert key in text and "核对" in text and "外部系统对接失败" in text and "计时触发失败" in text
    assert "Connection" not in page and task_id not in text
    assert "脚本执行失败（技术细节见运维日志）" in text  # the service's words kept, the library's message left out

    url = f"/supervisor/incidents/{task_id}/retry"
    assert web.post(url, csrf=False).status_code == 403
    assert Web(app, "window_cg").post(url).status_code == 403
    assert Web(app, "window_cg").get("/supervisor/incidents").status_code == 403
    assert _listed(web.get("/supervisor/incidents").text) != []  # none of those retried it
    assert web.post(url).status_code == 302
    assert supervisor.get(f"/external-task/{task_id}").json["retries"] == 1
    assert [t["id"] for t in fetch_and_lock(login_as, businessKey=key)] == [task_id]  # a worker gets it again
    assert web.post(f"/supervisor/incidents/{job['id']}/retry").status_code == 302
    assert incidents_of(supervisor, job_case) == [] and _listed(web.get("/supervisor/incidents").text) == []
    assert supervisor.get(f"/job/{job['id']}").json["retries"] == 1
    assert web.post(url).status_code == 404  # resolved already
