"""The engine commands are one registry: each named once, with typed inputs that read back what they wrote."""

import pytest

from app.services.registry import (
    COMMANDS,
    BpmnErrorInputs,
    FailureInputs,
    StartInputs,
    TaskInputs,
    label,
    title,
)


def test_every_command_has_a_chinese_label_and_title_and_one_name():
    assert len({c.name for c in COMMANDS.values()}) == len(COMMANDS)
    for name, command in COMMANDS.items():
        assert command.name == name
        assert command.label and not command.label.isascii(), name
        assert command.title and not command.title.isascii(), name


def test_inputs_are_stored_in_camel_case_and_read_back_equal():
    failure = FailureInputs("t1", "worker-1", "超时", "trace", 2, 30000)
    assert failure.to_json() == {"taskId": "t1", "workerId": "worker-1", "errorMessage": "超时",
                                 "errorDetails": "trace", "retries": 2, "retryTimeout": 30000}
    assert FailureInputs.from_json(failure.to_json()) == failure
    error = BpmnErrorInputs("t1", "NO_MATCH", "w", None, {"x": 1})
    assert BpmnErrorInputs.from_json(error.to_json()) == error


def test_a_start_without_a_message_records_no_message_key():
    assert "message" not in StartInputs("DB-1", {"a": 1}, "digest").to_json()
    started = StartInputs("DB-1", {}, "digest", {"messageName": "report", "variables": {}})
    assert started.to_json()["message"] == {"messageName": "report", "variables": {}}


def test_a_stored_event_missing_a_required_input_names_it_and_optional_ones_take_their_default():
    with pytest.raises(KeyError, match="taskId"):
        TaskInputs.from_json({"variables": {}})
    assert TaskInputs.from_json({"taskId": "t", "variables": None}).variables == {}


def test_labels_and_titles_come_from_the_registry_and_unknown_names_show_as_they_are():
    assert label("complete") == "完成任务"
    assert title("complete", "入户调查") == "办理完成：入户调查"
    assert title("cancel", "") == "终止案件"
    assert label("someday") == "someday"
    assert title("someday", "x") == "someday x"
