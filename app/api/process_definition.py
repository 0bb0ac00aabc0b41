"""/process-definition: list, read (by key: the latest version; or by id), read XML and start forms, start cases."""

from flask import Blueprint, jsonify

from app.domain.errors import ValidationFailed
from app.services import case_views, repository, suspension
from app.services.case_data import START_RESULT
from app.services.case_reads import command_result
from app.services.cases import start_case
from app.services.commands import StartCase
from app.services.suspension import DefinitionSuspension
from app.services.variable_reads import shown_types

from . import dto
from .idempotency import answers_with_started_case, no_content, started_case
from .queries import register_list
from .removal import time_to_live_of, with_time_to_live
from .schemas import DefinitionSuspensionBody, StartBody
from .support import accepts, actor, body, runtime
from .variables import parse, to_camunda

bp = Blueprint("process_definition", __name__, url_prefix="/process-definition")
register_list(bp, "", "process-definition", with_time_to_live(dto.definition), post=False, by_page=True)


def _which(key: str | None, definition_id: str | None, tenant_id: str | None) -> tuple[str | None, str | None]:
    """(key, id) to look up: a key within a county (`…/key/{key}/tenant-id/{tenant-id}`) is that county's own
    latest version, by its id."""
    if tenant_id is None:
        return key, definition_id
    return None, repository.tenant_definition(runtime(), actor(), str(key), tenant_id).id


@bp.get("/key/<key>")
@bp.get("/key/<key>/tenant-id/<tenant_id>")
@bp.get("/<definition_id>")
def get_definition(key: str | None = None, definition_id: str | None = None, tenant_id: str | None = None):
    key, definition_id = _which(key, definition_id, tenant_id)
    row = repository.definition(runtime(), actor(), definition_id, key)
    return jsonify(dto.definition(row, time_to_live_of([row])[row.id]))


@bp.get("/key/<key>/xml")
@bp.get("/key/<key>/tenant-id/<tenant_id>/xml")
@bp.get("/<definition_id>/xml")
def definition_xml(key: str | None = None, definition_id: str | None = None, tenant_id: str | None = None):
    key, definition_id = _which(key, definition_id, tenant_id)
    row, xml = repository.definition_xml(runtime(), actor(), definition_id, key)
    return jsonify({"id": row.id, "bpmn20Xml": xml})


@bp.get("/key/<key>/diagram")
@bp.get("/key/<key>/tenant-id/<tenant_id>/diagram")
@bp.get("/<definition_id>/diagram")
def diagram(key: str | None = None, definition_id: str | None = None, tenant_id: str | None = None):
    """No diagram image is deployed with a process here: 204, as Camunda answers then."""
    key, definition_id = _which(key, definition_id, tenant_id)
    repository.definition(runtime(), actor(), definition_id, key)
    return "", 204


@bp.get("/key/<key>/startForm")
@bp.get("/key/<key>/tenant-id/<tenant_id>/startForm")
@bp.get("/<definition_id>/startForm")
def start_form_key(key: str | None = None, definition_id: str | None = None, tenant_id: str | None = None):
    key, definition_id = _which(key, definition_id, tenant_id)
    return jsonify({"key": repository.start_form(runtime(), actor(), definition_id, key), "camundaFormRef": None,
                    "contextPath": None})


@bp.get("/<definition_id>/static-called-process-definitions")
def called_definitions(definition_id: str):
    return jsonify(with_time_to_live(dto.called_definition, lambda called: called.definition)(
        repository.called_definitions(runtime(), actor(), definition_id)))


@bp.post("/key/<key>/start")
@bp.post("/key/<key>/tenant-id/<tenant_id>/start")
@bp.post("/<definition_id>/start")
@answers_with_started_case
@accepts(body=StartBody)
def start(key: str | None = None, definition_id: str | None = None, tenant_id: str | None = None):
    """Start a case of the latest version of a key (within a county's own versions when one is named), or of one
    version (Camunda POST …/start). A retry of a start that committed but whose answer was lost is answered with
    the case it created, as that case is now."""
    data = body()
    parsed = parse(data["variables"])
    if (created := started_case()) is not None:
        instance = case_views.started_case(runtime(), actor(), created)
    else:
        key, definition_id = _which(key, definition_id, tenant_id)
        instance = start_case(runtime(), StartCase(actor(), key, data["businessKey"], parsed.values,
                                                   typed=parsed.typed, definition_id=definition_id))
    result = dto.instance(instance)
    if data["withVariablesInReturn"]:
        view = command_result(runtime(), actor(), instance.id, START_RESULT, parsed.values)
        result["variables"] = to_camunda(view.variables, shown_types(runtime(), actor(), view))
    return jsonify(result), 200


def _suspension(data: dict, definition_id: str | None, key: str | None, tenant_id: str | None) -> DefinitionSuspension:
    """Which definitions a suspension names (Camunda): a path names one — by id, or the latest version of a key;
    `PUT /suspended` one by `processDefinitionId` or every version of `processDefinitionKey`, never both."""
    given = [name for name in ("processDefinitionId", "processDefinitionKey") if data[name]]
    if (definition_id or key) and given:
        raise ValidationFailed(f"{given[0]}: 路径已指明流程定义，请求体中不能再给出", field=given[0])
    if len(given) > 1:
        raise ValidationFailed("processDefinitionId 与 processDefinitionKey 只能给出其一", field="processDefinitionKey")
    if not (definition_id or key or given):
        raise ValidationFailed("须给出 processDefinitionId 或 processDefinitionKey", field="processDefinitionId")
    state, include = data["suspended"], bool(data["includeProcessInstances"])
    if definition_id or key:
        return DefinitionSuspension(state, definition_id, key, include, tenant_id,
                                    field="id" if definition_id else "tenant-id" if tenant_id else "key")
    if given == ["processDefinitionId"]:
        return DefinitionSuspension(state, data["processDefinitionId"], None, include, field=given[0])
    return DefinitionSuspension(state, None, data["processDefinitionKey"], include, every_version=True, field=given[0])


@bp.put("/<definition_id>/suspended")
@bp.put("/key/<key>/suspended")
@bp.put("/key/<key>/tenant-id/<tenant_id>/suspended")
@bp.put("/suspended")
@accepts(body=DefinitionSuspensionBody)
@no_content
def suspend(key: str | None = None, definition_id: str | None = None, tenant_id: str | None = None):
    """Suspend or activate a definition (no new case starts): by id; the latest version of a key (a county's own
    when its tenant id is named, else the one GET …/key/{key} gives); or every version of a key. With
    `includeProcessInstances`, their running cases too."""
    suspension.suspend_definitions(runtime(), actor(), _suspension(body(), definition_id, key, tenant_id))
    return "", 204
