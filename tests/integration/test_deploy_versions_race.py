"""Two deployments of one process key at once, on two processes, get consecutive versions (as Camunda serialises
them), never a 500 from the unique version index (PostgreSQL: what runs two processes at once)."""

import os
import threading
import time
import uuid

import pytest
from sqlalchemy import select

from app.services.definitions import next_version
from app.store.tables import ProcessDefinition
from tests.conftest import Api
from tests.support import diagrams as d
from tests.support.deployments import deploy_files

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="a second process deploying at once needs PostgreSQL")


def test_a_deployment_waits_for_another_of_the_same_key_and_takes_the_next_version(app, runtime):
    key = f"race_{uuid.uuid4().hex[:8]}"
    designer = Api(app.test_client(), "designer")
    assert deploy_files(designer, {f"{key}.bpmn": d.user_task(key)}).status_code == 200
    answers: list = []
    with runtime.unit_of_work() as first:  # a deployment of the key that has taken its version, not committed yet
        assert next_version(first.session, ProcessDefinition, key) == 2
        changed = {f"{key}.bpmn": d.user_task(key, candidateGroups="investigator")}
        second = threading.Thread(target=lambda: answers.append(
            deploy_files(Api(app.test_client(), "designer"), changed, name="second")))
        second.start()
        time.sleep(1.0)
        assert not answers, "the second deployment read the version the first had taken"
        first.session.add(ProcessDefinition(
            id=f"{key}:2:first", key=key, version=2, deployment_id=_deployment_of(runtime, key), name=key,
            resource_name=f"{key}.bpmn", spec={}, activities={}))
        first.commit()
    second.join(timeout=30)
    assert answers and answers[0].status_code == 200, answers and answers[0].json
    with runtime.reading() as uow:
        versions = sorted(uow.session.scalars(select(ProcessDefinition.version).where(ProcessDefinition.key == key)))
    assert versions == [1, 2, 3]


def _deployment_of(runtime, key: str) -> str:
    with runtime.reading() as uow:
        return uow.session.scalar(select(ProcessDefinition.deployment_id).where(ProcessDefinition.key == key))
