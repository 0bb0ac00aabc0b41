"""What of a Camunda 7 model the service runs: every BPMN element, `camunda:` attribute and `camunda:` extension
element a diagram holds either runs with Camunda's meaning here or refuses the deployment, naming it and why.

The tables below are the whole list; an element or attribute they do not name is refused, so nothing a designer
draws is silently ignored. Diagram interchange (`bpmndi`, `dc`, `di`) and other vendors' extensions are ignored,
as Camunda 7 ignores them.
"""

import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from .expressions import expression_problem

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
CAMUNDA = "http://camunda.org/schema/1.0/bpmn"
JAVA = "Java 代码不能在本服务运行：改为外部任务（camunda:type=\"external\" 并设置 camunda:topic）"
NOT_IN_CAMUNDA = "Camunda 7 也不执行此元素"

Check = Callable[[etree._Element], str | None]
Rule = str | Check | None  # None: runs with Camunda's meaning; a text: why it is refused; a check: decides per element


def _local(el: Any) -> str:
    name: str = etree.QName(el).localname
    return name


def _parent(el: Any) -> str:
    parent = el.getparent()
    return _local(parent) if parent is not None else ""


def _c(el: Any, name: str) -> str | None:
    value: str | None = el.get(f"{{{CAMUNDA}}}{name}")
    return value


# -- BPMN elements ---------------------------------------------------------------------------------------------


def _start_event(el: Any) -> str | None:
    if el.find(f"{{{BPMN}}}timerEventDefinition") is not None and _parent(el) == "process":
        return "流程级定时开始事件：服务不按定时自动创建案件（请用消息开始事件或由调度调用开始接口）"
    return None


def _throw_message(el: Any) -> str | None:
    if _parent(el) in ("endEvent", "intermediateThrowEvent"):
        return "消息抛出事件：Camunda 7 以 Java 实现其发送，本服务不能运行"
    return None


def _signal(el: Any) -> str | None:
    """A signal is caught by a case waiting for it (POST /signal delivers it); none is thrown or starts a case."""
    if _parent(el) in ("endEvent", "intermediateThrowEvent"):
        return SIGNAL_THROW
    if _parent(el) == "startEvent":
        return SIGNAL_START
    return None


def _sub_process(el: Any) -> str | None:
    if el.get("triggeredByEvent") == "true":
        return EVENT_SUBPROCESS
    return None


def _cancel(el: Any) -> str | None:
    """A cancel end event sits in a transaction, a cancel boundary event on one (Camunda refuses them elsewhere)."""
    event = el.getparent()
    if _local(event) == "endEvent" and _parent(event) == "transaction":
        return None
    if _local(event) == "boundaryEvent":
        attached = event.getparent().find(f"{{{BPMN}}}transaction[@id='{event.get('attachedToRef')}']")
        if attached is not None:
            return None
    return "取消事件只能是事务子流程中的结束事件，或附在事务子流程上的边界事件"


def _links(container: Any, kind: str, name: str) -> list[Any]:
    return [event for event in container.findall(f"{{{BPMN}}}{kind}")
            if any(d.get("name") == name for d in event.findall(f"{{{BPMN}}}linkEventDefinition"))]


def _link(el: Any) -> str | None:
    """A link throw event jumps to the one link catch event of its name in the same (sub)process, as in Camunda."""
    event, name = el.getparent(), el.get("name") or ""
    container = event.getparent()
    if _local(event) not in ("intermediateThrowEvent", "intermediateCatchEvent"):
        return "链接事件只能是中间抛出或中间捕获事件"
    if not name:
        return "链接事件须有名称（linkEventDefinition 的 name），抛出事件按名称跳到捕获事件"
    catches = _links(container, "intermediateCatchEvent", name)
    if len(catches) > 1:
        return f"同一层级有 {len(catches)} 个名为 {name} 的链接捕获事件"
    if _local(event) == "intermediateThrowEvent":
        if not catches:
            return f"同一层级没有名为 {name} 的链接捕获事件"
        if any(f.get("sourceRef") == event.get("id") for f in container.findall(f"{{{BPMN}}}sequenceFlow")):
            return "链接抛出事件不能有出口顺序流"
    return None


def link_events(root: Any) -> None:
    """Send the flows into each link throw event on to the link catch event of its name and drop the throw event:
    as in Camunda, the throw event is no activity of its own, only a jump (checked by `_link` first)."""
    for definition in list(root.iter(f"{{{BPMN}}}linkEventDefinition")):
        event = definition.getparent()
        if _local(event) != "intermediateThrowEvent":
            continue
        container = event.getparent()
        catch = _links(container, "intermediateCatchEvent", definition.get("name"))[0]
        for flow in container.findall(f"{{{BPMN}}}sequenceFlow[@targetRef='{event.get('id')}']"):
            flow.set("targetRef", catch.get("id"))
        container.remove(event)


def _service_task(el: Any) -> str | None:
    if _c(el, "type") != "external" or not _c(el, "topic"):
        return f"服务任务：{JAVA}"
    return None


def _business_rule_task(el: Any) -> str | None:
    if _c(el, "decisionRef") is None:
        return f"业务规则任务须引用决策表（camunda:decisionRef）；{JAVA}"
    return None


def _receive_task(el: Any) -> str | None:
    if el.get("instantiate") == "true":
        return "receiveTask instantiate=\"true\"：不支持以接收任务创建案件"
    if not el.get("messageRef"):
        return "接收任务须引用消息（messageRef）"
    return None


def _multi_instance(el: Any) -> str | None:
    if el.find(f"{{{BPMN}}}loopDataInputRef") is not None and not _c(el, "collection"):
        return "多实例请用 camunda:collection 与 camunda:elementVariable 指定集合"
    return _collected_output(el)


def _collected_output(el: Any) -> str | None:
    """A multi-instance call activity collects each instance's `outputDataItem` into the list `loopDataOutputRef`
    names (app/engine/parser.py); Camunda 7 and SpiffWorkflow's Camunda parser read neither. Half of the pair, or
    the pair elsewhere, would run as a plain multi-instance with nothing collected: refused. A modeler (bpmn-js,
    Camunda Modeler) drops a `loopDataOutputRef` that names no element of the file, leaving the `outputDataItem`."""
    activity = el.getparent()
    name = activity.get("id") or _local(activity)
    output = el.find(f"{{{BPMN}}}loopDataOutputRef")
    item = el.find(f"{{{BPMN}}}outputDataItem")
    if output is None and item is None:
        return None
    if output is None:
        return (f"多实例 {name} 有 outputDataItem 而没有 loopDataOutputRef：各实例的输出不会被收集，流程的含义已改变"
                "（建模器会丢弃指向不存在元素的 loopDataOutputRef：请以同名的 bpmn:dataObject 声明收集到的变量，"
                "再设置 loopDataOutputRef）")
    if not (output.text or "").strip():
        return f"多实例 {name} 的 loopDataOutputRef 为空：须写收集到的变量名"
    if item is None:
        return f"多实例 {name} 有 loopDataOutputRef 而没有 outputDataItem：不知道收集各实例的哪个变量"
    if _local(activity) != "callActivity":
        return (f"多实例 {name}：收集输出（loopDataOutputRef / outputDataItem）只支持多实例调用活动，"
                "Camunda 7 不执行它们")
    return None


def _conditional(el: Any) -> str | None:
    if _parent(el) != "intermediateCatchEvent":
        return CONDITIONAL
    event = el.getparent()
    container = event.getparent()
    flows = container.findall(f"{{{BPMN}}}sequenceFlow[@targetRef='{event.get('id')}']")
    sources = {f.get("sourceRef") for f in flows}
    if any(g.get("id") in sources for g in container.findall(f"{{{BPMN}}}eventBasedGateway")):
        return "事件网关之后的条件事件暂不支持"
    if el.find(f"{{{BPMN}}}condition") is None:
        return "条件事件须有条件（bpmn:condition）"
    return None


def _condition(el: Any) -> str | None:
    language = (el.get("language") or "").lower()
    if language and language not in ("juel", "python", "http://www.omg.org/spec/bpmn/20100524/model"):
        return f"条件表达式语言 {language}：只接受服务的表达式语言（${{…}}），不运行脚本语言"
    if el.get(f"{{{CAMUNDA}}}resource"):
        return "camunda:resource：不从外部文件读取表达式"
    return None


SIGNAL_THROW = "信号抛出事件：Camunda 把信号广播到所有案件，本服务在一个案件之内不能做到；请由外部调用 POST /signal"
SIGNAL_START = "信号开始事件暂不支持：POST /signal 只送达正在等待的案件（中间捕获事件、边界事件）"
COMPENSATION = "补偿（补偿事件与补偿处理活动）暂不支持：SpiffWorkflow 3.2 没有补偿"
CONDITIONAL = "条件事件只支持中间捕获事件（边界、开始事件上的条件事件暂不支持）"
EVENT_SUBPROCESS = ("事件子流程暂不支持：SpiffWorkflow 3.2 不按 isInterrupting 中断所在作用域、"
                    "不解析错误与升级开始事件，定时事件子流程还会让流程在主路径结束后不结束")
PERFORMER = "请用 camunda:candidateGroups 或 camunda:assignee 指定办理人"

# data elements Camunda 7 does not execute: they are dropped before the engine reads the diagram
IGNORED_DATA = frozenset({
    "dataObject", "dataObjectReference", "dataStore", "dataStoreReference", "dataState", "dataInputAssociation",
    "dataOutputAssociation", "property", "ioSpecification", "dataInput", "dataOutput", "inputSet", "outputSet",
    "dataInputRefs", "dataOutputRefs", "optionalInputRefs", "optionalOutputRefs", "whileExecutingInputRefs",
    "whileExecutingOutputRefs", "inputSetRefs", "outputSetRefs", "sourceRef", "targetRef", "assignment", "from",
    "to", "transformation", "ioBinding",
})

ELEMENTS: dict[str, Rule] = {
    # structure, documentation and what only the diagram shows
    "definitions": None, "process": None, "collaboration": None, "participant": None, "messageFlow": None,
    "laneSet": None, "lane": None, "flowNodeRef": None, "childLaneSet": None, "documentation": None,
    "extensionElements": None, "textAnnotation": None, "text": None, "association": None, "group": None,
    "category": None, "categoryValue": None, "incoming": None, "outgoing": None, "itemDefinition": None,
    "message": None, "error": None, "signal": None, "escalation": None,
    **{name: None for name in IGNORED_DATA},
    # events
    "startEvent": _start_event, "endEvent": None, "intermediateCatchEvent": None, "intermediateThrowEvent": None,
    "boundaryEvent": None, "messageEventDefinition": _throw_message, "timerEventDefinition": None,
    "errorEventDefinition": None, "terminateEventDefinition": None, "timeDate": None, "timeDuration": None,
    "timeCycle": None,
    "signalEventDefinition": _signal, "escalationEventDefinition": None,
    "compensateEventDefinition": COMPENSATION, "conditionalEventDefinition": _conditional, "condition": _condition,
    "linkEventDefinition": _link, "cancelEventDefinition": _cancel, "eventDefinitionRef": NOT_IN_CAMUNDA,
    "implicitThrowEvent": NOT_IN_CAMUNDA,
    # activities
    "task": None, "manualTask": None, "userTask": None, "scriptTask": None, "script": None,
    "serviceTask": _service_task, "businessRuleTask": _business_rule_task, "receiveTask": _receive_task,
    "sendTask": f"发送任务：{JAVA}", "callActivity": None, "subProcess": _sub_process,
    "transaction": None, "adHocSubProcess": f"自由子流程：{NOT_IN_CAMUNDA}",
    "multiInstanceLoopCharacteristics": _multi_instance, "loopCardinality": None, "completionCondition": None,
    "loopDataOutputRef": None, "outputDataItem": None,
    "loopDataInputRef": None, "inputDataItem": None,
    "standardLoopCharacteristics": f"标准循环：{NOT_IN_CAMUNDA}（请用多实例）", "loopCondition": NOT_IN_CAMUNDA,
    "complexBehaviorDefinition": NOT_IN_CAMUNDA,
    # gateways and flows
    "exclusiveGateway": None, "parallelGateway": None, "inclusiveGateway": None, "eventBasedGateway": None,
    "complexGateway": f"复杂网关：{NOT_IN_CAMUNDA}", "activationCondition": NOT_IN_CAMUNDA,
    "sequenceFlow": None, "conditionExpression": _condition,
    # assignment the BPMN way
    "potentialOwner": PERFORMER, "humanPerformer": PERFORMER, "performer": PERFORMER,
    "resourceAssignmentExpression": PERFORMER, "resourceRole": PERFORMER, "resourceParameterBinding": PERFORMER,
    "formalExpression": PERFORMER,
}


BPMN_ATTRIBUTES: list[tuple[str, Callable[[str, etree._Element], bool], str]] = [
    ("isForCompensation", lambda v, el: v == "true", COMPENSATION),
    ("startQuantity", lambda v, el: v != "1", f"startQuantity≠1：{NOT_IN_CAMUNDA}"),
    ("completionQuantity", lambda v, el: v != "1", f"completionQuantity≠1：{NOT_IN_CAMUNDA}"),
    ("parallelMultiple", lambda v, el: v == "true", "parallelMultiple 事件：Camunda 7 也不支持"),
    ("eventGatewayType", lambda v, el: v == "Parallel", "并行事件网关：Camunda 7 也不支持"),
    ("scriptFormat", lambda v, el: v.lower() not in ("python", "spiff"),
     "脚本语言只接受服务的表达式语言（scriptFormat=\"python\"）：JavaScript、Groovy 等不运行"),
]


# -- camunda: attributes ---------------------------------------------------------------------------------------


def _one_of(*values: str) -> Callable[[str], str | None]:
    def check(value: str) -> str | None:
        return None if value in values else f"只接受 {' / '.join(values)}，得到 {value[:40]}"
    return check


def _refused(reason: str) -> Callable[[str], str | None]:
    return lambda value: reason


def _accepted(value: str) -> str | None:
    return None


def _is_expression(value: str) -> bool:
    text = value.strip()
    return text.startswith(("${", "#{")) and text.endswith("}")


def java_int(text: str) -> int | None:
    """`text` as Java's Integer.valueOf reads it (Camunda's reading of a version number given as text): decimal
    digits of any script, nothing around them, within an int; else None (Java's NumberFormatException)."""
    if not text.isdecimal():  # str.isdigit() also takes superscripts, which int() refuses
        return None
    number = int(text)
    return number if number < 2**31 else None


def _called_version(value: str) -> str | None:
    """A version number, or an expression of the service's language giving one when the call starts."""
    if _is_expression(value):
        return expression_problem(value.strip())
    number = java_int(value)
    if number is None or number < 1:
        return f"须为正整数版本号或 ${{表达式}}，得到 {value[:40]}"
    return None


def _called_version_tag(value: str) -> str | None:
    """A version tag, or an expression of the service's language giving one when the call starts."""
    if _is_expression(value):
        return expression_problem(value.strip())
    return None if value.strip() else "版本标签不能为空"


_NAME = re.compile(r"\s*(?:\$\{\s*)?([^\W\d]\w*)\s*\}?\s*")


def _variable_name(value: str) -> str | None:
    """A multi-instance collection: a variable, by name or as `${name}`."""
    if _NAME.fullmatch(value) and value.count("{") == value.count("}") == ("${" in value):
        return None
    return f"只接受变量名或 ${{变量名}}，得到 {value[:40]}"


# attribute -> check of its value (None: accepted as Camunda means it, see the README's "Deploying")
ATTRIBUTES: dict[str, Callable[[str], str | None]] = {
    # kept and shown, no effect on a run in Camunda either
    "diagramRelationId": _accepted, "modelerTemplate": _accepted, "modelerTemplateVersion": _accepted,
    "versionTag": _accepted, "historyTimeToLive": _accepted, "isStartableInTasklist": _accepted,
    "errorMessage": _accepted,
    # transaction boundaries: every command already commits at its next wait state (README, "Deploying")
    "async": _accepted, "asyncBefore": _accepted, "asyncAfter": _accepted, "exclusive": _accepted,
    # users and tasks
    "assignee": _accepted, "candidateGroups": _accepted, "dueDate": _accepted, "followUpDate": _accepted,
    "priority": _accepted, "initiator": _accepted,
    "candidateUsers": _refused("camunda:candidateUsers 暂不支持：请用候选组 camunda:candidateGroups"),
    "candidateStarterGroups": _refused("camunda:candidateStarterGroups 暂不支持：开始权限由角色表决定"),
    "candidateStarterUsers": _refused("camunda:candidateStarterUsers 暂不支持：开始权限由角色表决定"),
    # forms
    "formKey": _accepted, "formRef": _accepted, "formRefBinding": _one_of("latest", "deployment", "version"),
    "formRefVersion": _accepted, "formHandlerClass": _refused(JAVA),
    # external tasks and decisions
    "type": _one_of("external"), "topic": _accepted, "decisionRef": _accepted,
    "decisionRefBinding": _one_of("latest", "deployment"), "mapDecisionResult": _one_of(
        "singleEntry", "singleResult", "collectEntries", "resultList"),
    "resultVariable": _accepted,
    "decisionRefVersion": _refused("decisionRefVersion 暂不支持：决策按部署时的最新版本绑定"),
    "decisionRefVersionTag": _refused("decisionRefVersionTag 暂不支持：决策按部署时的最新版本绑定"),
    "decisionRefTenantId": _refused("多租户暂不支持"),
    # multi-instance
    "collection": _variable_name, "elementVariable": _accepted,
    # call activities
    "calledElementBinding": _one_of("latest", "deployment", "version", "versionTag"),
    "calledElementVersion": _called_version, "calledElementVersionTag": _called_version_tag,
    "calledElementTenantId": _refused("多租户暂不支持"),
    "caseRef": _refused("CMMN 案例不支持"), "caseBinding": _refused("CMMN 案例不支持"),
    "caseVersion": _refused("CMMN 案例不支持"), "caseTenantId": _refused("CMMN 案例不支持"),
    "variableMappingClass": _refused(JAVA), "variableMappingDelegateExpression": _refused(JAVA),
    # Java and JUEL beans
    "class": _refused(JAVA), "delegateExpression": _refused(JAVA), "expression": _refused(JAVA),
    "resource": _refused("不从外部资源文件读取脚本或表达式"),
    # what the service does not do
    "jobPriority": _refused("作业优先级暂不支持：作业按到期时间执行"),
    "taskPriority": _accepted,  # an external task's priority, as fetchAndLock's usePriority reads it
    "errorCodeVariable": _refused("errorCodeVariable 暂不支持"),
    "errorMessageVariable": _refused("errorMessageVariable 暂不支持"),
    "escalationCodeVariable": _refused("escalationCodeVariable 暂不支持"),
    "variableName": _refused("camunda:variableName 暂不支持：条件在案件变量每次变化后都求值"),
    "variableEvents": _refused("camunda:variableEvents 暂不支持：条件在案件变量每次变化后都求值"),
}

# attributes of camunda: extension elements, checked with the element that holds them (EXTENSIONS below)
_OWN_ATTRIBUTES = frozenset({"name", "value", "id", "event", "source", "sourceExpression", "target", "variables",
                             "local", "businessKey", "scriptFormat", "key", "config", "label"})


# -- camunda: extension elements -------------------------------------------------------------------------------


def _script_language(el: Any) -> str | None:
    fmt = (el.get("scriptFormat") or "").lower()
    if el.get("resource"):
        return "camunda:script resource：不从外部资源文件读取脚本"
    if fmt not in ("python", "spiff"):
        return (f"camunda:script scriptFormat=\"{el.get('scriptFormat')}\"：只运行服务的表达式语言脚本"
                "（scriptFormat=\"python\"，只能赋值与 if），JavaScript、Groovy 等不运行")
    return None


LISTENER_EVENTS = {"taskListener": ("create", "complete"), "executionListener": ("start", "end")}


def _listener(el: Any) -> str | None:
    kind = _local(el)
    if any(el.get(attr) for attr in ("class", "delegateExpression", "expression")):
        return f"camunda:{kind} 的 class/delegateExpression/expression：{JAVA}"
    if el.find(f"{{{CAMUNDA}}}field") is not None:
        return f"camunda:{kind} 的 camunda:field 只用于 Java 监听器"
    if el.find(f"{{{CAMUNDA}}}script") is None:
        return f"camunda:{kind} 须含 camunda:script"
    event = el.get("event") or ""
    allowed = LISTENER_EVENTS[kind]
    if event not in allowed:
        return f"camunda:{kind} event=\"{event}\" 暂不支持：只支持 {' / '.join(allowed)}"
    host = _host(el)
    if kind == "executionListener" and host not in _LISTENING_HOSTS:
        return f"{host} 上的执行监听器暂不支持：只支持活动与事件上的 start/end"
    return None


_LISTENING_HOSTS = frozenset({"task", "userTask", "manualTask", "scriptTask", "serviceTask", "businessRuleTask",
                              "receiveTask", "callActivity", "subProcess", "startEvent", "endEvent",
                              "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"})


def _host(el: Any) -> str:
    """The BPMN element an extension belongs to."""
    node = el.getparent()
    while node is not None and etree.QName(node).namespace != BPMN or (node is not None
                                                                         and _local(node) == "extensionElements"):
        node = node.getparent()
    return _local(node) if node is not None else ""


def _input_output(el: Any) -> str | None:
    for script in el.iter(f"{{{CAMUNDA}}}script"):
        problem = _script_language(script)
        if problem:
            return f"camunda:inputOutput 中的 {problem}"
    if el.find(f"{{{CAMUNDA}}}inputParameter") is not None and _host(el) not in ("userTask", "callActivity"):
        return "camunda:inputParameter 暂只支持用户任务与调用活动（活动的局部变量）"
    if el.find(f"{{{CAMUNDA}}}outputParameter") is not None and _host(el) not in ("userTask", "callActivity"):
        return "camunda:outputParameter 暂只支持用户任务与调用活动"
    return None


def _in_out(el: Any) -> str | None:
    if _host(el) != "callActivity":
        return f"camunda:{_local(el)} 只支持调用活动上的变量传递"
    if el.get("businessKey") is not None:
        if _local(el) != "in":
            return "businessKey 只用于 camunda:in（被调用流程实例的业务键）"
        if any(el.get(a) is not None for a in ("source", "sourceExpression", "target", "variables", "local")):
            return "camunda:in businessKey 须单独写一个 camunda:in，不带 source、target、variables 或 local"
        return None
    if el.get("local") not in (None, "true", "false"):
        return f"camunda:{_local(el)} local 只接受 true / false"
    if el.get("local") == "true" and el.get("sourceExpression") is not None:
        return f"camunda:{_local(el)} local=\"true\" 与 sourceExpression 不能同用：local 只读写调用活动的局部变量"
    if el.get("variables") not in (None, "all"):
        return f"camunda:{_local(el)} variables 只接受 all"
    if el.get("variables") is None and not (el.get("source") or el.get("sourceExpression")):
        return f"camunda:{_local(el)} 须设置 source、sourceExpression 或 variables=\"all\""
    if el.get("variables") is None and not el.get("target"):
        return f"camunda:{_local(el)} 须设置 target"
    return None


def _property(el: Any) -> str | None:
    if (el.get("name") or "").startswith("camunda:"):
        return "扩展属性名不能以 camunda: 开头（保留给服务）"
    return None


EXTENSIONS: dict[str, Rule] = {
    "properties": None, "property": _property,
    "inputOutput": _input_output, "inputParameter": None, "outputParameter": None, "list": None, "map": None,
    "entry": None, "value": None, "script": _script_language,
    "taskListener": _listener, "executionListener": _listener,
    "in": _in_out, "out": _in_out,
    "connector": "Camunda 连接器（camunda:connector）需要 Java 插件，本服务不能运行：改为外部任务",
    "connectorId": "Camunda 连接器需要 Java 插件", "field": f"camunda:field：{JAVA}",
    "string": f"camunda:field：{JAVA}", "expression": f"camunda:field：{JAVA}",
    "failedJobRetryTimeCycle": "camunda:failedJobRetryTimeCycle 暂不支持：失败作业固定重试三次（30 s、60 s、120 s）",
    "formData": "生成式表单（camunda:formData）不支持：请用 Camunda Forms（camunda:formRef）",
    "formField": "生成式表单（camunda:formData）不支持：请用 Camunda Forms（camunda:formRef）",
    "formProperty": "camunda:formProperty 不支持：请用 Camunda Forms（camunda:formRef）",
    "validation": "生成式表单（camunda:formData）不支持", "constraint": "生成式表单（camunda:formData）不支持",
    "potentialStarter": "camunda:potentialStarter 暂不支持：开始权限由角色表决定",
    "errorEventDefinition": "外部任务的 camunda:errorEventDefinition 暂不支持",
}


# -- the walk --------------------------------------------------------------------------------------------------


def model_problem(root: Any) -> tuple[etree._Element, str] | None:
    """Return the first element that refuses the model and why, or None."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        namespace = etree.QName(el).namespace
        if namespace == BPMN:
            problem = _bpmn_problem(el)
        elif namespace == CAMUNDA:
            problem = _extension_problem(el)
        else:
            continue
        problem = problem or _attribute_problem(el)
        if problem:
            return el, problem
    return None


def _apply(rule: Rule, el: Any) -> str | None:
    return rule(el) if callable(rule) else rule


def _bpmn_problem(el: Any) -> str | None:
    name = _local(el)
    if name not in ELEMENTS:
        return f"BPMN 元素 {name} 不受支持：{NOT_IN_CAMUNDA}或本服务不能按 Camunda 的含义执行"
    problem = _apply(ELEMENTS[name], el)
    if problem:
        return f"{name}：{problem}"
    for attribute, refused, reason in BPMN_ATTRIBUTES:
        value = el.get(attribute)
        if value is not None and refused(value, el):
            return f"{name} {attribute}=\"{value}\"：{reason}"
    return None


def _extension_problem(el: Any) -> str | None:
    name = _local(el)
    if name not in EXTENSIONS:
        return f"扩展元素 camunda:{name} 不受支持"
    problem = _apply(EXTENSIONS[name], el)
    return f"camunda:{name}：{problem}" if problem and not problem.startswith("camunda:") else problem


def _attribute_problem(el: Any) -> str | None:
    own = etree.QName(el).namespace == CAMUNDA
    for key, value in el.attrib.items():
        qname = etree.QName(key)
        if qname.namespace != CAMUNDA:
            continue
        name = qname.localname
        if own and name in _OWN_ATTRIBUTES:
            continue
        check = ATTRIBUTES.get(name)
        if check is None:
            return f"camunda:{name} 不受支持"
        problem = check(value)
        if problem:
            return f"camunda:{name}：{problem}"
    return None


CONTAINERS = frozenset({"definitions", "process", "subProcess", "transaction", "adHocSubProcess", "laneSet",
                        "collaboration"})


def where(el: Any) -> tuple[str | None, int | None]:
    """(id, None) to name a refused element by, or (None, line) for an element of a process that has no id;
    what sits inside an element (a condition, an extension) is named by that element."""
    node = el
    while node is not None:
        if etree.QName(node).namespace == BPMN and node.get("id"):
            return node.get("id"), None
        if etree.QName(node).namespace == BPMN and _parent(node) in CONTAINERS:
            return None, node.sourceline
        node = node.getparent()
    return None, el.sourceline


# what sits directly in a container but is no element of its own (a subprocess's `incoming`/`outgoing` refs)
_NOT_IDENTIFIED = frozenset({"extensionElements", "documentation", "incoming", "outgoing"})


def assign_ids(root: Any) -> None:
    """Give each element of a process that has no id one made from its kind and line, as Camunda needs one
    for every activity, event, gateway and flow; the same file always gets the same ids."""
    taken = {el.get("id") for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    for el in root.iter():
        if not isinstance(el.tag, str) or el.get("id") or etree.QName(el).namespace != BPMN \
                or _parent(el) not in CONTAINERS or _local(el) in _NOT_IDENTIFIED:
            continue
        made = f"{_local(el)}_line{el.sourceline}"
        while made in taken:
            made += "_"
        el.set("id", made)
        taken.add(made)


def plain_collections(root: Any) -> None:
    """Write `camunda:collection="${items}"` as the variable name `items` the engine reads."""
    for el in root.iter(f"{{{BPMN}}}multiInstanceLoopCharacteristics"):
        value = el.get(f"{{{CAMUNDA}}}collection")
        if value and "${" in value:
            name = _NAME.fullmatch(value)
            el.set(f"{{{CAMUNDA}}}collection", name.group(1) if name else value)


def drop_ignored_data(root: Any) -> None:
    """Remove the data elements Camunda 7 does not execute, which SpiffWorkflow would act on."""
    for el in list(root.iter(*(f"{{{BPMN}}}{name}" for name in IGNORED_DATA))):
        parent = el.getparent()
        if parent is not None and etree.QName(parent).namespace == BPMN and _local(parent) not in IGNORED_DATA:
            parent.remove(el)
