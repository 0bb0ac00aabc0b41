"""Deploying BPMN as Camunda Modeler writes it: versions, and refusal of bad files whole."""

from pathlib import Path

import pytest

from tests.support.deployments import deploy_files, minimal_process
from tests.support.dibao_steps import Case

ROOT = Path(__file__).parent.parent.parent
DIBAO = (ROOT / "workflows" / "dibao.bpmn").read_text()


def _count(api, key):
    return len(api.get("/process-definition", key=key).json)


def test_new_version_is_used_by_new_cases_while_running_cases_keep_theirs(login_as, clock):
    designer = login_as("designer")
    running = Case(login_as)
    before = designer.get("/process-definition/key/dibao").json
    edited = DIBAO.replace('name="入户调查"', 'name="入户调查（新版）"')
    response = deploy_files(designer, {"dibao.bpmn": edited})
    assert response.status_code == 200, response.json
    after = designer.get("/process-definition/key/dibao").json
    assert after["version"] == before["version"] + 1
    fresh = Case(login_as)
    running.accept()
    fresh.accept()
    assert running.task("investigator_cg", "home_visit")["name"] == "入户调查"
    assert fresh.task("investigator_cg", "home_visit")["name"] == "入户调查（新版）"
    assert deploy_files(designer, {"dibao.bpmn": DIBAO}).status_code == 200  # restore the reference text


def test_duplicate_filtering_makes_no_new_version(login_as):
    designer = login_as("designer")
    version = designer.get("/process-definition/key/dibao").json["version"]
    response = deploy_files(designer, {"dibao.bpmn": DIBAO}, **{"enable-duplicate-filtering": "true"})
    assert response.status_code == 200
    assert designer.get("/process-definition/key/dibao").json["version"] == version
    for flag in ("enable-duplicate-filtering", "deploy-changed-only"):  # Boolean.parseBoolean: any case
        response = deploy_files(designer, {"dibao.bpmn": DIBAO}, **{flag: "TRUE"})
        assert response.status_code == 200
        assert designer.get("/process-definition/key/dibao").json["version"] == version, flag


@pytest.mark.parametrize("name, content, element, words", [
    ("a.bpmn", minimal_process("bad_script", '<bpmn:scriptTask id="t" scriptFormat="python"><bpmn:script>import os'
                                             '</bpmn:script></bpmn:scriptTask>'), "t", "Import"),
    ("b.bpmn", minimal_process("bad_dunder", '<bpmn:scriptTask id="t"><bpmn:script>x = y.__class__</bpmn:script>'
                                             '</bpmn:scriptTask>'), "t", "__class__"),
    ("c.bpmn", minimal_process("bad_due", '<bpmn:userTask id="t" camunda:candidateGroups="window" '
                                          'camunda:dueDate="${open(\'/etc/passwd\')}" />'), "t", "open"),
    ("d.bpmn", minimal_process("java_listener", '<bpmn:userTask id="t"><bpmn:extensionElements>'
                                                '<camunda:taskListener event="create" class="x.Y" />'
                                                '</bpmn:extensionElements></bpmn:userTask>'),
     "t", "Java"),
    ("e.bpmn", minimal_process("bad_service", '<bpmn:serviceTask id="t" camunda:class="x.Y" />'), "t", "external"),
    ("f.bpmn", minimal_process("bad_form", '<bpmn:userTask id="t" camunda:candidateGroups="window" '
                                           'camunda:formRef="no_such_form" />'), "t", "no_such_form"),
    ("g.bpmn", minimal_process("bad_declared", '<bpmn:serviceTask id="t" camunda:type="external" camunda:topic="x">'
                                               '<bpmn:extensionElements><camunda:properties><camunda:property '
                                               'name="variables" value="id_number, 身份-证" /></camunda:properties>'
                                               '</bpmn:extensionElements></bpmn:serviceTask>'), "t", "身份-证"),
])
def test_invalid_bpmn_is_refused_naming_file_and_element(login_as, name, content, element, words):
    designer = login_as("designer")
    key = content.split('process id="')[1].split('"')[0]
    response = deploy_files(designer, {name: content})
    assert response.status_code == 400, response.json
    assert response.json["file"] == name and response.json["element"] == element
    assert words in response.json["message"]
    assert _count(designer, key) == 0


@pytest.mark.parametrize("content, words", [
    ("<bpmn:definitions", "XML"),
    ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', "DOCTYPE"),
    ('<?xml version="1.0"?><root/>', "BPMN"),
])
def test_broken_or_hostile_xml_is_refused(login_as, content, words):
    response = deploy_files(login_as("designer"), {"x.bpmn": content})
    assert response.status_code == 400 and words in response.json["message"]
    assert response.json["file"] == "x.bpmn"


def test_one_bad_file_refuses_the_whole_deployment(login_as):
    designer = login_as("designer")
    good = minimal_process("good_one", '<bpmn:userTask id="t" camunda:candidateGroups="window" />')
    bad = minimal_process("bad_one", '<bpmn:userTask id="t" camunda:candidateUsers="someone" />')
    response = deploy_files(designer, {"good.bpmn": good, "bad.bpmn": bad})
    assert response.status_code == 400 and response.json["file"] == "bad.bpmn"
    assert _count(designer, "good_one") == 0


def test_a_form_marking_a_field_with_an_unknown_kind_of_personal_data_is_refused(login_as):
    form = ('{"id": "odd_marks", "components": [{"type": "textfield", "key": "wechat", '
            '"properties": {"personal": "social"}}]}')
    response = deploy_files(login_as("designer"), {"odd_marks.form": form})
    assert response.status_code == 400, response.json
    assert (response.json["file"], response.json["element"]) == ("odd_marks.form", "wechat")


def test_only_designersdeploy_files(login_as):
    response = deploy_files(login_as("window_cg"), {"dibao.bpmn": DIBAO})
    assert response.status_code == 403


def test_xml_of_latest_version_is_served(login_as):
    response = login_as("window_cg").get("/process-definition/key/dibao/xml")
    assert response.status_code == 200 and 'id="dibao"' in response.json["bpmn20Xml"]


LINSHI = (ROOT / "workflows" / "linshi.bpmn").read_text()
COLLECTED = "<bpmn:loopDataOutputRef>referrals</bpmn:loopDataOutputRef>"
ITEM = '<bpmn:outputDataItem id="referral" name="referral"/>'


@pytest.mark.parametrize("edit, words", [
    # what bpmn-js and Camunda Modeler save when the reference names no element of the file
    (lambda xml: xml.replace(COLLECTED, ""), "没有 loopDataOutputRef"),
    (lambda xml: xml.replace(ITEM, ""), "没有 outputDataItem"),
    (lambda xml: xml.replace(COLLECTED, "<bpmn:loopDataOutputRef> </bpmn:loopDataOutputRef>"), "为空"),
])
def test_a_multi_instance_collecting_half_its_output_is_refused_naming_it(login_as, edit, words):
    """Without both, the call activity would run as a plain multi-instance: `referrals` never set, no word said."""
    designer = login_as("designer")
    before = _count(designer, "linshi")
    edited = edit(LINSHI)
    assert edited != LINSHI
    response = deploy_files(designer, {"linshi.bpmn": edited})
    assert response.status_code == 400, response.json
    assert (response.json["file"], response.json["element"]) == ("linshi.bpmn", "refer_needs")
    assert words in response.json["message"] and "refer_needs" in response.json["message"]
    assert _count(designer, "linshi") == before


def test_collecting_outputs_on_another_kind_of_multi_instance_is_refused(login_as):
    body = ('<bpmn:userTask id="t" camunda:candidateGroups="window"><bpmn:multiInstanceLoopCharacteristics '
            'camunda:collection="needs" camunda:elementVariable="need"><bpmn:loopDataOutputRef>answers'
            '</bpmn:loopDataOutputRef><bpmn:outputDataItem id="answer" name="answer"/>'
            '</bpmn:multiInstanceLoopCharacteristics></bpmn:userTask>')
    designer = login_as("designer")
    response = deploy_files(designer, {"mi_user.bpmn": minimal_process("mi_user_collect", body)})
    assert response.status_code == 400, response.json
    assert response.json["element"] == "t" and "只支持多实例调用活动" in response.json["message"]
    assert _count(designer, "mi_user_collect") == 0
