"""One valid request per endpoint of the matrix, aimed at a target case, closure, token or escalation."""

import itertools
import uuid
from datetime import UTC, datetime

from sqlalchemy import select

from app.domain.actors import SYSTEM, Actor
from app.services.cases import complete_task
from app.services.commands import CompleteTask
from app.services.payroll.runs import start_run
from app.store.tables import Benefit, BenefitChange, JobLog, Task
from tests.conftest import typed
from tests.support import diagrams as d
from tests.support.dibao_steps import valid_id_number
from tests.support.marked import EVERY_FIELD
from tests.support.matrix_setup import DECISION, KEY, MESSAGE, TENANT, TENANT_KEY, WORKER, escalation_of

_days = itertools.count(1)


def _day() -> str:
    n = next(_days)
    return f"2031-{1 + n // 28 % 12:02d}-{1 + n % 28:02d}"


def _deployment(ctx, t, who):
    key = f"mx_{uuid.uuid4().hex[:8]}"
    files = {f"{key}.bpmn": d.user_task(key).encode()}
    return {"deploy": files, "fields": {"tenant-id": "sfx"}}  # the county's designer deploys for the county


def _closure(ctx, t, who):
    if "closure" not in t.extra:
        owner = "designer" if t.scope == "own" else "designer_qt"
        made = ctx.call(owner, "POST", "/api/calendar/closures",
                        json={"org": t.township, "day": _day(), "reason": "matrix"})
        assert made.status_code in (200, 201), made.json
        t.extra["closure"] = made.json["id"]
    return t.extra["closure"]


def _recompute(ctx, t, who):
    """The recompute of a closure of the target's township, made by a designer of that scope."""
    if "recompute" not in t.extra:
        owner = "designer" if t.scope == "own" else "designer_qt"
        made = ctx.call(owner, "POST", "/api/calendar/closures",
                        json={"org": t.township, "day": _day(), "reason": "matrix"})
        assert made.status_code == 201, made.json
        t.extra["recompute"] = made.json["recompute"]["id"]
    return t.extra["recompute"]


def _token(ctx, t, who):
    """The caller's own token when they may hold one (own scope), else another user's."""
    owner = who if t.scope == "own" and ctx.may_hold_token(who) else ("designer" if t.scope == "own" else "designer_qt")
    made = ctx.call(owner, "POST", "/api/tokens", json={"name": "matrix"})
    assert made.status_code == 201, made.json
    return made.json["id"]


def _year(ctx) -> int:
    loaded = ctx.call("designer", "PUT", "/api/calendar/2031",
                      json={"year": 2031, "holidays": {"2031-01-01": "元旦"}, "workdays": {}})
    assert loaded.status_code in (200, 204), loaded.json
    return 2031


_RUNS: dict[str, int] = {}  # county -> a payment run of 2001-01 (frozen in the own county, so a correction may follow)


def _payroll_run(ctx, t) -> int:
    if t.county not in _RUNS:
        _household(ctx, t)
        _RUNS[t.county] = start_run(ctx.runtime, SYSTEM, t.county, "2001-01")
        if t.scope == "own":
            for activity, user, values in (("payroll_review", "finance", {"review_decision": "approve"}),
                                           ("payroll_confirm", "finance2", {"confirm_decision": "confirm"})):
                with ctx.runtime.unit_of_work() as uow:
                    task = uow.session.scalar(select(Task.id).where(Task.activity_id == activity,
                                                                    Task.business_key == f"PR-{t.county}-2001-01"))
                complete_task(ctx.runtime, CompleteTask(Actor(user, "/sfx/", frozenset({"finance"})), task, values))
    return _RUNS[t.county]


def _household(ctx, t) -> None:
    """The probe case as a household paid from 2001-01, so the own county's roll has a line for the bank."""
    moment = datetime(2001, 1, 1, tzinfo=UTC)
    with ctx.runtime.unit_of_work() as uow:
        uow.session.add(Benefit(process_instance_id=t.case_id, definition_key="dibao", org_path=f"/{t.county}/",
                                township_path=f"/{t.county}/{t.township}/", county_path=f"/{t.county}/",
                                applicant_name="探针", id_number=valid_id_number(), household_size=1,
                                bank_account=ACCOUNT, payment_from="2001-01", updated_at=moment, tenant_id=t.county))
        uow.session.add(BenefitChange(process_instance_id=t.case_id, county_path=f"/{t.county}/",
                                      effective_month="2001-01", amount_fen=10000, reason="approval",
                                      recorded_at=moment, tenant_id=t.county))
        uow.commit()


ACCOUNT = "6217000000000000011"


def _bank_result(ctx, t, w):
    run = _payroll_run(ctx, t)
    content = "序号,银行账号,金额,状态\n1,6217000000000000011,100.00,成功\n".encode()
    return {"path": f"/api/payroll/runs/{run}/bank-result", "upload": {"file": (content, "result.csv")}}


def _standard(t) -> dict:
    """The demo standard again, from a month only the probe household is paid in: nothing else changes."""
    return {"county": t.county, "standard": 800, "effectiveMonth": "2001-01"}


def _new_run(ctx, t, w):
    if t.scope == "own":
        _payroll_run(ctx, t)
        return {"path": "/api/payroll/runs", "json": {"county": t.county, "month": "2001-01", "kind": "correction"}}
    return {"path": "/api/payroll/runs", "json": {"county": t.county, "month": "2001-02"}}


def _file_variable(ctx, t, who) -> str:
    """The target case's File variable (set once by a supervisor of its county)."""
    if "file" not in t.extra:
        made = ctx.call("supervisor", "PUT", f"{ER}/process-instance/{t.case_id}/variables/matrix_file",
                        json={"value": "bWF0cml4", "type": "File", "valueInfo": {"filename": "m.txt"}})
        assert made.status_code in (204, 404), made.json  # another county's case is out of the supervisor's reach
        t.extra["file"] = "matrix_file"
    return t.extra["file"]


def _attachment(ctx, t, who) -> str:
    """An attachment on the target's task, added by a window of its township."""
    owner = "window_cg" if t.scope == "own" else "window_qt"
    made = ctx.call(owner, "POST", f"{ER}/task/{t.task_id}/attachment/create",
                    upload={"attachment-name": (b"matrix.pdf", "n"), "content": (b"%PDF-1.4 matrix", "m.pdf")})
    assert made.status_code == 200, made.json
    return made.json["id"]


def _shared_attachment(ctx, t, who) -> str:
    if "attachment" not in t.extra:
        t.extra["attachment"] = _attachment(ctx, t, who)
    return t.extra["attachment"]


def _comment(ctx, t, who) -> str:
    """A comment on the target's user task (written once by the window of its county)."""
    if "comment" not in t.extra:
        writer = "window_cg" if t.scope == "own" else "window_qt"
        made = ctx.call(writer, "POST", f"{ER}/task/{t.task_id}/comment/create", json={"message": "材料齐全"})
        assert made.status_code == 200, made.json
        t.extra["comment"] = made.json["id"]
    return t.extra["comment"]


def _incident(ctx, t, who) -> str:
    """The target's external task failed for good: its incident (a target kept for this)."""
    if "incident" not in t.extra:
        worker = "verifier" if t.scope == "own" else "verifier_qt"
        failed = ctx.call(worker, "POST", f"{ER}/external-task/{t.external_task_id}/failure",
                          json={"workerId": WORKER, "errorMessage": "matrix", "retries": 0})
        assert failed.status_code == 204, failed.json
        t.extra["incident"] = t.external_task_id
    return t.extra["incident"]


def _job_log(ctx, t, who) -> str:
    """The creation entry of the target's timer job in the job log."""
    with ctx.runtime.reading() as uow:
        return uow.session.scalar(select(JobLog.id).where(JobLog.job_id == t.job_id, JobLog.state == "created"))


def _fresh_deployment(ctx, t, who) -> str:
    return _deployed(ctx, t, who)["id"]


def _deployed(ctx, t, who) -> dict:
    made = ctx.call("designer", "POST", f"{ER}/deployment/create", **_deployment(ctx, t, who))
    assert made.status_code == 200, made.json
    return made.json


def _county_definition_id(ctx, t, who) -> str:
    """A definition of the county's own (a county's designer suspends only those)."""
    return next(iter(_deployed(ctx, t, who)["deployedProcessDefinitions"]))


def _county_key(ctx, t, who) -> str:
    return _county_definition_id(ctx, t, who).split(":")[0]


def _form_task(ctx, t, who) -> str:
    """A task bound to a deployed form: a 低保 case's 受理 in the target's county."""
    if "form_task" not in t.extra:
        starter = "window_cg" if t.scope == "own" else "window_qt"
        case = ctx.call(starter, "POST", f"{ER}/process-definition/key/dibao/start", json={})
        assert case.status_code == 200, case.json
        tasks = ctx.call("supervisor" if t.scope == "own" else starter, "GET",
                         f"{ER}/task?processInstanceId={case.json['id']}")
        t.extra["form_task"] = tasks.json[0]["id"]
    return t.extra["form_task"]


def _definition_id(ctx) -> str:
    return ctx.call("designer", "GET", f"{ER}/process-definition/key/{KEY}").json["id"]


def _self_plan(ctx, generated: bool = True) -> dict:
    """A migration plan from the probe's definition to itself (every activity to itself)."""
    ids = {"sourceProcessDefinitionId": _definition_id(ctx), "targetProcessDefinitionId": _definition_id(ctx)}
    return ctx.call("designer", "POST", f"{ER}/migration/generate", json=ids).json if generated else ids


def _deployment_id(ctx) -> str:
    return ctx.call("designer", "GET", f"{ER}/process-definition/key/{KEY}").json["deploymentId"]


def _resource_id(ctx) -> str:
    return ctx.call("designer", "GET", f"{ER}/deployment/{_deployment_id(ctx)}/resources").json[0]["id"]


def _decision_id(ctx) -> str:
    return ctx.call("designer", "GET", f"{ER}/decision-definition/key/{DECISION}").json["id"]


TIER_INPUTS = {"variables": typed(amount_to_approve=800.0, linshi_township_decides=True, township_approval_limit=1000,
                                  county_approval_limit=20000)}


def _user(t) -> str:
    return "village_cg" if t.scope == "own" else "window_qt"  # the own county's user every role there sees


ER = "/engine-rest"
# (method, rule) -> function(ctx, target, username) -> dict(path=..., json=... | deploy=...)
REQUESTS = {
    ("GET", "/api/audit/access-log"): lambda c, t, w: {"path": "/api/audit/access-log"},
    ("GET", "/api/audit/archived-cases"): lambda c, t, w: {"path": "/api/audit/archived-cases"},
    ("GET", "/api/audit/cases/<case_id>/events"): lambda c, t, w: {"path": f"/api/audit/cases/{t.case_id}/events"},
    ("GET", "/api/audit/cases/<case_id>/events/<seq>/state"):
        lambda c, t, w: {"path": f"/api/audit/cases/{t.case_id}/events/1/state"},
    ("GET", "/api/audit/cases/<case_id>/verify"): lambda c, t, w: {"path": f"/api/audit/cases/{t.case_id}/verify"},
    ("GET", "/api/audit/cases/<case_id>/rebaselines"):
        lambda c, t, w: {"path": f"/api/audit/cases/{t.case_id}/rebaselines"},
    ("GET", "/api/audit/verify"): lambda c, t, w: {"path": "/api/audit/verify"},
    ("PUT", "/api/calendar/<int:year>"): lambda c, t, w: {
        "path": "/api/calendar/2031", "json": {"year": 2031, "holidays": {"2031-01-01": "元旦"}, "workdays": {}}},
    ("GET", "/api/calendar/<int:year>"): lambda c, t, w: {"path": f"/api/calendar/{_year(c)}"},
    ("POST", "/api/calendar/closures"): lambda c, t, w: {
        "path": "/api/calendar/closures", "json": {"org": t.township, "day": _day(), "reason": "停电"}},
    ("GET", "/api/calendar/closures"): lambda c, t, w: {"path": "/api/calendar/closures"},
    ("DELETE", "/api/calendar/closures/<int:closure_id>"):
        lambda c, t, w: {"path": f"/api/calendar/closures/{_closure(c, t, w)}"},
    ("GET", "/api/calendar/recomputes/<int:recompute_id>"):
        lambda c, t, w: {"path": f"/api/calendar/recomputes/{_recompute(c, t, w)}"},
    ("GET", "/api/cases/<case_id>/notices"): lambda c, t, w: {"path": f"/api/cases/{t.case_id}/notices"},
    ("GET", "/api/cases/<case_id>/notices/<notice_id>/pdf"):
        lambda c, t, w: {"path": f"/api/cases/{t.case_id}/notices/{t.notice_id}/pdf"},
    ("GET", "/api/counties/<county>/settings"): lambda c, t, w: {"path": f"/api/counties/{t.county}/settings"},
    ("PUT", "/api/counties/<county>/settings/<key>"): lambda c, t, w: {
        "path": f"/api/counties/{t.county}/settings/township_decides", "json": {"value": False}},
    ("GET", "/api/payroll/runs"): lambda c, t, w: {"path": "/api/payroll/runs?month=2001-01"},
    ("POST", "/api/payroll/runs"): _new_run,
    ("GET", "/api/payroll/runs/<int:run_id>"): lambda c, t, w: {"path": f"/api/payroll/runs/{_payroll_run(c, t)}"},
    ("GET", "/api/payroll/runs/<int:run_id>/lines"):
        lambda c, t, w: {"path": f"/api/payroll/runs/{_payroll_run(c, t)}/lines"},
    ("GET", "/api/payroll/runs/<int:run_id>/roster.pdf"):
        lambda c, t, w: {"path": f"/api/payroll/runs/{_payroll_run(c, t)}/roster.pdf?township={t.township}"},
    ("POST", "/api/payroll/runs/<int:run_id>/bank-result"): _bank_result,
    ("POST", "/api/payroll/standards/preview"): lambda c, t, w: {
        "path": "/api/payroll/standards/preview", "json": _standard(t)},
    ("POST", "/api/payroll/standards"): lambda c, t, w: {"path": "/api/payroll/standards", "json": _standard(t)},
    ("GET", "/api/cases/<case_id>/payments"): lambda c, t, w: {"path": f"/api/cases/{t.case_id}/payments"},
    ("GET", "/api/households/<id_number>/findings"):
        lambda c, t, w: {"path": f"/api/households/{valid_id_number()}/findings"},
    ("GET", "/api/supervision/compliance"): lambda c, t, w: {"path": "/api/supervision/compliance"},
    ("GET", "/api/supervision/escalations"): lambda c, t, w: {"path": "/api/supervision/escalations"},
    ("POST", "/api/supervision/escalations/<int:escalation_id>"): lambda c, t, w: {
        "path": f"/api/supervision/escalations/{escalation_of(c.login_as, c.runtime, t)}",
        "json": {"action": "acknowledge"}},
    ("GET", "/api/supervision/tasks"): lambda c, t, w: {"path": "/api/supervision/tasks"},
    ("POST", "/api/tokens"): lambda c, t, w: {"path": "/api/tokens", "json": {"name": "matrix"}},
    ("GET", "/api/tokens"): lambda c, t, w: {"path": "/api/tokens"},
    ("DELETE", "/api/tokens/<int:token_id>"): lambda c, t, w: {"path": f"/api/tokens/{_token(c, t, w)}"},
    ("POST", f"{ER}/deployment/create"): lambda c, t, w: {"path": f"{ER}/deployment/create", **_deployment(c, t, w)},
    ("POST", f"{ER}/external-task/<task_id>/bpmnError"): lambda c, t, w: {
        "path": f"{ER}/external-task/{t.external_task_id}/bpmnError",
        "json": {"workerId": WORKER, "errorCode": "MATRIX_ERR"}},
    ("POST", f"{ER}/external-task/<task_id>/complete"): lambda c, t, w: {
        "path": f"{ER}/external-task/{t.external_task_id}/complete", "json": {"workerId": WORKER}},
    ("POST", f"{ER}/external-task/<task_id>/extendLock"): lambda c, t, w: {
        "path": f"{ER}/external-task/{t.external_task_id}/extendLock",
        "json": {"workerId": WORKER, "newDuration": 60000}},
    ("POST", f"{ER}/external-task/<task_id>/failure"): lambda c, t, w: {
        "path": f"{ER}/external-task/{t.external_task_id}/failure",
        "json": {"workerId": WORKER, "errorMessage": "matrix", "retries": 1, "retryTimeout": 1000}},
    ("POST", f"{ER}/external-task/<task_id>/unlock"): lambda c, t, w: {
        "path": f"{ER}/external-task/{t.external_task_id}/unlock", "json": {}},
    ("POST", f"{ER}/external-task/<task_id>/lock"): lambda c, t, w: {
        "path": f"{ER}/external-task/{t.external_task_id}/lock", "json": {"workerId": WORKER, "lockDuration": 60000}},
    ("GET", f"{ER}/external-task"): lambda c, t, w: {"path": f"{ER}/external-task?processInstanceId={t.case_id}"},
    ("POST", f"{ER}/external-task"): lambda c, t, w: {
        "path": f"{ER}/external-task", "json": {"processInstanceId": t.case_id}},
    ("GET", f"{ER}/external-task/count"): lambda c, t, w: {"path": f"{ER}/external-task/count"},
    ("POST", f"{ER}/external-task/count"): lambda c, t, w: {"path": f"{ER}/external-task/count", "json": {}},
    ("GET", f"{ER}/external-task/topic-names"): lambda c, t, w: {"path": f"{ER}/external-task/topic-names"},
    ("GET", f"{ER}/external-task/<task_id>"): lambda c, t, w: {"path": f"{ER}/external-task/{t.external_task_id}"},
    ("GET", f"{ER}/external-task/<task_id>/errorDetails"):
        lambda c, t, w: {"path": f"{ER}/external-task/{t.external_task_id}/errorDetails"},
    ("PUT", f"{ER}/external-task/<task_id>/retries"): lambda c, t, w: {
        "path": f"{ER}/external-task/{t.external_task_id}/retries", "json": {"retries": 2}},
    ("PUT", f"{ER}/external-task/retries"): lambda c, t, w: {
        "path": f"{ER}/external-task/retries", "json": {"retries": 2, "externalTaskIds": [t.external_task_id]}},
    ("PUT", f"{ER}/external-task/<task_id>/priority"): lambda c, t, w: {
        "path": f"{ER}/external-task/{t.external_task_id}/priority", "json": {"priority": 7}},
    ("POST", f"{ER}/external-task/fetchAndLock"): lambda c, t, w: {
        "path": f"{ER}/external-task/fetchAndLock", "json": {"workerId": "matrix-probe", "maxTasks": 1,
                                                             "topics": [{"topicName": "none", "lockDuration": 1000}]}},
    ("GET", f"{ER}/history/activity-instance"):
        lambda c, t, w: {"path": f"{ER}/history/activity-instance?processInstanceId={t.case_id}"},
    ("GET", f"{ER}/history/process-instance"):
        lambda c, t, w: {"path": f"{ER}/history/process-instance?processDefinitionKey={KEY}"},
    ("GET", f"{ER}/history/process-instance/<instance_id>"):
        lambda c, t, w: {"path": f"{ER}/history/process-instance/{t.case_id}"},
    ("GET", f"{ER}/history/task"): lambda c, t, w: {"path": f"{ER}/history/task?processInstanceId={t.case_id}"},
    ("GET", f"{ER}/history/variable-instance"):
        lambda c, t, w: {"path": f"{ER}/history/variable-instance?processInstanceId={t.case_id}"},
    ("GET", f"{ER}/incident"): lambda c, t, w: {"path": f"{ER}/incident?processInstanceId={t.case_id}"},
    ("GET", f"{ER}/incident/count"): lambda c, t, w: {"path": f"{ER}/incident/count"},
    ("GET", f"{ER}/incident/<incident_id>"): lambda c, t, w: {"path": f"{ER}/incident/{_incident(c, t, w)}"},
    ("GET", f"{ER}/job/<job_id>"): lambda c, t, w: {"path": f"{ER}/job/{t.job_id}"},
    ("GET", f"{ER}/job/<job_id>/stacktrace"): lambda c, t, w: {"path": f"{ER}/job/{t.job_id}/stacktrace"},
    ("GET", f"{ER}/history/activity-instance/<activity_id>"):
        lambda c, t, w: {"path": f"{ER}/history/activity-instance/{t.task_id}"},
    ("GET", f"{ER}/history/variable-instance/<variable_id>"):
        lambda c, t, w: {"path": f"{ER}/history/variable-instance/{t.case_id}:{_file_variable(c, t, w)}"},
    ("GET", f"{ER}/history/variable-instance/<variable_id>/data"):
        lambda c, t, w: {"path": f"{ER}/history/variable-instance/{t.case_id}:{_file_variable(c, t, w)}/data"},
    **{(method, f"{ER}/history/{name}{rest}"): (lambda c, t, w, name=name, rest=rest, method=method: {
        "path": f"{ER}/history/{name}{rest}",
        **({"json": {"processInstanceId": t.case_id}} if method == "POST" else {})})
       for name in ("process-instance", "activity-instance", "task", "variable-instance")
       for method, rest in (("POST", ""), ("GET", "/count"), ("POST", "/count"))},
    ("GET", f"{ER}/history/detail"): lambda c, t, w: {
        "path": f"{ER}/history/detail?processInstanceId={t.case_id}"},
    ("POST", f"{ER}/history/detail"): lambda c, t, w: {
        "path": f"{ER}/history/detail", "json": {"processInstanceId": t.case_id}},
    ("GET", f"{ER}/history/detail/count"): lambda c, t, w: {
        "path": f"{ER}/history/detail/count?processInstanceId={t.case_id}"},
    ("GET", f"{ER}/history/detail/<detail_id>"): lambda c, t, w: {
        "path": f"{ER}/history/detail/{t.case_id}:1:phone"},
    ("GET", f"{ER}/history/user-operation"): lambda c, t, w: {
        "path": f"{ER}/history/user-operation?processInstanceId={t.case_id}"},
    ("GET", f"{ER}/history/user-operation/count"): lambda c, t, w: {"path": f"{ER}/history/user-operation/count"},
    ("GET", f"{ER}/history/incident"): lambda c, t, w: {
        "path": f"{ER}/history/incident?processInstanceId={t.case_id}" if _incident(c, t, w) else ""},
    ("GET", f"{ER}/history/incident/count"): lambda c, t, w: {"path": f"{ER}/history/incident/count"},
    ("GET", f"{ER}/history/job-log"): lambda c, t, w: {"path": f"{ER}/history/job-log?jobId={t.job_id}"},
    ("POST", f"{ER}/history/job-log"): lambda c, t, w: {
        "path": f"{ER}/history/job-log", "json": {"jobId": t.job_id}},
    ("GET", f"{ER}/history/job-log/count"): lambda c, t, w: {"path": f"{ER}/history/job-log/count"},
    ("POST", f"{ER}/history/job-log/count"): lambda c, t, w: {"path": f"{ER}/history/job-log/count", "json": {}},
    ("GET", f"{ER}/history/job-log/<log_id>"): lambda c, t, w: {"path": f"{ER}/history/job-log/{_job_log(c, t, w)}"},
    ("GET", f"{ER}/history/job-log/<log_id>/stacktrace"): lambda c, t, w: {
        "path": f"{ER}/history/job-log/{_job_log(c, t, w)}/stacktrace"},
    ("GET", f"{ER}/job"): lambda c, t, w: {"path": f"{ER}/job?processInstanceId={t.case_id}"},
    ("POST", f"{ER}/job"): lambda c, t, w: {"path": f"{ER}/job", "json": {"processInstanceId": t.case_id}},
    ("GET", f"{ER}/job/count"): lambda c, t, w: {"path": f"{ER}/job/count"},
    ("POST", f"{ER}/job/count"): lambda c, t, w: {"path": f"{ER}/job/count", "json": {}},
    ("PUT", f"{ER}/job/<job_id>/duedate"): lambda c, t, w: {
        "path": f"{ER}/job/{t.job_id}/duedate", "json": {"duedate": "2026-12-01T10:00:00.000+08:00"}},
    ("POST", f"{ER}/job/<job_id>/execute"): lambda c, t, w: {"path": f"{ER}/job/{t.job_id}/execute", "json": {}},
    ("PUT", f"{ER}/job/<job_id>/retries"): lambda c, t, w: {
        "path": f"{ER}/job/{t.job_id}/retries", "json": {"retries": 3}},
    ("POST", f"{ER}/signal"): lambda c, t, w: {"path": f"{ER}/signal", "json": {"name": "matrix-signal"}},
    ("POST", f"{ER}/message"): lambda c, t, w: {
        "path": f"{ER}/message", "json": {"messageName": MESSAGE, "businessKey": t.business_key,
                                          "resultEnabled": True, "variablesInResultEnabled": True}},
    ("GET", f"{ER}/openapi.json"): lambda c, t, w: {"path": f"{ER}/openapi.json"},
    ("GET", f"{ER}/version"): lambda c, t, w: {"path": f"{ER}/version"},
    **{("GET", f"{ER}/decision-definition{rest}"): (lambda c, t, w, rest=rest: {
        "path": f"{ER}/decision-definition{rest}"}) for rest in ("", "/count")},
    **{("GET", f"{ER}/decision-definition/<definition_id>{rest}"): (lambda c, t, w, rest=rest: {
        "path": f"{ER}/decision-definition/{_decision_id(c)}{rest}"}) for rest in ("", "/xml", "/diagram")},
    **{("GET", f"{ER}/decision-definition/key/<key>{rest}"): (lambda c, t, w, rest=rest: {
        "path": f"{ER}/decision-definition/key/{DECISION}{rest}"}) for rest in ("", "/xml", "/diagram")},
    ("POST", f"{ER}/decision-definition/<definition_id>/evaluate"): lambda c, t, w: {
        "path": f"{ER}/decision-definition/{_decision_id(c)}/evaluate", "json": TIER_INPUTS},
    ("POST", f"{ER}/decision-definition/key/<key>/evaluate"): lambda c, t, w: {
        "path": f"{ER}/decision-definition/key/{DECISION}/evaluate", "json": TIER_INPUTS},
    **{("GET", f"{ER}/process-definition/key/<key>/tenant-id/<tenant_id>{rest}"): (lambda c, t, w, rest=rest: {
        "path": f"{ER}/process-definition/key/{TENANT_KEY}/tenant-id/{TENANT}{rest}"})
       for rest in ("", "/xml", "/diagram", "/startForm")},
    ("POST", f"{ER}/process-definition/key/<key>/tenant-id/<tenant_id>/start"): lambda c, t, w: {
        "path": f"{ER}/process-definition/key/{TENANT_KEY}/tenant-id/{TENANT}/start", "json": {
            "businessKey": f"MXS-{uuid.uuid4().hex[:10]}", "variables": typed(**EVERY_FIELD),
            "withVariablesInReturn": True}},
    ("PUT", f"{ER}/process-definition/key/<key>/tenant-id/<tenant_id>/suspended"): lambda c, t, w: {
        "path": f"{ER}/process-definition/key/{TENANT_KEY}/tenant-id/{TENANT}/suspended", "json": {"suspended": False}},
    ("GET", f"{ER}/process-definition"): lambda c, t, w: {"path": f"{ER}/process-definition"},
    ("GET", f"{ER}/process-definition/count"): lambda c, t, w: {"path": f"{ER}/process-definition/count"},
    **{("GET", f"{ER}/process-definition/<definition_id>{rest}"): (lambda c, t, w, rest=rest: {
        "path": f"{ER}/process-definition/{_definition_id(c)}{rest}"})
       for rest in ("", "/xml", "/diagram", "/startForm", "/static-called-process-definitions")},
    **{("GET", f"{ER}/process-definition/key/<key>{rest}"): (lambda c, t, w, rest=rest: {
        "path": f"{ER}/process-definition/key/{KEY}{rest}"}) for rest in ("/diagram", "/startForm")},
    ("POST", f"{ER}/process-definition/<definition_id>/start"): lambda c, t, w: {
        "path": f"{ER}/process-definition/{_definition_id(c)}/start", "json": {
            "businessKey": f"MXS-{uuid.uuid4().hex[:10]}", "variables": typed(**EVERY_FIELD),
            "withVariablesInReturn": True}},
    ("POST", f"{ER}/process-instance/<instance_id>/modification"): lambda c, t, w: {
        "path": f"{ER}/process-instance/{t.case_id}/modification",
        "json": {"instructions": [{"type": "startBeforeActivity", "activityId": "work"}]}},
    ("POST", f"{ER}/modification/execute"): lambda c, t, w: {
        "path": f"{ER}/modification/execute", "json": {
            "processDefinitionId": _definition_id(c), "processInstanceIds": [t.case_id],
            "instructions": [{"type": "startBeforeActivity", "activityId": "work"}]}},
    ("POST", f"{ER}/task/<task_id>/identity-links"): lambda c, t, w: {
        "path": f"{ER}/task/{t.task_id}/identity-links", "json": {"groupId": "investigator", "type": "candidate"}},
    ("POST", f"{ER}/task/<task_id>/identity-links/delete"): lambda c, t, w: {
        "path": f"{ER}/task/{t.task_id}/identity-links/delete", "json": {"groupId": "window", "type": "candidate"}},
    ("POST", f"{ER}/task/<task_id>/comment/create"): lambda c, t, w: {
        "path": f"{ER}/task/{t.task_id}/comment/create", "json": {"message": "已核实"}},
    ("GET", f"{ER}/task/<task_id>/comment"): lambda c, t, w: {
        "path": f"{ER}/task/{t.task_id}/comment" if _comment(c, t, w) else ""},
    ("GET", f"{ER}/task/<task_id>/comment/<comment_id>"): lambda c, t, w: {
        "path": f"{ER}/task/{t.task_id}/comment/{_comment(c, t, w)}"},
    ("GET", f"{ER}/process-instance/<instance_id>/comment"): lambda c, t, w: {
        "path": f"{ER}/process-instance/{t.case_id}/comment" if _comment(c, t, w) else ""},
    ("POST", f"{ER}/migration/generate"): lambda c, t, w: {
        "path": f"{ER}/migration/generate", "json": _self_plan(c, generated=False)},
    ("POST", f"{ER}/migration/validate"): lambda c, t, w: {
        "path": f"{ER}/migration/validate", "json": _self_plan(c)},
    ("POST", f"{ER}/migration/execute"): lambda c, t, w: {
        "path": f"{ER}/migration/execute", "json": {"migrationPlan": _self_plan(c), "processInstanceIds": [t.case_id]}},
    ("POST", f"{ER}/migration/executeAsync"): lambda c, t, w: {
        "path": f"{ER}/migration/executeAsync",
        "json": {"migrationPlan": _self_plan(c), "processInstanceIds": [t.case_id]}},
    ("PUT", f"{ER}/process-instance/<instance_id>/suspended"): lambda c, t, w: {
        "path": f"{ER}/process-instance/{t.case_id}/suspended", "json": {"suspended": True}},
    ("PUT", f"{ER}/process-instance/suspended"): lambda c, t, w: {
        "path": f"{ER}/process-instance/suspended", "json": {"suspended": True, "processInstanceIds": [t.case_id]}},
    ("PUT", f"{ER}/process-definition/<definition_id>/suspended"): lambda c, t, w: {
        "path": f"{ER}/process-definition/{_county_definition_id(c, t, w)}/suspended", "json": {"suspended": False}},
    ("PUT", f"{ER}/process-definition/key/<key>/suspended"): lambda c, t, w: {
        "path": f"{ER}/process-definition/key/{_county_key(c, t, w)}/suspended", "json": {"suspended": False}},
    ("PUT", f"{ER}/process-definition/suspended"): lambda c, t, w: {
        "path": f"{ER}/process-definition/suspended",
        "json": {"suspended": False, "processDefinitionKey": _county_key(c, t, w)}},
    ("GET", f"{ER}/deployment"): lambda c, t, w: {"path": f"{ER}/deployment"},
    ("GET", f"{ER}/deployment/count"): lambda c, t, w: {"path": f"{ER}/deployment/count"},
    ("GET", f"{ER}/deployment/registered"): lambda c, t, w: {"path": f"{ER}/deployment/registered"},
    ("GET", f"{ER}/deployment/<deployment_id>"): lambda c, t, w: {"path": f"{ER}/deployment/{_deployment_id(c)}"},
    ("GET", f"{ER}/deployment/<deployment_id>/resources"):
        lambda c, t, w: {"path": f"{ER}/deployment/{_deployment_id(c)}/resources"},
    ("GET", f"{ER}/deployment/<deployment_id>/resources/<resource_id>"):
        lambda c, t, w: {"path": f"{ER}/deployment/{_deployment_id(c)}/resources/{_resource_id(c)}"},
    ("GET", f"{ER}/deployment/<deployment_id>/resources/<resource_id>/data"):
        lambda c, t, w: {"path": f"{ER}/deployment/{_deployment_id(c)}/resources/{_resource_id(c)}/data"},
    ("DELETE", f"{ER}/deployment/<deployment_id>"):
        lambda c, t, w: {"path": f"{ER}/deployment/{_fresh_deployment(c, t, w)}"},
    ("GET", f"{ER}/engine"): lambda c, t, w: {"path": f"{ER}/engine"},
    ("GET", f"{ER}/event-subscription"):
        lambda c, t, w: {"path": f"{ER}/event-subscription?processInstanceId={t.case_id}"},
    ("GET", f"{ER}/event-subscription/count"): lambda c, t, w: {"path": f"{ER}/event-subscription/count"},
    ("GET", f"{ER}/user"): lambda c, t, w: {"path": f"{ER}/user"},
    ("GET", f"{ER}/user/count"): lambda c, t, w: {"path": f"{ER}/user/count"},
    ("GET", f"{ER}/user/<user_id>/profile"): lambda c, t, w: {"path": f"{ER}/user/{_user(t)}/profile"},
    ("GET", f"{ER}/identity/groups"): lambda c, t, w: {"path": f"{ER}/identity/groups?userId={_user(t)}"},
    ("GET", f"{ER}/group"): lambda c, t, w: {"path": f"{ER}/group"},
    ("POST", f"{ER}/group"): lambda c, t, w: {"path": f"{ER}/group", "json": {"nameLike": "%审%"}},
    ("GET", f"{ER}/group/count"): lambda c, t, w: {"path": f"{ER}/group/count"},
    ("POST", f"{ER}/group/count"): lambda c, t, w: {"path": f"{ER}/group/count", "json": {}},
    ("GET", f"{ER}/group/<group_id>"): lambda c, t, w: {"path": f"{ER}/group/window"},
    ("GET", f"{ER}/process-definition/key/<key>"): lambda c, t, w: {"path": f"{ER}/process-definition/key/{KEY}"},
    ("POST", f"{ER}/process-definition/key/<key>/start"): lambda c, t, w: {
        "path": f"{ER}/process-definition/key/{KEY}/start", "json": {
            "businessKey": f"MXS-{uuid.uuid4().hex[:10]}", "variables": typed(**EVERY_FIELD),
            "withVariablesInReturn": True}},
    ("GET", f"{ER}/process-definition/key/<key>/xml"):
        lambda c, t, w: {"path": f"{ER}/process-definition/key/{KEY}/xml"},
    ("GET", f"{ER}/process-instance"): lambda c, t, w: {"path": f"{ER}/process-instance?processDefinitionKey={KEY}"},
    ("POST", f"{ER}/process-instance"): lambda c, t, w: {
        "path": f"{ER}/process-instance", "json": {"processDefinitionKey": KEY}},
    ("GET", f"{ER}/process-instance/count"): lambda c, t, w: {"path": f"{ER}/process-instance/count"},
    ("POST", f"{ER}/process-instance/count"): lambda c, t, w: {"path": f"{ER}/process-instance/count", "json": {}},
    ("GET", f"{ER}/process-instance/<instance_id>/variables/<name>"): lambda c, t, w: {
        "path": f"{ER}/process-instance/{t.case_id}/variables/{_file_variable(c, t, w)}"},
    ("GET", f"{ER}/process-instance/<instance_id>/variables/<name>/data"): lambda c, t, w: {
        "path": f"{ER}/process-instance/{t.case_id}/variables/{_file_variable(c, t, w)}/data"},
    ("PUT", f"{ER}/process-instance/<instance_id>/variables/<name>"): lambda c, t, w: {
        "path": f"{ER}/process-instance/{t.case_id}/variables/note", "json": {"value": "matrix", "type": "String"}},
    ("DELETE", f"{ER}/process-instance/<instance_id>/variables/<name>"): lambda c, t, w: {
        "path": f"{ER}/process-instance/{t.case_id}/variables/note"},
    ("POST", f"{ER}/process-instance/<instance_id>/variables/<name>/data"): lambda c, t, w: {
        "path": f"{ER}/process-instance/{t.case_id}/variables/upload/data", "upload": {"data": (b"matrix", "m.txt")}},
    ("GET", f"{ER}/process-instance/<instance_id>"): lambda c, t, w: {"path": f"{ER}/process-instance/{t.case_id}"},
    ("DELETE", f"{ER}/process-instance/<instance_id>"):
        lambda c, t, w: {"path": f"{ER}/process-instance/{t.case_id}"},
    ("POST", f"{ER}/process-instance/delete"): lambda c, t, w: {
        "path": f"{ER}/process-instance/delete", "json": {"processInstanceIds": [t.case_id], "deleteReason": "matrix"}},
    ("GET", f"{ER}/process-instance/<instance_id>/activity-instances"):
        lambda c, t, w: {"path": f"{ER}/process-instance/{t.case_id}/activity-instances"},
    ("GET", f"{ER}/process-instance/<instance_id>/variables"):
        lambda c, t, w: {"path": f"{ER}/process-instance/{t.case_id}/variables"},
    ("POST", f"{ER}/process-instance/<instance_id>/variables"): lambda c, t, w: {
        "path": f"{ER}/process-instance/{t.case_id}/variables",
        "json": {"modifications": {"note": {"value": "matrix", "type": "String"}}}},
    **{(method, f"{ER}/execution{rest}"): (lambda c, t, w, method=method, rest=rest: {
        "path": f"{ER}/execution{rest}" + ("" if method == "POST" else f"?processInstanceId={t.case_id}"),
        **({"json": {"processInstanceId": t.case_id}} if method == "POST" else {})})
       for method in ("GET", "POST") for rest in ("", "/count")},
    ("GET", f"{ER}/execution/<execution_id>"): lambda c, t, w: {"path": f"{ER}/execution/{t.case_id}"},
    ("GET", f"{ER}/execution/<execution_id>/localVariables"):
        lambda c, t, w: {"path": f"{ER}/execution/{t.case_id}/localVariables"},
    ("GET", f"{ER}/execution/<execution_id>/localVariables/<name>"): lambda c, t, w: {
        "path": f"{ER}/execution/{t.case_id}/localVariables/{_file_variable(c, t, w)}"},
    ("GET", f"{ER}/execution/<execution_id>/localVariables/<name>/data"): lambda c, t, w: {
        "path": f"{ER}/execution/{t.case_id}/localVariables/{_file_variable(c, t, w)}/data"},
    ("POST", f"{ER}/execution/<execution_id>/localVariables"): lambda c, t, w: {
        "path": f"{ER}/execution/{t.case_id}/localVariables",
        "json": {"modifications": {"note": {"value": "matrix", "type": "String"}}}},
    ("PUT", f"{ER}/execution/<execution_id>/localVariables/<name>"): lambda c, t, w: {
        "path": f"{ER}/execution/{t.case_id}/localVariables/note", "json": {"value": "matrix", "type": "String"}},
    ("DELETE", f"{ER}/execution/<execution_id>/localVariables/<name>"): lambda c, t, w: {
        "path": f"{ER}/execution/{t.case_id}/localVariables/note"},
    ("POST", f"{ER}/execution/<execution_id>/localVariables/<name>/data"): lambda c, t, w: {
        "path": f"{ER}/execution/{t.case_id}/localVariables/upload/data", "upload": {"data": (b"matrix", "m.txt")}},
    ("GET", f"{ER}/execution/<execution_id>/messageSubscriptions/<message>"): lambda c, t, w: {
        "path": f"{ER}/execution/{t.case_id}/messageSubscriptions/{MESSAGE}"},
    ("POST", f"{ER}/execution/<execution_id>/messageSubscriptions/<message>/trigger"): lambda c, t, w: {
        "path": f"{ER}/execution/{t.case_id}/messageSubscriptions/{MESSAGE}/trigger", "json": {"variables": {}}},
    ("GET", f"{ER}/task"): lambda c, t, w: {"path": f"{ER}/task?processInstanceId={t.case_id}"},
    ("GET", f"{ER}/task/count"): lambda c, t, w: {"path": f"{ER}/task/count?processInstanceId={t.case_id}"},
    ("POST", f"{ER}/task"): lambda c, t, w: {"path": f"{ER}/task", "json": {"processInstanceId": t.case_id}},
    ("GET", f"{ER}/task/report/candidate-group-count"):
        lambda c, t, w: {"path": f"{ER}/task/report/candidate-group-count"},
    ("GET", f"{ER}/task/<task_id>/form"): lambda c, t, w: {"path": f"{ER}/task/{t.task_id}/form"},
    ("GET", f"{ER}/task/<task_id>/deployed-form"):
        lambda c, t, w: {"path": f"{ER}/task/{_form_task(c, t, w)}/deployed-form"},
    ("GET", f"{ER}/task/<task_id>/identity-links"): lambda c, t, w: {"path": f"{ER}/task/{t.task_id}/identity-links"},
    ("POST", f"{ER}/task/count"): lambda c, t, w: {"path": f"{ER}/task/count", "json": {}},
    **{("GET", f"{ER}/task/<task_id>/variables{rest}"): (lambda c, t, w, rest=rest: {
        "path": f"{ER}/task/{t.task_id}/variables{rest.replace('<name>', _file_variable(c, t, w))}"})
       for rest in ("", "/<name>", "/<name>/data")},
    ("GET", f"{ER}/task/<task_id>/localVariables"): lambda c, t, w: {"path": f"{ER}/task/{t.task_id}/localVariables"},
    ("GET", f"{ER}/task/<task_id>/localVariables/<name>"):
        lambda c, t, w: {"path": f"{ER}/task/{t.task_id}/localVariables/matrix_local"},
    ("GET", f"{ER}/task/<task_id>"): lambda c, t, w: {"path": f"{ER}/task/{t.task_id}"},
    ("POST", f"{ER}/task/<task_id>/assignee"):
        lambda c, t, w: {"path": f"{ER}/task/{t.task_id}/assignee", "json": {"userId": w}},
    ("POST", f"{ER}/task/<task_id>/claim"):
        lambda c, t, w: {"path": f"{ER}/task/{t.task_id}/claim", "json": {"userId": w}},
    ("POST", f"{ER}/task/<task_id>/complete"):
        lambda c, t, w: {"path": f"{ER}/task/{t.task_id}/complete",
                         "json": {"variables": {}, "withVariablesInReturn": True}},
    ("POST", f"{ER}/task/<task_id>/bpmnError"):
        lambda c, t, w: {"path": f"{ER}/task/{t.task_id}/bpmnError", "json": {"errorCode": "MATRIX_WORK_ERR"}},
    ("POST", f"{ER}/task/<task_id>/bpmnEscalation"):
        lambda c, t, w: {"path": f"{ER}/task/{t.task_id}/bpmnEscalation", "json": {"escalationCode": "MATRIX_ESC"}},
    ("POST", f"{ER}/task/<task_id>/submit-form"):
        lambda c, t, w: {"path": f"{ER}/task/{t.task_id}/submit-form",
                         "json": {"variables": {}, "withVariablesInReturn": True}},
    ("GET", f"{ER}/task/<task_id>/form-variables"):
        lambda c, t, w: {"path": f"{ER}/task/{t.task_id}/form-variables"},
    ("GET", f"{ER}/task/<task_id>/attachment"): lambda c, t, w: {"path": f"{ER}/task/{t.task_id}/attachment"},
    **{("GET", f"{ER}/task/<task_id>/attachment/<attachment_id>{rest}"): (lambda c, t, w, rest=rest: {
        "path": f"{ER}/task/{t.task_id}/attachment/{_shared_attachment(c, t, w)}{rest}"}) for rest in ("", "/data")},
    ("POST", f"{ER}/task/<task_id>/attachment/create"): lambda c, t, w: {
        "path": f"{ER}/task/{t.task_id}/attachment/create",
        "upload": {"attachment-name": (b"photo.jpg", "n"), "content": (b"\xff\xd8\xff matrix", "p.jpg")}},
    ("DELETE", f"{ER}/task/<task_id>/attachment/<attachment_id>"): lambda c, t, w: {
        "path": f"{ER}/task/{t.task_id}/attachment/{_attachment(c, t, w)}"},
    ("POST", f"{ER}/task/<task_id>/unclaim"): lambda c, t, w: {"path": f"{ER}/task/{t.task_id}/unclaim", "json": {}},
}
