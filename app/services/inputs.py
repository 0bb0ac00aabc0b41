"""What a client may put into a case: never the county's settings, nor what the diagram or the service sets.

A start takes the fields of the start event's form (a message start: the payload form its message start
event names); without a form, any variable but the reserved ones. A message to a waiting case, a task
without a form and an external task's result may not set a reserved variable either. The supervisor's
repair may change neither a setting nor an amount.
"""

from sqlalchemy.orm import Session

from app.domain.amounts import is_amount
from app.domain.county_settings import SETTINGS
from app.domain.errors import NotFound, ValidationFailed
from app.engine.changes import Definition
from app.engine.functions import FunctionContext

from .definitions import cached_form
from .forms import is_client_form, validate_submission


def reserved_names(definition: Definition) -> set[str]:
    """Return the variables of a process no client may set: the settings and what the process sets itself."""
    return set(SETTINGS) | set(definition.spec.get("owned") or ())


def refuse_reserved(definition: Definition, variables: dict, field: str = "variables") -> None:
    """Refuse (400) a client's variables that name a setting or a variable the process sets itself."""
    taken = sorted(set(variables) & reserved_names(definition))
    if taken:
        raise ValidationFailed(f"变量 {', '.join(taken)} 由县级设置或流程自身确定，不能由请求设置",
                               field=f"{field}.{taken[0]}",
                               errors=[{"field": f"{field}.{name}", "message": "由服务确定，不能设置"}
                                       for name in taken])


def start_inputs(session: Session, definition: Definition, message: str | None, variables: dict,
                 context: FunctionContext) -> dict:
    """Return what a start may put into a new case: its start form's validated fields, else unreserved variables."""
    form_id = _start_form(definition, message)
    if form_id is None:
        refuse_reserved(definition, variables, "processVariables" if message else "variables")
        return dict(variables)
    schema = cached_form(session, form_id)
    if schema is None:
        raise NotFound(f"开始事件的表单 {form_id} 未部署", field="formKey")
    return validate_submission(schema, variables, {}, context)


def _start_form(definition: Definition, message: str | None) -> str | None:
    starts = [a for a in definition.activities.values() if a.type == "startEvent" and a.message == message]
    forms = {a.form_id or a.form_ref or a.form_key for a in starts}
    return next((f for f in forms if f and not is_client_form(f)), None)


def initiator(definition: Definition, message: str | None, username: str) -> dict:
    """`camunda:initiator` on the start event: the variable that names who started the case."""
    names = {a.initiator for a in definition.activities.values()
             if a.type == "startEvent" and a.message == message and a.initiator}
    return {name: username for name in names}


def refuse_repair_of(variables: dict) -> None:
    """Refuse a repair that would change a county setting or an amount."""
    taken = sorted(name for name in variables if name in SETTINGS or is_amount(name))
    if taken:
        raise ValidationFailed(f"修复不能更改县级设置或金额：{', '.join(taken)}", field=f"modifications.{taken[0]}")
