"""流程设计: deployed processes and forms, the BPMN modeler and form editor that deploy a new version, version diffs."""

from collections.abc import Iterator, Mapping
from itertools import groupby
from operator import attrgetter
from pathlib import Path

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for

from app.domain.actors import Actor
from app.domain.errors import DeploymentRefused, Forbidden, ValidationFailed
from app.domain.orgs import tenant_of
from app.domain.roles import ROLE_NAMES
from app.domain.strict_json import strict_loads
from app.services.catalogue import (
    SHARED,
    Version,
    VersionRef,
    deploy_preview,
    deploy_target,
    deploy_targets,
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
    processes = list(_by_key(process_versions(runtime(), actor)))
    forms = [list(group) for _, group in groupby(form_versions(runtime(), actor), key=lambda v: v.key)]
    notices = [list(group) for _, group in groupby(template_versions(runtime(), actor), key=lambda v: v.key)]
    return render_template("designer/index.html", processes=processes, forms=forms, notices=notices,
                           may_deploy=actor.may("deployment.create"), may_edit_shared=_may_edit_shared(actor))


def _by_key(versions: list[Version]) -> Iterator[dict]:
    """Per key: the version its new cases take (the first, process_versions), the latest of each other owner's
    versions, and how many versions there are."""
    for _, group in groupby(versions, key=attrgetter("key")):
        rows = list(group)
        latest = [next(owned) for _, owned in groupby(rows, key=attrgetter("tenant_id"))]
        yield {"head": latest[0], "others": latest[1:], "count": len(rows)}


def _may_edit_shared(actor: Actor) -> bool:
    """Forms and notice templates are the province's, shared by every county: only its designers change them."""
    return actor.may("deployment.create") and tenant_of(actor.org_path) is None


def require_shared_editor() -> Actor:
    """The province's designer, who may deploy a shared form or notice template; a county's is refused."""
    actor = require("deployment.create")
    if not _may_edit_shared(actor):
        raise Forbidden("表单和告知书模板由省级设计员部署，各县共用；县级设计员不能修改")
    return actor


@bp.get("/processes/<key>")
@login_required
def process(key: str):
    """Show the versions of one process, whose each is, and the diagram of the one in force."""
    actor = require("definition.read")
    versions = process_versions(runtime(), actor, key)
    source = process_source(runtime(), actor, key)
    return render_template("designer/process.html", key=key, versions=versions, source=source,
                           may_deploy=actor.may("deployment.create"))


@bp.get("/processes/<key>/<int:version>.bpmn")
@login_required
def download(key: str, version: int):
    """Download the BPMN file of a version (to open it in Camunda Modeler)."""
    source = process_source(runtime(), require("definition.read"), key, version, _tenant(request.args))
    return Response(source.xml, mimetype="application/xml",
                    headers={"Content-Disposition": f"attachment; filename={source.resource_name}"})


@bp.get("/processes/<key>/diff")
@login_required
def diff(key: str):
    """Show what changed in the BPMN file between two versions."""
    actor = require("definition.read")
    result = version_diff(runtime(), actor, key, _version_ref("old"), _version_ref("new"))
    return render_template("designer/diff.html", key=key, old=result.before, new=result.after, changes=result.changes,
                           lines=result.lines, elements=result.elements, has_viewer=_has_viewer())


def _version(values: Mapping[str, str]) -> int | None:
    """The `version` a link or form names (None: not named); anything but a version number is refused."""
    value = values.get("version")
    if value is not None and not (value.isascii() and value.isdigit() and int(value) > 0):
        raise ValidationFailed(f"版本号须为正整数：{value}", field="version")
    return None if value is None else int(value)


def _tenant(values: Mapping[str, str]) -> str | None:
    """Whose version a link or form names (None: not named; catalogue.process_source refuses an ambiguous one)."""
    value = values.get("tenant")
    if value is not None and not value.strip():
        raise ValidationFailed("版本的归属为空", field="tenant")
    return value


def _version_ref(name: str) -> VersionRef:
    """A version to compare: its number, or `<tenant>:<number>` where the number alone is ambiguous."""
    value = request.args.get(name, "")
    tenant, colon, number = value.rpartition(":")
    if not (number.isascii() and number.isdigit() and int(number) > 0) or (colon and not tenant):
        raise ValidationFailed("请选择要比较的两个版本", field=name)
    return int(number), tenant or None


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
    """Open the modeler on a version of a process (the one in force unless `version`, and `tenant`, name one)."""
    actor = require("deployment.create")
    source = process_source(runtime(), actor, key, _version(request.args), _tenant(request.args))
    return _modeler(source, source.xml, source.resource_name, [])


@bp.post("/processes/deploy")
@login_required
def deploy_process():
    """Deploy the edited diagram for the designer's county (the province's designer: shared, or the county chosen on
    the confirm page); a refused file goes back to the modeler with the error on its element."""
    actor = require("deployment.create")
    form = request.form
    xml, resource_name = form.get("xml", ""), _bpmn_name(form.get("resource_name"))
    targets, county = deploy_targets(runtime(), actor), deploy_target(runtime(), actor, form.get("deploy_for"))
    edited = form.get("key")
    source = process_source(runtime(), actor, edited, _version(form), _tenant(form)) if edited else None
    # a county's deployment holds its BPMN alone: the shared decisions serve it
    files = {**(source.companions if source and county is None else {}), resource_name: xml.encode("utf-8")}
    if form.get("confirmed") != "1":  # say first what changes, for whom, and which cases stay on their version
        return render_template("designer/deploy_confirm.html", preview=deploy_preview(runtime(), actor, xml, county),
                               targets=targets, xml=xml, resource_name=resource_name, source=source)
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
        flash(f"已部署 {definition.name}（{definition.key}）{targets[county or SHARED]}第 {definition.version} 版",
              "info")
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
    actor = require_shared_editor()
    return render_template("designer/form_editor.html", key=key, schema=form_schema(runtime(), actor, key),
                           error=None)


@bp.post("/forms/<key>/deploy")
@login_required
def deploy_form(key: str):
    """Deploy the edited form schema as the form's next version."""
    actor = require_shared_editor()
    text = request.form.get("schema", "")
    try:
        schema = strict_loads(text)
        if not isinstance(schema, dict) or schema.get("id") != key:
            raise DeploymentRefused(f"表单 id 须保持为 {key}", file=f"{key}.form")
        result = deploy(runtime(), actor, key, {f"{key}.form": text.encode("utf-8")}, source="web-form-editor",
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
