"""camunda-client 0.15.0 (unmodified) against the running service: a 低保 case from start to the
public notice, its history, variables, incidents and external tasks. A call that fails is a defect."""

import asyncio
import uuid
from concurrent.futures import ThreadPoolExecutor
from uuid import UUID

import httpx
import pytest
from camunda_client import CamundaEngineClient, ExternalTaskClient, ExternalTaskConfig, VariableValueSchema
from camunda_client.clients.dto import AuthData
from camunda_client.clients.engine.dto import GetTaskVariableDTO
from camunda_client.clients.engine.schemas import GetHistoryTasksFilterSchema, GetTasksFilterSchema
from camunda_client.clients.engine.schemas.body import (
    HistoricProcessInstanceFilterSchema,
    UpdateProcessVariablesSchema,
)
from camunda_client.clients.engine.schemas.query import HistoryVariableInstanceFilterParamsSchema

from tests.conftest import PASSWORD
from tests.support.dibao_steps import unique_id_number


def _engine(url: str, user: str) -> CamundaEngineClient:
    return CamundaEngineClient(url, AuthData(user, PASSWORD), httpx.AsyncHTTPTransport())


def _values(**values) -> dict[str, VariableValueSchema]:
    kinds = {bool: "Boolean", int: "Integer", float: "Double", str: "String"}
    return {name: VariableValueSchema(value=v, type=kinds[type(v)]) for name, v in values.items()}


@pytest.fixture
def engine_url(live_url):
    return f"{live_url}/engine-rest"


async def _task(client: CamundaEngineClient, case_id: str, activity: str):
    tasks = await client.get_tasks(GetTasksFilterSchema(process_instance_id=UUID(case_id),
                                                        task_definition_key=activity))
    assert len(tasks) == 1, tasks
    return tasks[0]


async def _run_a_case(url: str) -> None:
    window, verifier = _engine(url, "window_cg"), _engine(url, "supervisor")
    key = f"CC-{uuid.uuid4().hex[:8]}"
    case = await window.start_process("dibao", business_key=key)
    accept = await _task(window, str(case.id), "accept")
    await window.claim_task(accept.id, "window_cg")
    await window.submit_task_form(accept.id, _values(
        applicant_name="张三", id_number=unique_id_number(born="19900307"), household_size=2, per_capita_income=300.0,
        pledge_signed=True, materials_complete=True))
    count = await verifier.get_tasks_count(GetTasksFilterSchema(process_instance_id=UUID(str(case.id))))
    assert count.count == 1  # 入户调查 is open

    worker = ExternalTaskClient("matcher-cc", url, AuthData("verifier", PASSWORD), httpx.AsyncHTTPTransport(),
                                ExternalTaskConfig(max_tasks=10))
    locked = [t for t in await worker.fetch_and_lock(["household-verification"], business_key=key)]
    assert [str(t.process_instance_id) for t in locked] == [str(case.id)]
    await worker.failure(locked[0].id, error_message="公安接口超时", retries=0, error_details="timeout")
    assert [i.process_instance_id for i in await verifier.get_incidents("failedExternalTask")
            if str(i.process_instance_id) == str(case.id)]
    external = await verifier.get_external_task(locked[0].id)
    assert external is not None and external.retries == 0

    history = await verifier.get_history_tasks(GetHistoryTasksFilterSchema(process_instance_business_key=key))
    assert {t.task_definition_key for t in history} == {"accept", "home_visit"}
    cases = await verifier.get_history_process_instances(HistoricProcessInstanceFilterSchema(
        process_instance_business_key=key))
    assert [str(c.id) for c in cases] == [str(case.id)]
    await verifier.update_variable_instances(process_instance_id=case.id, schema=UpdateProcessVariablesSchema(
        modifications=_values(note="已复核")))
    found = await verifier.get_history_variable_instances(HistoryVariableInstanceFilterParamsSchema(
        process_instance_id=case.id, variable_name="note", deserialize_values=False))
    assert [v.value for v in found] == ["已复核"]
    visit = await _task(_engine(url, "investigator_cg"), str(case.id), "home_visit")
    own = await _engine(url, "investigator_cg").get_task_variable(GetTaskVariableDTO(visit.id, "household_size"))
    assert own is not None and own.value == 2


def test_camunda_client_runs_a_case(engine_url):
    # a thread of its own: the browser tests' sync Playwright leaves an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _run_a_case(engine_url)).result(timeout=300)
