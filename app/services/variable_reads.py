"""A case's (or a task's) variables as the engine API shows them: through the one door (case_data.open_case),
each with the Camunda type it was declared with, and the content of a Bytes or File variable."""

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.errors import NotFound
from app.store.tables import ProcessInstance

from .case_data import PROCESS_VARIABLES, TASK_FORM, CaseView, Purpose, case_in_scope, open_case
from .cases import visible_task_and_case
from .contents import content_of
from .runtime import Runtime


@dataclass(frozen=True)
class Variables:
    """Variable values as the reader may see them, and the declared Camunda type of those that have one."""

    values: dict
    types: dict

    def one(self, name: str) -> "Variables":
        if name not in self.values:
            raise NotFound(f"变量 {name} 不存在", field="varName")
        return Variables({name: self.values[name]}, {name: self.types[name]} if name in self.types else {})


def _typed(values, instance: ProcessInstance, withheld=lambda name: False) -> Variables:
    """Values with their declared types (a masked value is shown as the String it now is)."""
    types = {k: v for k, v in (instance.variable_types or {}).items() if k in values and not withheld(k)}
    return Variables(dict(values), types)


def visible_case(session: Session, actor: Actor, instance_id: str) -> ProcessInstance:
    """A case the actor may read, or NotFound (other scopes are not revealed)."""
    actor.require("case.read")
    return case_in_scope(session, actor, instance_id)


def case_variables(rt: Runtime, actor: Actor, instance_id: str, purpose: Purpose = PROCESS_VARIABLES) -> Variables:
    """The case's variables: scoped, masked and logged by the door."""
    with rt.unit_of_work() as uow:
        instance = visible_case(uow.session, actor, instance_id)
        view = open_case(uow.session, actor, instance, purpose)
        uow.commit()
        return _typed(view.variables, instance, view.withheld)


def task_variables(rt: Runtime, actor: Actor, task_id: str, purpose: Purpose = TASK_FORM,
                   local_only: bool = False) -> Variables:
    """What a task sees: its own (input parameter) variables over its case's, as Camunda resolves a task's
    scope; a referral department (no case permission) sees only the task's own."""
    with rt.unit_of_work() as uow:
        task, instance = visible_task_and_case(uow.session, actor, task_id)
        local = task.local_variables or {}
        view = open_case(uow.session, actor, instance, purpose, local, names=set(local) if local_only else None)
        uow.commit()
        return _typed(view.variables, instance, lambda name: name in local or view.withheld(name))


def variable_data(rt: Runtime, variables: Variables, name: str) -> tuple[bytes, dict]:
    """The content of a Bytes or File variable the actor has read, with its declared type."""
    return variable_content(rt, variables.one(name).values[name], variables.types.get(name), name)


def variable_content(rt: Runtime, value, declared: dict | None, name: str) -> tuple[bytes, dict]:
    """The content a Bytes or File variable's value refers to (the caller has read the variable)."""
    declared = declared or {}
    if declared.get("type") not in ("Bytes", "File") or not isinstance(value, dict) or "sha256" not in value:
        raise NotFound(f"变量 {name} 不是 Bytes 或 File 类型，没有二进制内容", field="varName")
    return content_of(rt, value["sha256"]), declared


def shown_types(rt: Runtime, actor: Actor, view: CaseView) -> dict:
    """The declared types of the variables a command's answer shows (none for a value shown masked)."""
    with rt.reading() as uow:
        types = visible_case(uow.session, actor, view.case_id).variable_types or {} if actor.may("case.read") else {}
    return {name: kind for name, kind in types.items() if name in view.variables and not view.withheld(name)}
