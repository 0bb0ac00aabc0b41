"""A task whose form holds every part Camunda Modeler's form editor offers that the task page shows or takes: a
picture, HTML, a table of case data, a spacer, a rule, a file picker."""

import base64
import json
import uuid

from tests.conftest import typed
from tests.support.deployments import deploy_files, minimal_process

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
PIXEL = "data:image/png;base64," + base64.b64encode(PNG).decode()


def form(form_id: str, *extra: dict) -> str:
    return json.dumps({"id": form_id, "type": "default", "components": [
        {"type": "text", "id": "t1", "text": "# 上传身份证照片"},
        {"type": "spacer", "id": "sp1", "height": 24},
        {"type": "separator", "id": "sep1"},
        {"type": "image", "id": "img1", "source": PIXEL, "alt": "示意图"},
        {"type": "html", "id": "h1", "content": '<p>申请人 <b>{{applicant_name}}</b></p><script>alert(1)</script>'
                                               '<a href="javascript:alert(1)" onclick="x()">说明</a>'},
        {"type": "table", "id": "tb1", "label": "家庭成员", "dataSource": "=members",
         "columns": [{"label": "姓名", "key": "name"}, {"label": "关系", "key": "relation"}]},
        {"type": "filepicker", "id": "fp1", "key": "id_photo", "label": "身份证照片", "accept": "image/*,.pdf",
         "validate": {"required": True}},
        *extra]}, ensure_ascii=False)



def deploy_parts(designer) -> str:
    """Deploy a process whose one task (the window's) has the form above; return its key."""
    key = f"parts_{uuid.uuid4().hex[:8]}"
    body = (f'<bpmn:userTask id="t" name="上传材料" camunda:candidateGroups="window" '
            f'camunda:formRef="{key}_form" camunda:formRefBinding="latest" />')
    made = deploy_files(designer, {f"{key}.bpmn": minimal_process(key, body), f"{key}.form": form(f"{key}_form")})
    assert made.status_code == 200, made.json
    return key


def start(login_as, key: str) -> tuple[str, str]:
    """A case of the process, its applicant and household members given; return its id and its task's."""
    api = login_as("window_cg")
    members = [{"name": "张三", "relation": "本人"}, {"name": "李四", "relation": "配偶"}]
    started = api.post(f"/process-definition/key/{key}/start", {
        "businessKey": f"FP-{uuid.uuid4().hex[:10]}", "variables": typed(applicant_name="张三", members=members)})
    assert started.status_code == 200, started.json
    case_id = started.json["id"]
    return case_id, api.get("/task", processInstanceId=case_id).json[0]["id"]
