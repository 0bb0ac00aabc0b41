"""The Camunda-7-compatible REST API under /engine-rest, HTTP Basic auth."""

from flask import Blueprint, Flask, g, jsonify, request

from . import (
    audit,
    calendar,
    deployment,
    external_task,
    health,
    history,
    households,
    identity,
    job,
    payroll,
    process_definition,
    process_instance,
    settings,
    supervision,
    task,
    tokens,
)
from .auth import request_actor
from .openapi import openapi_document
from .support import refuse_unread_args

engine_rest = Blueprint("engine_rest", __name__, url_prefix="/engine-rest")


def _authenticate():
    """HTTP Basic or a Bearer token on every API request except the version and the OpenAPI document."""
    if request.endpoint in ("engine_rest.version", "engine_rest.openapi", "engine_rest.engines"):
        return
    g.actor = request_actor()


@engine_rest.get("/version")
def version():
    return jsonify({"version": "7.22.0"})


@engine_rest.get("/engine")
def engines():
    """The process engines this REST API serves: one, named as Camunda's default."""
    return jsonify([{"name": "default"}])


@engine_rest.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


for child in (task.bp, process_definition.bp, deployment.bp, process_instance.bp,
              process_instance.message_bp, external_task.bp, job.bp, job.incident_bp, history.bp, identity.user_bp,
              identity.group_bp, identity.identity_bp, process_instance.subscription_bp):
    engine_rest.register_blueprint(child)


engine_rest.before_request(_authenticate)
engine_rest.before_request(refuse_unread_args)
settings.bp.before_request(_authenticate)
calendar.bp.before_request(_authenticate)
supervision.bp.before_request(_authenticate)
audit.bp.before_request(_authenticate)
tokens.bp.before_request(_authenticate)
households.bp.before_request(_authenticate)
payroll.bp.before_request(_authenticate)
payroll.cases_bp.before_request(_authenticate)


def register_api(app: Flask) -> None:
    app.register_blueprint(health.bp)
    app.register_blueprint(engine_rest)
    app.register_blueprint(settings.bp)
    app.register_blueprint(calendar.bp)
    app.register_blueprint(supervision.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(tokens.bp)
    app.register_blueprint(households.bp)
    app.register_blueprint(payroll.bp)
    app.register_blueprint(payroll.cases_bp)
