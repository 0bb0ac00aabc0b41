"""Hostile uploads: entities, oversized files, XML that is not BPMN, broken XML, duplicate ids.

Each is refused with a 4xx JSON answer naming the problem, and nothing is stored."""

import uuid

import pytest
from sqlalchemy import func, select

from app.store.tables import Deployment, ProcessDefinition, Resource
from tests.support import diagrams as d
from tests.support.deployments import deploy_files

SECRET = "top-secret-case-file"


def _stored(runtime) -> tuple[int, int, int]:
    with runtime.unit_of_work() as uow:
        return tuple(uow.session.scalar(select(func.count()).select_from(t))
                     for t in (Deployment, ProcessDefinition, Resource))


def _xxe(path):
    return (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{path}">]>'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
            '<bpmn:process id="xxe" isExecutable="true" name="&x;"><bpmn:startEvent id="s" /></bpmn:process>'
            '</bpmn:definitions>')


def _parameter_entity(path):
    return (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "file://{path}"> %p;]>'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" />')


def _billion_laughs(_):
    entities = '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return (f'<?xml version="1.0"?><!DOCTYPE d [{entities}]>'
            '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
            '<bpmn:process id="lol" isExecutable="true" name="&l9;" /></bpmn:definitions>')


def _duplicate_ids(_):
    return d.process(f"dup_{uuid.uuid4().hex[:6]}", """<bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
    <bpmn:userTask id="t" camunda:candidateGroups="window" /><bpmn:userTask id="t" camunda:candidateGroups="window" />
    <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" /><bpmn:endEvent id="e" />""")


def _deep_nesting(_):
    return ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">'
            + "<a>" * 100_000 + "</a>" * 100_000 + "</bpmn:definitions>")


ATTACKS = {
    "xxe_external_entity": ("x.bpmn", _xxe, "DOCTYPE"),
    "xxe_parameter_entity": ("x.bpmn", _parameter_entity, "DOCTYPE"),
    "billion_laughs": ("x.bpmn", _billion_laughs, "DOCTYPE"),
    "xxe_in_dmn": ("x.dmn", _xxe, "DOCTYPE"),
    "not_bpmn_xml": ("x.bpmn", lambda _: '<?xml version="1.0"?><html><body>hi</body></html>', "BPMN"),
    "svg_as_bpmn": ("x.bpmn", lambda _: '<svg xmlns="http://www.w3.org/2000/svg" />', "BPMN"),
    "not_dmn_xml": ("x.dmn", lambda _: '<?xml version="1.0"?><root />', "DMN"),
    "broken_xml": ("x.bpmn", lambda _: '<bpmn:definitions xmlns:bpmn="x"><unclosed>', "XML"),
    "binary_garbage": ("x.bpmn", lambda _: b"\x00\xff\xfe" * 100, "XML"),
    "deeply_nested_xml": ("x.bpmn", _deep_nesting, "XML"),
    "duplicate_ids": ("x.bpmn", _duplicate_ids, "t"),
    "form_not_json": ("x.form", lambda _: "{not json", "JSON"),
    "wrong_extension": ("x.py", lambda _: "import os", ".bpmn"),
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_hostile_upload_is_refused_and_nothing_stored(login_as, runtime, tmp_path, attack):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    name, build, words = ATTACKS[attack]
    before = _stored(runtime)
    response = deploy_files(login_as("designer"), {name: build(secret)})
    assert response.status_code == 400, response.json
    assert response.json["file"] == name and words in response.json["message"], response.json
    assert SECRET not in response.get_data(as_text=True)
    assert _stored(runtime) == before


def test_file_over_the_per_file_limit_is_refused(login_as, runtime):
    before = _stored(runtime)
    padding = "<!--" + "x" * (3 * 1024 * 1024) + "-->"
    response = deploy_files(login_as("designer"), {"big.bpmn": padding})
    assert response.status_code == 400 and "KB" in response.json["message"] and response.json["file"] == "big.bpmn"
    assert _stored(runtime) == before


def test_request_over_max_content_length_is_a_json_413_naming_the_limit(app, login_as, runtime):
    before = _stored(runtime)
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = deploy_files(login_as("designer"), {"huge.bpmn": b" " * (limit + 1)})
    assert response.status_code == 413
    assert str(limit) in response.json["message"] and response.json["field"] == "body"
    assert _stored(runtime) == before


def test_huge_json_body_is_a_json_413(app, login_as):
    window = login_as("window_cg")
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = window.client.post("/engine-rest/process-definition/key/dibao/start", headers=window.headers,
                                  data=b'{"businessKey": "' + b"x" * limit + b'"}', content_type="application/json")
    assert response.status_code == 413 and response.is_json
