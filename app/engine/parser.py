"""Parse and validate BPMN/DMN files as Camunda Modeler writes them.

Spiff parses the flow; the Camunda attributes the service needs (candidate groups,
assignee, due dates, form references, external-task topics) are read here into an
ActivityInfo per activity (app/engine/activities.py), stored with the definition and used without the engine.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator, full_tag
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.data_spec import TaskDataReference
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import CallActivityParser, CamundaTaskParser
from SpiffWorkflow.exceptions import SpiffWorkflowException

from app.domain.errors import DeploymentRefused

from .activities import Activities, ActivityInfo
from .calls import (
    CallBundle,
    Resolver,
    call_bundle,
    calls_of,
    refuse_unbound_deployment_calls,
    resolve_calls,
    subprocess_specs,
)
from .camunda_model import assign_ids, drop_ignored_data, link_events, model_problem, plain_collections, where
from .decisions import decision_graph, parse_decisions
from .expressions import expression_problem, is_iso_literal
from .extensions import LISTENERS, OUTPUTS, MappedCallActivity, extensions_of, parameter_expression
from .notice_property import PROPERTY as NOTICE_PROPERTY
from .notice_property import declared_kinds
from .owned import owned_names
from .scripts import script_problem
from .serializer import dump_spec
from .specs import (
    CollectingParallelMultiInstanceTask,
    CollectingSequentialMultiInstanceTask,
    DecisionTask,
    ExternalServiceTask,
    PassThroughManualTask,
    PassThroughTask,
)
from .timer_checks import timer_problem

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
}
CAMUNDA = f"{{{NS['camunda']}}}"
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                            huge_tree=False, remove_comments=False)


class _ServiceTaskParser(TaskParser):  # type: ignore[misc]  # an untyped base class
    pass


class _CallActivityParser(CallActivityParser):  # type: ignore[misc]  # an untyped base class
    """A multi-instance call activity may collect one output item per instance (BPMN `loopDataOutputRef`)."""

    task: Any  # the task spec being built (SpiffWorkflow's TaskParser sets it)

    def _add_multiinstance_task(self, loop_characteristics: Any) -> Any:
        prefix = "./bpmn:multiInstanceLoopCharacteristics"
        output, item = self.xpath(f"{prefix}/bpmn:loopDataOutputRef"), self.xpath(f"{prefix}/bpmn:outputDataItem")
        if not output or not item:
            return super()._add_multiinstance_task(loop_characteristics)
        collection = self.attribute("collection", "camunda", loop_characteristics)
        element = self.attribute("elementVariable", "camunda", loop_characteristics)
        if not collection or not element:
            self.raise_validation_exception("收集输出的多实例调用须设置 camunda:collection 与 camunda:elementVariable")
        condition = self.xpath(f"{prefix}/bpmn:completionCondition")
        sequential = loop_characteristics.get("isSequential") == "true"
        kind = CollectingSequentialMultiInstanceTask if sequential else CollectingParallelMultiInstanceTask
        original: Any = self.spec.task_specs.pop(self.task.name)
        self.task = kind(self.spec, original.name, task_spec="", data_input=TaskDataReference(collection),
                         input_item=TaskDataReference(element),
                         data_output=TaskDataReference(output[0].text.strip()),
                         output_item=TaskDataReference(item[0].get("name") or item[0].get("id")),
                         condition=condition[0].text if condition else None)
        self._copy_task_attrs(original, loop_characteristics)


class _DecisionTaskParser(CamundaTaskParser):  # type: ignore[misc]  # an untyped base class
    """A business rule task bound to the decision it names, read by app/engine/decisions.py."""

    @staticmethod
    def get_decision_ref(node: Any) -> Any:
        return node.get(CAMUNDA + "decisionRef")

    def create_task(self) -> Any:
        ref = self.node.get(CAMUNDA + "decisionRef") or ""
        decisions = self.process_parser.parser.decisions
        if ref not in decisions:
            self.raise_validation_exception(f"引用的决策 {ref} 既不在本次部署中，也未曾部署")
        return self.spec_class(self.spec, self.bpmn_id, decision=ref, decisions=decision_graph(decisions, ref),
                               result_variable=self.node.get(CAMUNDA + "resultVariable"),
                               map_result=self.node.get(CAMUNDA + "mapDecisionResult"), **self.bpmn_attributes)


class ServiceParser(CamundaParser):  # type: ignore[misc]  # an untyped base class
    """Camunda parser where every service task is an external task and decisions are Camunda's."""

    OVERRIDE_PARSER_CLASSES = {
        **CamundaParser.OVERRIDE_PARSER_CLASSES,
        full_tag("serviceTask"): (_ServiceTaskParser, ExternalServiceTask),
        full_tag("task"): (CamundaTaskParser, PassThroughTask),
        full_tag("businessRuleTask"): (_DecisionTaskParser, DecisionTask),
        full_tag("manualTask"): (CamundaTaskParser, PassThroughManualTask),
        full_tag("callActivity"): (_CallActivityParser, MappedCallActivity),
    }


@dataclass(frozen=True)
class ParsedProcess:
    """One executable process of a deployment, ready to store: `spec` holds SpiffWorkflow's specs, the call
    bundle (`bundle.to_json()`), the server-owned names and whether the tasklist may start it."""

    key: str
    name: str
    resource: str
    spec: dict[str, Any]
    activities: Mapping[str, ActivityInfo]
    bundle: CallBundle
    called_processes: list[str] = field(default_factory=list)

    def pinned(self, activities: Mapping[str, ActivityInfo], deployed: Mapping[str, Activities]) -> "ParsedProcess":
        """The process with its activities as deployment pinned them, and those of the processes it calls from the
        same deployment (`deployed`, key -> activities) likewise."""
        bundle = self.bundle.rebound(deployed)
        return replace(self, activities=activities, bundle=bundle, spec={**self.spec, **bundle.to_json()})


def read_xml(content: bytes, filename: str) -> etree._Element:
    """Parse XML refusing DTDs and entities (XXE, billion laughs)."""
    if b"<!DOCTYPE" in content or b"<!ENTITY" in content:
        raise DeploymentRefused("不接受含 DOCTYPE/实体声明的文件", file=filename)
    try:
        root = etree.fromstring(content, _SAFE_XML)
    except etree.XMLSyntaxError as err:
        raise DeploymentRefused(f"XML 格式错误：{err}", file=filename) from err
    if root.getroottree().docinfo.doctype:
        raise DeploymentRefused("不接受含 DOCTYPE/实体声明的文件", file=filename)
    return root


def parse_bpmn_files(files: dict[str, bytes], dmn_files: dict[str, bytes] | None = None,
                     resolve: Resolver | None = None) -> list[ParsedProcess]:
    """Parse BPMN files (name -> bytes) together; raise DeploymentRefused on the first problem.

    `resolve(key)` returns a deployed process a call activity names when it is not in these files.
    """
    parser = ServiceParser(validator=BpmnValidator())
    parser.decisions = {}
    roots = {}
    for name, content in files.items():
        root = read_xml(content, name)
        if root.tag != full_tag("definitions"):
            raise DeploymentRefused("不是 BPMN 2.0 文件（根元素应为 bpmn:definitions）", file=name)
        check_model(root, name)
        _check_camunda_attributes(root, name)
        _spiff_call(lambda r=root, n=name: parser.add_bpmn_xml(r, filename=n), name)
        roots[name] = root
    for name, content in (dmn_files or {}).items():
        parser.decisions.update(parse_decisions(read_xml(content, name), name))
    nodes = [(name, node) for name, root in roots.items()
             for node in root.xpath("./bpmn:process[@isExecutable='true']", namespaces=NS)]
    refuse_unbound_deployment_calls(nodes, CAMUNDA)
    where = {node.get("id"): name for name, node in nodes}
    stored, graph = resolve_calls({node.get("id"): calls_of(node) for _, node in nodes}, where, resolve)
    activities = {node.get("id"): _activities(node) for _, node in nodes}
    processes = [_build_process(parser, node, name, activities, (stored, graph)) for name, node in nodes]
    if not processes:
        raise DeploymentRefused("部署中没有可执行的流程（isExecutable=\"true\"）", file=", ".join(files))
    return processes


def check_model(root: Any, filename: str) -> None:
    """Refuse what the service cannot run as Camunda does; then give id-less elements their ids and drop the data
    elements Camunda does not execute."""
    found = model_problem(root)
    if found is not None:
        element, line = where(found[0])
        raise DeploymentRefused(found[1] if element else f"第{line}行：{found[1]}", file=filename,
                                element=element, line=line)
    assign_ids(root)
    link_events(root)
    plain_collections(root)
    drop_ignored_data(root)


def _spiff_call(action: Any, filename: str) -> Any:
    try:
        return action()
    except ValidationException as err:
        raise DeploymentRefused(_message(err), file=err.file_name or filename, element=err.id or None,
                                line=getattr(err, "line_number", None) or None) from err
    except SpiffWorkflowException as err:
        raise DeploymentRefused(_message(err), file=filename) from err


def _message(err: Exception) -> str:
    text = str(err.args[0]) if err.args else type(err).__name__
    line = getattr(err, "line_number", "")
    return f"{text}（第{line}行）" if line else text


def _activities(node: Any) -> dict[str, ActivityInfo]:
    return {el.get("id"): ActivityInfo.from_json(_activity(el)) for el in node.iter() if _is_activity(el)}


def _build_process(parser: ServiceParser, node: Any, filename: str, activities: dict[str, dict[str, ActivityInfo]],
                   calls: tuple[Any, ...]) -> ParsedProcess:
    key = node.get("id")
    stored, graph = calls
    spec = _spiff_call(lambda: parser.get_spec(key), filename)
    specs = _spiff_call(lambda: subprocess_specs(parser, key, stored), filename)
    elements = {el.get("id"): el for el in node.getroottree().getroot().iter() if isinstance(el.tag, str)}
    for process_spec in (spec, *(s for s in specs.values() if not isinstance(s, dict))):
        _attach_extensions(process_spec, elements)
    bundle = call_bundle(key, graph, activities, stored)
    dumped = {**dump_spec(spec, specs), **bundle.to_json(),
              "owned": sorted(owned_names(node)),  # variables no client may set (app/services/inputs.py)
              "startableInTasklist": node.get(CAMUNDA + "isStartableInTasklist") != "false"}
    return ParsedProcess(key, node.get("name") or key, filename, dumped, activities[key], bundle,
                         [called for _, called in calls_of(node) if called is not None])


def _attach_extensions(process_spec: Any, elements: dict[str, Any]) -> None:
    """Give each task spec what its element's extensions do at run time (listeners, outputs, in/out mappings)."""
    for task_spec in process_spec.task_specs.values():
        el = elements.get(getattr(task_spec, "bpmn_id", None) or "")
        if el is not None and el.find(full_tag("linkEventDefinition")) is not None:
            task_spec.description = f"Link {task_spec.description.split(' ', 1)[-1]}"  # the engine sees no event
        found = extensions_of(el) if el is not None else {}
        if isinstance(task_spec, LoopTask):  # the multi-instance body: each instance listens, not the body
            found.pop(LISTENERS, None)
            found.pop(OUTPUTS, None)
        if found:
            task_spec.extensions = {**(getattr(task_spec, "extensions", None) or {}), **found}


def _is_activity(el: Any) -> bool:
    return isinstance(el.tag, str) and el.get("id") is not None and el.tag != full_tag("sequenceFlow") \
        and el.getparent() is not None \
        and el.getparent().tag in (full_tag("process"), full_tag("subProcess"), full_tag("transaction"))


def _activity(el: Any) -> dict[str, Any]:
    """An activity's type, name and Camunda attributes, by the names ActivityInfo.from_json reads."""
    tag = etree.QName(el).localname
    info = {"type": tag, "name": el.get("name") or el.get("id")}
    if tag == "boundaryEvent":
        info["attachedTo"] = el.get("attachedToRef")
    for attr in ("candidateGroups", "candidateUsers", "assignee", "dueDate", "followUpDate",
                 "priority", "formKey", "formRef", "topic", "taskPriority", "initiator"):
        value = el.get(CAMUNDA + attr)
        if value:
            info[attr] = value
    inputs = {p.get("name"): parameter_expression(p)
              for p in el.iterfind(f"{full_tag('extensionElements')}/{CAMUNDA}inputOutput/{CAMUNDA}inputParameter")}
    if inputs:
        info["inputs"] = inputs  # task-local variables: what the task shows beside its form
    declared = declared_variables(el)
    if declared is not None:
        info["variables"] = declared  # what an external task's worker may see, or a message may carry
    properties = {p.get("name"): p.get("value")
                  for p in el.iterfind(f"{full_tag('extensionElements')}/{CAMUNDA}properties/{CAMUNDA}property")}
    if properties:
        info["properties"] = properties  # an external task's extension properties, given to workers that ask
    notice = _properties(el).get(NOTICE_PROPERTY)
    if notice:
        info[NOTICE_PROPERTY], info["noticeKinds"] = notice, declared_kinds(notice)  # checked by _notice_problem
    time_date = el.find(f"{full_tag('timerEventDefinition')}/{full_tag('timeDate')}")
    if time_date is not None and (time_date.text or "").strip():
        info["timeDate"] = time_date.text.strip()  # a deadline timer, recomputed when the calendar changes
    message = el.find(full_tag("messageEventDefinition"))
    if tag == "startEvent" and message is not None:
        info["message"] = _message_name(el, message.get("messageRef"))  # POST /message starts a case here
    return info


def declared_variables(el: Any) -> list[str] | None:
    """The variables an element declares (extension property `variables`: names separated by commas)."""
    found = el.find(f"{full_tag('extensionElements')}/{CAMUNDA}properties/{CAMUNDA}property[@name='variables']")
    if found is None:
        return None
    return [name.strip() for name in (found.get("value") or "").split(",") if name.strip()]


def _declared_problem(el: Any) -> str | None:
    names = declared_variables(el) or []
    bad = [name for name in names if not name.isidentifier() or name.startswith("_")]
    return f"扩展属性 variables 中的变量名无效：{', '.join(bad)}" if bad else None
def _properties(el: Any) -> dict[str, str]:
    return {p.get("name"): p.get("value") or ""
            for p in el.iterfind(f"{full_tag('extensionElements')}/{CAMUNDA}properties/{CAMUNDA}property")}


def _notice_problem(el: Any) -> str | None:
    """A `notice` property belongs on a user task (the handover) and names kinds the service knows."""
    if el.tag != CAMUNDA + "property" or el.get("name") != NOTICE_PROPERTY:
        return None
    owner = el.getparent().getparent() if el.getparent() is not None else None
    owner = owner.getparent() if owner is not None else None
    if owner is None or owner.tag != full_tag("userTask"):
        return "camunda:property notice 只能声明在交付告知书的用户任务上"
    try:
        declared_kinds(el.get("value") or "")
    except ValueError as err:
        return f"camunda:property notice：{err}"
    return None


def _message_name(el: Any, ref: str | None) -> str | None:
    found = el.getroottree().getroot().find(f"{full_tag('message')}[@id='{ref}']") if ref else None
    return found.get("name") if found is not None else ref


def _check_camunda_attributes(root: Any, filename: str) -> None:
    """Refuse attributes and expressions the service cannot run safely."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        problem = _element_problem(el)
        if problem:
            element = el.get("id") or _owner_id(el)
            raise DeploymentRefused(problem, file=filename, element=element)


def _owner_id(el: Any) -> str | None:
    while el is not None and el.get("id") is None:
        el = el.getparent()
    return el.get("id") if el is not None else None


def _element_problem(el: Any) -> str | None:
    tag = etree.QName(el).localname
    check = _TAG_CHECKS.get(tag)
    problem = (check(el) if check else None) or _declared_problem(el)
    if problem:
        return problem
    for attr in ("dueDate", "followUpDate", "candidateGroups", "assignee", "priority", "taskPriority"):
        value = el.get(CAMUNDA + attr)
        problem = value and _attribute_problem(attr, value)
        if problem:
            return f"camunda:{attr}：{problem}"
    if tag in ("inputParameter", "outputParameter"):
        return _parameter_problem(el)
    if tag in _EXPRESSION_TAGS and el.text:
        problem = expression_problem(el.text)
        if problem:
            return f"{tag}：{problem}"
    if tag in _TIMER_TAGS and is_iso_literal(el.text or ""):
        return timer_problem(tag, el.text)
    return None


def _attribute_problem(attr: str, value: str) -> str | None:
    if attr in ("dueDate", "followUpDate") and is_iso_literal(value):
        return timer_problem("timeDate", value)  # a literal due date is a date, not a duration
    if "{" in value or attr in ("dueDate", "followUpDate"):
        return expression_problem(value)
    if attr in ("priority", "taskPriority") and not (value.strip().lstrip("-").isdecimal() and abs(int(value)) < 2**31):
        return f"优先级须为整数或表达式：{value[:40]}"
    return None


def _parameter_problem(el: Any) -> str | None:
    text = (el.text or "").strip()
    if "${" in text and not (text.startswith("${") and text.endswith("}")):
        return f"camunda:{etree.QName(el).localname} {el.get('name')}：文本与表达式混写（如 \"a ${{b}}\"）暂不支持"
    problem = expression_problem(parameter_expression(el))
    return f"camunda:{etree.QName(el).localname} {el.get('name')}：{problem}" if problem else None


def _listener_problem(el: Any) -> str | None:
    problem = script_problem(el.findtext(CAMUNDA + "script") or "")
    return f"camunda:{etree.QName(el).localname}：{problem}" if problem else None


def _script_task_problem(el: Any) -> str | None:
    fmt = (el.get("scriptFormat") or "python").lower()
    if fmt not in ("python", "spiff"):
        return f"不支持的脚本语言 {fmt}：只接受受限的 python 表达式脚本"
    return script_problem(el.findtext(full_tag("script")) or "")


_TAG_CHECKS = {"scriptTask": _script_task_problem, "taskListener": _listener_problem,
               "executionListener": _listener_problem, "property": _notice_problem}
_TIMER_TAGS = ("timeDate", "timeDuration", "timeCycle")
_EXPRESSION_TAGS = (*_TIMER_TAGS, "conditionExpression", "condition", "completionCondition", "loopCardinality",
                    "loopCondition")
