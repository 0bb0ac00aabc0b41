"""pycamunda 0.6.1, unmodified, comments a task, moves a stuck case and migrates cases to a new version."""

import uuid

import pycamunda.migration
import pycamunda.processdef
import pycamunda.processinst
import pycamunda.task
import pytest
from requests.auth import HTTPBasicAuth

from tests.conftest import PASSWORD, Api
from tests.support.deployments import deploy_files
from tests.support.versions import V1, V2


@pytest.fixture
def engine_url(live_url):
    return f"{live_url}/engine-rest"


@pytest.fixture(scope="module")
def versions(app):
    key = f"pyc_{uuid.uuid4().hex[:8]}"
    designer = Api(app.test_client(), "designer")
    for text in (V1, V2):
        assert deploy_files(designer, {f"{key}.bpmn": text.format(key=key)}).status_code == 200
    found = {d["version"]: d["id"] for d in designer.get("/process-definition", key=key).json}
    return key, found[1], found[2]


def _call(request, user: str):
    request.auth = HTTPBasicAuth(user, PASSWORD)
    return request()


def _open(url: str, instance_id: str) -> list[str]:
    tasks = _call(pycamunda.task.GetList(url, process_instance_id=instance_id), "supervisor")
    return sorted(t.task_definition_key for t in tasks)


def test_pycamunda_comments_modifies_and_migrates(engine_url, versions):
    _key, v1, v2 = versions
    instance = _call(pycamunda.processdef.StartInstance(engine_url, id_=v1), "window_cg")
    task = _call(pycamunda.task.GetList(engine_url, process_instance_id=instance.id_), "window_cg")[0]
    comment = pycamunda.task.CommentCreate(engine_url, task_id=task.id_, message="材料不全，已电话告知")
    made = _call(comment, "window_cg")
    assert made.user_id == "window_cg" and made.time is not None
    listed = _call(pycamunda.task.CommentGetList(engine_url, task_id=task.id_), "window_cg")
    assert [c.id_ for c in listed] == [made.id_]
    assert _call(pycamunda.task.CommentGet(engine_url, task_id=task.id_, comment_id=made.id_), "window_cg"
                 ).message == "材料不全，已电话告知"

    modify = pycamunda.processinst.Modify(engine_url, id_=instance.id_, annotation="受理环节滞留，移至审核")
    modify.add_before_activity_instruction("b")
    modify.add_cancel_activity_instruction("a")
    _call(modify, "supervisor")
    assert _open(engine_url, instance.id_) == ["b"]

    plan = _call(pycamunda.migration.Generate(engine_url, source_process_definition_id=v1,
                                              target_process_definition_id=v2), "supervisor")
    execute = pycamunda.migration.Execute(engine_url, source_process_definition_id=v1,
                                          target_process_definition_id=v2, process_instance_ids=[instance.id_])
    for instruction in plan.instructions:
        execute.add_instruction(instruction.source_activity_ids, instruction.target_activity_ids)
    execute.add_instruction(["b"], ["review"])
    _call(execute, "supervisor")
    assert _open(engine_url, instance.id_) == ["review"]
    migrated = _call(pycamunda.processinst.Get(engine_url, id_=instance.id_), "supervisor")
    assert migrated.definition_id == v2
