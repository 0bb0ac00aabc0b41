"""流程设计: deployed processes and forms, the BPMN modeler and form editor that deploy a new version, version diffs."""

from itertools import groupby
from pathlib import Path

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from app.domain.errors import DeploymentRefused, ValidationFailed
from app.domain.orgs import tenant_of
from app.domain.roles import ROLE_NAMES
from app.domain.strict_json import strict_loads
from app.services.catalogue import (
    deploy_preview,
    form_schema,
    form_versions,
    process_source,
    process_versions,
    version_diff,
)
from app.services.deploy import deploy
from app.services.notice_versions import template_versions

from .auth import login_required, require, runtime

bp = Blueprint("designer", __name__, url_prefix="/designer")

NEW_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_new" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="new_process" name="新流程" isExecutable="true">
    <bpmn:startEvent id="start" name="开始" />
  </bpmn:process>
  <bpmndi:BPMNDiagram id="BPMNDiagram_1">
    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement="new_process">
      <bpmndi:BPMNShape id="start_di" bpmnElement="start"><dc:Bounds x="180" y="160" width="36" height="36" />
      </bpmndi:BPMNShape>
    </bpmndi:BPMNPlane>
  </bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


@bp.get("")
@login_required
def index():
    """List the deployed processes and forms with their versions."""
    actor = require("definition.read")
    processes = [list(group) for _, group in groupby(process_versions(runtime(), actor), key=lambda v: v.key)]
    forms = [list(group) for _, group in groupby(form_versions(runtime(), actor), key=lambda v: v.key)]
    notices = [list(group) for _, group in groupby(template_versions(runtime(), actor), key=lambda v: v.key)]
    return render_template("designer/index.html", processes=processes, forms=forms, notices=notices,
                           may_deploy=actor.may("deployment.create"))


@bp.get("/processes/<key>")
@login_required
def process(key: str):
    """Show the versions of one process and its diagram."""
    actor = require("definition.read")
    versions = process_versions(runtime(), actor, key)
    source = process_source(runtime(), actor, key)
    return render_template("designer/process.html", key=key, versions=versions, source=source,
                           may_deploy=actor.may("deployment.create"))


@bp.get("/processes/<key>/<int:version>.bpmn")
@login_required
def download(key: str, version: int):
    """Download the BPMN file of a version (to open it in Camunda Modeler)."""
    source = process_source(runtime(), require("definition.read"), key, version)
    return Response(source.xml, mimetype="application/xml",
                    headers={"Content-Disposition": f"attachment; filename={source.resource_name}"})


@bp.get("/processes/<key>/diff")
@login_required
def diff(key: str):
    """Show what changed in the BPMN file between two versions."""
    actor = require("definition.read")
    old, new = request.args.get("old", type=int), request.args.get("new", type=int)
    if not old or not new:
        raise ValidationFailed("请选择要比较的两个版本", field="old")
    result = version_diff(runtime(), actor, key, old, new)
    return render_template("designer/diff.html", key=key, old=old, new=new, changes=result.changes,
                           lines=result.lines, elements=result.elements, old_xml=result.old_xml,
                           new_xml=result.new_xml, has_viewer=_has_viewer())


def _has_viewer() -> bool:
    return (Path(bp.root_path) / "static" / "dist" / "viewer.js").exists()


@bp.get("/processes/new")
@login_required
def new_process():
    """Open the modeler on an empty process."""
    require("deployment.create")
    return _modeler(None, NEW_PROCESS, "new_process.bpmn", [])


@bp.get("/processes/<key>/edit")
@login_required
def edit_process(key: str):
    """Open the modeler on a version of a process (the latest unless `version`)."""
    actor = require("deployment.create")
    source = process_source(runtime(), actor, key, request.args.get("version", type=int))
    return _modeler(source, source.xml, source.resource_name, [])


@bp.post("/processes/deploy")
@login_required
def deploy_process():
    """Deploy the edited diagram; a refused file goes back to the modeler with the error on its element."""
    actor = require("deployment.create")
    xml, resource_name = request.form.get("xml", ""), _bpmn_name(request.form.get("resource_name"))
    edited = request.form.get("key")
    source = process_source(runtime(), actor, edited, request.form.get("version", type=int)) if edited else None
    county = tenant_of(actor.org_path)  # a county's designer deploys for the county: the shared decisions serve
    files = {**(source.companions if source and county is None else {}), resource_name: xml.encode("utf-8")}
    if request.form.get("confirmed") != "1":  # say first what changes and which cases stay on their version
        return render_template("designer/deploy_confirm.html", preview=deploy_preview(runtime(), actor, xml),
                               xml=xml, resource_name=resource_name, source=source)
    try:
        result = deploy(runtime(), actor, resource_name.removesuffix(".bpmn"), files, source="web-modeler",
                        changed_only=True, tenant_id=county)
    except DeploymentRefused as err:
        error = {"element": err.element, "message": err.message, "file": err.file}
        return _modeler(source, xml, resource_name, [error]), 400
    if not result.definitions:
        flash("流程没有变化，未产生新版本", "info")
        return redirect(url_for("designer.index"))
    for definition in result.definitions:
        flash(f"已部署 {definition.name}（{definition.key}）第 {definition.version} 版", "info")
    return redirect(url_for("designer.process", key=result.definitions[0].key))


def _bpmn_name(name: str | None) -> str:
    name = (name or "").strip().replace("/", "_").replace("\\", "_")
    return name if name.endswith(".bpmn") else f"{name or 'process'}.bpmn"


def _modeler(source, xml: str, resource_name: str, errors: list[dict]):
    return render_template("designer/modeler.html", source=source, xml=xml, resource_name=resource_name,
                           errors=errors, groups=sorted(ROLE_NAMES.items()))


@bp.get("/forms/<key>/edit")
@login_required
def edit_form(key: str):
    """Open the form editor on the latest version of a form."""
    actor = require("deployment.create")
    return render_template("designer/form_editor.html", key=key, schema=form_schema(runtime(), actor, key),
                           error=None)


@bp.post("/forms/<key>/deploy")
@login_required
def deploy_form(key: str):
    """Deploy the edited form schema as the form's next version."""
    actor = require("deployment.create")
    text = request.form.get("schema", "")
    try:
        schema = strict_loads(text)
        if not isinstance(schema, dict) or schema.get("id") != key:
            raise DeploymentRefused(f"表单 id 须保持为 {key}", file=f"{key}.form")
        result = deploy(runtime(), actor, key, {f"{key}.form": text.encode("utf-8")}, source="web-form-editor",
                        tenant_id=tenant_of(actor.org_path),
                        changed_only=True)
    except (DeploymentRefused, ValueError) as err:
        message = getattr(err, "message", None) or f"表单不是有效的 JSON：{err}"
        return render_template("designer/form_editor.html", key=key, schema=_loaded(text), error=message), 400
    flash(f"已部署表单 {key} 第 {result.forms[0].version} 版" if result.forms else "表单没有变化，未产生新版本",
          "info")
    return redirect(url_for("designer.index"))


def _loaded(text: str):
    try:
        return strict_loads(text)
    except ValueError:
        return {"id": "", "components": []}
