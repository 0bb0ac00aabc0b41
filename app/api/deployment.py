"""/deployment: deploy (multipart, as Camunda Modeler sends), list, read, read resources, delete."""

from flask import Blueprint, Response, jsonify, request

from app.domain.errors import ValidationFailed
from app.services import repository
from app.services.deploy import deploy

from . import dto
from .queries import register_list
from .removal import time_to_live_of
from .schemas import DeleteDeploymentArgs
from .support import accepts, actor, args, runtime

bp = Blueprint("deployment", __name__, url_prefix="/deployment")
register_list(bp, "", "deployment", dto.deployment, post=False)

_FORM_FIELDS = {"deployment-name", "enable-duplicate-filtering", "deploy-changed-only", "deployment-source",
                "tenant-id", "deployment-activation-time"}


def _form() -> dict:
    """The multipart fields Camunda defines, each at most once; a delayed activation cannot be honoured here, and
    an empty `tenant-id` names no county (a shared deployment is one without the field)."""
    form = request.form
    for name in form:
        if name not in _FORM_FIELDS:
            raise ValidationFailed(f"{name}: 不支持此字段", field=name)
        if len(form.getlist(name)) > 1:
            raise ValidationFailed(f"{name}: 此字段只能给出一次", field=name)
    if form.get("tenant-id") == "":
        raise ValidationFailed("tenant-id: 不能为空；省级共享的部署不带此字段", field="tenant-id")
    if form.get("deployment-activation-time"):
        raise ValidationFailed("deployment-activation-time: 不支持延迟激活部署", field="deployment-activation-time")
    return form


def _flag(form, name: str) -> bool:
    """A flag of the deployment form as Camunda reads it (Boolean.parseBoolean): `true` in any case, else false."""
    return (form.get(name) or "").lower() == "true"


@bp.post("/create")
def create_deployment():
    """Deploy the uploaded files (multipart, as Camunda Modeler sends them)."""
    form = _form()
    files = {f.filename: f.read() for f in request.files.values() if f.filename}
    if not files:
        raise ValidationFailed("请上传至少一个 .bpmn / .dmn / .form / .notice 文件", field="data")
    result = deploy(runtime(), actor(), form.get("deployment-name") or "deployment", files,
                    source=form.get("deployment-source"),
                    changed_only=_flag(form, "deploy-changed-only") or _flag(form, "enable-duplicate-filtering"),
                    tenant_id=form.get("tenant-id"))
    if result.deployment is None:
        return jsonify({"id": None, "name": form.get("deployment-name"), "deployedProcessDefinitions": None,
                        "message": "没有变化的文件，未产生新版本"}), 200
    return jsonify(dto.deployment_with_definitions(result, time_to_live_of(result.definitions)))


@bp.get("/registered")
def registered():
    """Deployments registered with a process application: there are none (no Java applications here)."""
    actor().require("definition.read")
    return jsonify([])


@bp.get("/<deployment_id>")
def get_deployment(deployment_id: str):
    return jsonify(dto.deployment(repository.deployment(runtime(), actor(), deployment_id)))


@bp.delete("/<deployment_id>")
@accepts(query=DeleteDeploymentArgs)
def delete_deployment(deployment_id: str):
    args()
    repository.delete_deployment(runtime(), actor(), deployment_id)
    return "", 204


@bp.get("/<deployment_id>/resources")
def resources(deployment_id: str):
    return jsonify([dto.resource(r) for r in repository.resources(runtime(), actor(), deployment_id)])


@bp.get("/<deployment_id>/resources/<resource_id>")
def resource(deployment_id: str, resource_id: str):
    return jsonify(dto.resource(repository.resources(runtime(), actor(), deployment_id, resource_id)[0]))


@bp.get("/<deployment_id>/resources/<resource_id>/data")
def resource_data(deployment_id: str, resource_id: str):
    name, content = repository.resource_content(runtime(), actor(), deployment_id, resource_id)
    kind = "application/json" if name.endswith(".form") else (
        "text/plain; charset=utf-8" if name.endswith(".notice") else "application/xml")
    response = Response(content, mimetype=kind)
    response.headers.set("Content-Disposition", "attachment", filename=name)
    return response
