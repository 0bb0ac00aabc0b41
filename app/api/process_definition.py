"""/process-definition and /deployment: deploy, list, read XML, start cases."""

from flask import Blueprint, jsonify, request

from app.domain.errors import ValidationFailed
from app.services import listings
from app.services.case_data import START_RESULT
from app.services.case_reads import command_result
from app.services.cases import start_case
from app.services.commands import StartCase
from app.services.deploy import deploy

from . import dto
from .schemas import DefinitionQuery, StartBody
from .support import actor, args, body, camunda_date, runtime
from .variables import from_camunda, to_camunda

bp = Blueprint("process_definition", __name__, url_prefix="/process-definition")
deployment_bp = Blueprint("deployment", __name__, url_prefix="/deployment")


@deployment_bp.post("/create")
def create_deployment():
    """Deploy the uploaded files (multipart, as Camunda Modeler sends them)."""
    files = {f.filename: f.read() for f in request.files.values() if f.filename}
    if not files:
        raise ValidationFailed("请上传至少一个 .bpmn / .dmn / .form 文件", field="data")
    form = request.form
    result = deploy(runtime(), actor(), form.get("deployment-name") or "deployment", files,
                    source=form.get("deployment-source"),
                    changed_only=form.get("deploy-changed-only") == "true"
                    or form.get("enable-duplicate-filtering") == "true")
    if result.deployment is None:
        return jsonify({"id": None, "name": form.get("deployment-name"), "deployedProcessDefinitions": None,
                        "message": "没有变化的文件，未产生新版本"}), 200
    d = result.deployment
    return jsonify({"id": d.id, "name": d.name, "source": d.source, "tenantId": None,
                    "deploymentTime": camunda_date(d.deployed_at), "links": [],
                    "deployedProcessDefinitions": {p.id: dto.definition(p) for p in result.definitions} or None,
                    "deployedForms": {f.id: {"id": f.id, "key": f.key, "version": f.version}
                                      for f in result.forms} or None,
                    "deployedCaseDefinitions": None, "deployedDecisionDefinitions": None,
                    "deployedDecisionRequirementsDefinitions": None})


@bp.get("")
def list_definitions():
    return jsonify([dto.definition(r) for r in listings.definitions(runtime(), actor(), args(DefinitionQuery))])


@bp.get("/key/<key>")
def get_by_key(key: str):
    return jsonify(dto.definition(listings.latest(runtime(), actor(), key)[0]))


@bp.get("/key/<key>/xml")
def xml_by_key(key: str):
    row, content = listings.latest(runtime(), actor(), key, with_xml=True)
    return jsonify({"id": row.id, "bpmn20Xml": content.decode("utf-8")})


@bp.post("/key/<key>/start")
def start(key: str):
    """Start a case of the latest version (Camunda POST /process-definition/key/{key}/start)."""
    data = body(StartBody)
    variables = from_camunda(data["variables"])
    instance = start_case(runtime(), StartCase(actor(), key, data["businessKey"], variables))
    result = dto.instance(instance)
    if data["withVariablesInReturn"]:
        result["variables"] = to_camunda(command_result(runtime(), actor(), instance.id, START_RESULT,
                                                        variables).variables)
    return jsonify(result), 200
