"""A boundary event is an activity instance only once it fires, as in Camunda: the history of a case has no row
for a timer on a task that waited and was cancelled with it (migration 0037 removed the rows earlier versions
wrote), and one row, started and ended when it fired, for a timer that fired."""

import uuid

from sqlalchemy import insert

from app.services.projection import forget_unfired_boundaries
from app.store.tables import HistoryActivity, ProcessInstance
from tests.support.dibao_steps import Case


def _boundaries(case: Case) -> list[dict]:
    rows = case.login_as("auditor").get("/history/activity-instance", processInstanceId=case.id).json
    return [r for r in rows if "oundary" in r["activityType"]]


def test_a_boundary_timer_has_a_history_row_only_once_it_fires(login_as, clock):
    case = Case(login_as)
    case.accept()  # home_visit opens with two non-interrupting timers on it: 3 working days, and the case's limit
    assert _boundaries(case) == []
    clock.advance(days=14)
    case.fire("home_visit_late")
    fired = _boundaries(case)
    assert [(r["activityId"], r["activityType"], r["canceled"]) for r in fired] == [
        ("home_visit_late", "boundaryTimer", False)]
    assert fired[0]["startTime"] == fired[0]["endTime"] and fired[0]["durationInMillis"] == 0
    case.investigate()  # home_visit ends: its other timer, which never fired, leaves no row
    assert [r["activityId"] for r in _boundaries(case)] == ["home_visit_late"]
    assert "home_visit_case_late" not in case.activities()


def test_a_finished_task_leaves_no_row_for_its_timers_that_did_not_fire(login_as):
    case = Case(login_as)
    case.accept()
    case.investigate()
    rows = login_as("auditor").get("/history/activity-instance", processInstanceId=case.id).json
    assert {r["activityType"] for r in rows} >= {"userTask", "serviceTask"}
    assert not [r for r in rows if r["canceled"] and "oundary" in r["activityType"]]


def test_the_rows_earlier_versions_wrote_for_unfired_boundary_events_are_removed(login_as, clock, runtime):
    case = Case(login_as)
    case.accept()
    clock.advance(days=14)
    case.fire("home_visit_late")
    kept = {r["id"] for r in login_as("auditor").get("/history/activity-instance", processInstanceId=case.id).json}
    with runtime.unit_of_work() as uow:  # as the projection wrote them before migration 0037
        instance = uow.session.get(ProcessInstance, case.id)
        row = {"process_instance_id": case.id, "definition_id": instance.definition_id, "definition_key": "dibao",
               "activity_name": "逾期", "org_path": instance.org_path, "tenant_id": instance.tenant_id,
               "start_time": clock()}
        uow.session.execute(insert(HistoryActivity), [
            {**row, "id": str(uuid.uuid4()), "activity_id": "home_visit_case_late", "activity_type": "boundaryTimer",
             "end_time": None, "canceled": False},
            {**row, "id": str(uuid.uuid4()), "activity_id": "review_late", "activity_type": "boundaryTimer",
             "end_time": row["start_time"], "canceled": True, "delete_reason": "canceled"},
            {**row, "id": str(uuid.uuid4()), "activity_id": "cancelled", "activity_type": "cancelBoundaryCatch",
             "end_time": row["start_time"], "canceled": True, "delete_reason": "canceled"}])
        uow.commit()
    with runtime.session_factory.kw["bind"].begin() as connection:
        assert forget_unfired_boundaries(connection) == 3
    left = {r["id"] for r in login_as("auditor").get("/history/activity-instance", processInstanceId=case.id).json}
    assert left == kept  # the timer that fired, and every other activity, stay
