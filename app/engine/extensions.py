"""The Camunda extensions that act while a case runs: task and execution listeners (sandboxed scripts), output
parameters of user tasks, and the variables a call activity passes in and out (`camunda:in` / `camunda:out`).

They are read from the diagram at deploy (`extensions_of`) into each task spec's `extensions`, which SpiffWorkflow
stores with the spec; listeners and output parameters run from SpiffWorkflow's task life cycle
(app/engine/spiff_compat/listeners.py), call activities map their variables here.
"""

from copy import deepcopy
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.defaults import CallActivity

from .binding import BINDING, BOUND, CallTarget, UnboundCall
from .camunda_model import CAMUNDA, java_int
from .expressions import ExpressionError, evaluate, to_storable

LISTENERS, OUTPUTS, INS, OUTS = "camunda:listeners", "camunda:outputs", "camunda:in", "camunda:out"
INPUTS = "camunda:inputs"  # a call activity's input parameters: its local variables
LOCALS = "camunda:locals"  # internal data of a call activity's task: its local variables while it runs
_C = f"{{{CAMUNDA}}}"
SUPER_BUSINESS_KEY = ("#{execution.processBusinessKey}", "${execution.processBusinessKey}")


# -- reading the diagram ---------------------------------------------------------------------------------------


def extensions_of(el: Any) -> dict[str, Any]:
    """What an element's extension elements make it do at run time (the walk in camunda_model.py has checked
    them)."""
    found: dict[str, Any] = {}
    listeners: dict[str, list[str]] = {}
    for listener in el.iterfind(f"{_extension_path()}*"):
        if etree.QName(listener).localname in ("taskListener", "executionListener"):
            script = listener.find(f"{_C}script")
            listeners.setdefault(listener.get("event"), []).append((script.text or "") if script is not None else "")
    if listeners:
        found[LISTENERS] = listeners
    outputs = {p.get("name"): parameter_expression(p)
               for p in el.iterfind(f"{_extension_path()}{_C}inputOutput/{_C}outputParameter")}
    if outputs:
        found[OUTPUTS] = outputs
    for kind, key in (("in", INS), ("out", OUTS)):
        mappings = [_mapping(m) for m in el.iterfind(f"{_extension_path()}{_C}{kind}")]
        if mappings:
            found[key] = mappings
    if etree.QName(el).localname == "callActivity":
        inputs = {p.get("name"): parameter_expression(p)
                  for p in el.iterfind(f"{_extension_path()}{_C}inputOutput/{_C}inputParameter")}
        if inputs:
            found[INPUTS] = inputs
        found[BINDING] = {"binding": el.get(f"{_C}calledElementBinding") or "latest",
                          "version": el.get(f"{_C}calledElementVersion"),
                          "versionTag": el.get(f"{_C}calledElementVersionTag")}
    return found


def _extension_path() -> str:
    return "{http://www.omg.org/spec/BPMN/20100524/MODEL}extensionElements/"


def _mapping(el: Any) -> dict[str, Any]:
    if el.get("businessKey") is not None:
        return {"businessKey": el.get("businessKey").strip()}
    found: dict[str, Any] = {"all": True} if el.get("variables") == "all" else {
        "source": el.get("source"), "expression": el.get("sourceExpression") or None, "target": el.get("target")}
    if el.get("local") == "true":
        found["local"] = True
    return found


def parameter_expression(el: Any) -> str:
    """An input or output parameter as an expression: `${…}` as written, a plain text as that text (Camunda reads
    it as a string constant), a `camunda:list` or `camunda:map` as a list or record of such values, a
    `camunda:script` in the service's language as its expression."""
    child = next((c for c in el if isinstance(c.tag, str)), None)
    if child is None:
        return _value(el.text or "")
    kind = etree.QName(child).localname
    if kind == "list":
        return "[" + ", ".join(parameter_expression(item) for item in child if isinstance(item.tag, str)) + "]"
    if kind == "map":
        return "{" + ", ".join(f"{entry.get('key')!r}: {parameter_expression(entry)}"
                               for entry in child if isinstance(entry.tag, str)) + "}"
    return "${" + (child.text or "").strip() + "}"  # camunda:script (python) or camunda:value


def _value(text: str) -> str:
    stripped = text.strip()
    if stripped.startswith(("${", "#{")) and stripped.endswith("}"):
        return stripped
    return "${" + repr(text) + "}"


# -- running them ----------------------------------------------------------------------------------------------


def evaluate_in(my_task: Any, expression: str, names: dict[str, Any]) -> Any:
    """Evaluate an expression of a diagram's extension for a task, as a task failure naming it if it fails."""
    try:
        return to_storable(evaluate(expression, names, my_task.workflow.script_engine.context))
    except ExpressionError as err:
        raise WorkflowTaskException(f"{expression}：{err}", task=my_task, exception=err) from err


class MappedCallActivity(CallActivity):  # type: ignore[misc]  # an untyped base class
    """A call activity that passes variables as Camunda does: only what `camunda:in` names (or all of them with
    `variables="all"`) into the called process, only what `camunda:out` names back.

    Its input parameters are its local variables (kept in its task's internal data while it runs, `LOCALS`), which
    a `camunda:in` reads before the case's variables of the same name; `camunda:in local="true"` reads only them.
    `camunda:out local="true"` sets its local variables, which its output parameters read and which end with it."""

    def start_workflow(self, my_task: Any) -> None:
        """Bind the called process as the call starts (`camunda:calledElementBinding`, app/engine/binding.py),
        then start it."""
        top = my_task.workflow.top_workflow
        binding = (self.extensions or {}).get(BINDING)
        binder = getattr(top, "binder", None)
        if binding is not None and binding["binding"] != "deployment" and binder is not None:
            target = self._target(my_task, binding)
            try:
                bound = binder.bind(str(my_task.id), target)
            except UnboundCall as err:
                raise WorkflowTaskException(str(err), task=my_task, exception=err) from err
            if bound is not None:
                my_task.internal_data[BOUND] = bound
        super().start_workflow(my_task)

    def _target(self, my_task: Any, binding: dict[str, Any]) -> CallTarget:
        kind = binding["binding"]
        if kind == "version":
            value = evaluate_in(my_task, _value(binding["version"] or ""), dict(my_task.data))
            if isinstance(value, str) and (number := java_int(value)) is not None:
                value = number
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise WorkflowTaskException(f"camunda:calledElementVersion 须为正整数，得到 {str(value)[:40]}",
                                            task=my_task)
            return CallTarget(self.spec, kind, version=value)
        if kind == "versionTag":
            value = evaluate_in(my_task, _value(binding["versionTag"] or ""), dict(my_task.data))
            if not isinstance(value, str) or not value:
                raise WorkflowTaskException(f"camunda:calledElementVersionTag 须为文本，得到 {str(value)[:40]}",
                                            task=my_task)
            return CallTarget(self.spec, kind, version_tag=value)
        return CallTarget(self.spec, "latest")

    def copy_data(self, my_task: Any, subworkflow: Any) -> None:
        start = subworkflow.get_next_task(subworkflow.task_tree, skip_subprocesses=True, spec_name="Start")
        local = self._input_parameters(my_task)
        start.set_data(**self._mapped(my_task, INS, {**dict(my_task.data), **local}, local))

    def update_data(self, my_task: Any, subworkflow: Any) -> None:
        source, local = dict(subworkflow.last_task.data), dict(my_task.internal_data.get(LOCALS) or {})
        # as Camunda sets a variable on the call activity's execution: where it is defined (a local variable
        # stays local), else in the case; `local="true"` always on the call activity
        for name, value in self._mapped(my_task, OUTS, source, source, marked=False).items():
            (local if name in local else my_task.data)[name] = value
        local.update(self._mapped(my_task, OUTS, source, source, marked=True))
        if local:
            my_task.internal_data[LOCALS] = local

    def _input_parameters(self, my_task: Any) -> dict[str, Any]:
        """Evaluate the input parameters in order, each seeing those before it, into the task's local variables."""
        local: dict[str, Any] = {}
        for name, expression in ((self.extensions or {}).get(INPUTS) or {}).items():
            local[name] = evaluate_in(my_task, expression, {**dict(my_task.data), **local})
        if local:
            my_task.internal_data[LOCALS] = local
        return local

    def business_key(self, my_task: Any) -> tuple[bool, str | None]:
        """The called instance's business key (`camunda:in businessKey`): (True, None) for the calling instance's
        own (`#{execution.processBusinessKey}`), else (False, the expression's value on the caller's data, or
        None without one)."""
        for mapping in (self.extensions or {}).get(INS, []):
            expression = mapping.get("businessKey")
            if expression is None:
                continue
            if expression.replace(" ", "") in SUPER_BUSINESS_KEY:
                return True, None
            value = evaluate_in(my_task, _value(expression), dict(my_task.data))
            return False, None if value is None else str(value)
        return False, None

    def _mapped(self, my_task: Any, kind: str, visible: dict[str, Any], local: dict[str, Any],
                marked: bool | None = None) -> dict[str, Any]:
        """What the mappings of `kind` pass: read from the `visible` variables, or from the `local` ones for a
        mapping marked local; `marked` (True/False) keeps only the mappings marked local, or only the others."""
        passed: dict[str, Any] = {}
        for mapping in (self.extensions or {}).get(kind, []):
            if "businessKey" in mapping or (marked is not None and bool(mapping.get("local")) != marked):
                continue
            source = local if mapping.get("local") and kind == INS else visible
            if mapping.get("all"):
                passed.update(deepcopy(source))
            elif mapping["expression"]:
                passed[mapping["target"]] = evaluate_in(my_task, mapping["expression"], source)
            elif mapping["source"] in source:
                passed[mapping["target"]] = deepcopy(source[mapping["source"]])
            else:
                passed[mapping["target"]] = None  # Camunda passes an unset source as null
        return passed
