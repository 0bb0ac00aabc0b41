"""The Camunda-7-compatible REST API under /engine-rest, HTTP Basic auth."""

from flask import Blueprint, Flask, g, jsonify, request

from . import (
    attachments,
    audit,
    calendar,
    decision_definition,
    deployment,
    execution,
    external_task,
    health,
    history,
    history_detail,
    households,
    identity,
    job,
    migration,
    modification,
    notices,
    payroll,
    process_definition,
    process_instance,
    settings,
    signal,
    supervision,
    task,
    tokens,
)
from .auth import request_actor
from .idempotency import KeyInUse, answer_from_first, keep_answer, take_key
from .openapi import openapi_document
from .support import refuse_nul_text, refuse_unread_args

engine_rest = Blueprint("engine_rest", __name__, url_prefix="/engine-rest")


def _authenticate():
    """HTTP Basic or a Bearer token on every API request except the version, the engines and the OpenAPI
    document; a command with an Idempotency-Key it already committed is answered here."""
    if request.endpoint in ("engine_rest.version", "engine_rest.openapi", "engine_rest.engines"):
        return None
    g.actor = request_actor()
    return take_key()


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


for child in (task.bp, attachments.bp, process_definition.bp, deployment.bp, process_instance.bp,
              process_instance.message_bp, external_task.bp, job.bp, job.incident_bp, history.bp, identity.user_bp,
              identity.group_bp, identity.identity_bp, process_instance.subscription_bp, modification.bp,
              migration.bp, execution.bp, history_detail.bp, decision_definition.bp, signal.bp):
    engine_rest.register_blueprint(child)


engine_rest.before_request(attachments.allow_attachment_bodies)  # before any hook reads the body
for resource in (engine_rest, settings.bp, calendar.bp, supervision.bp, audit.bp, tokens.bp, households.bp,
                 payroll.bp, payroll.cases_bp, notices.bp):
    resource.before_request(_authenticate)
    resource.before_request(refuse_nul_text)  # before any view compares a parameter in SQL
    resource.after_request(keep_answer)
for resource in (engine_rest, audit.bp):  # after the caller is known: a stranger is told 401 first
    resource.before_request(refuse_unread_args)


def register_api(app: Flask) -> None:
    app.register_error_handler(KeyInUse, answer_from_first)
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
    app.register_blueprint(notices.bp)
