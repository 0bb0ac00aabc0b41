"""The one error format: Camunda's {"type", "message"} plus the field or BPMN element at fault."""

from flask import Flask, Response, current_app, g, jsonify, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from app.domain.errors import DomainError


def _flat(messages, prefix=""):
    """Every (field, message) of marshmallow's nested messages, in order."""
    if isinstance(messages, dict):
        for key, value in messages.items():
            yield from _flat(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(messages, list) and messages and isinstance(messages[0], (dict, list)):
        for item in messages:
            yield from _flat(item, prefix)
    else:
        yield prefix, messages[0] if isinstance(messages, list) and messages else str(messages)


def error_response(err: DomainError) -> Response:
    """The JSON answer to a domain error, with its status and headers."""
    response = jsonify(err.to_dict())
    response.status_code = err.status
    if err.status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="engine-rest"'
    if getattr(err, "retry_after", None):
        response.headers["Retry-After"] = str(err.retry_after)
    return response


# what programs call: errors there stay JSON, whatever path under them was asked for
MACHINE_PATHS = ("/engine-rest", "/api", "/metrics", "/health", "/ready")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, error_response)

    @app.errorhandler(ValidationError)
    def _schema(err: ValidationError):
        messages = err.messages  # raised outside a schema with a field name: a list, the field beside it
        if not isinstance(messages, dict) and err.field_name != "_schema":
            messages = {err.field_name: messages}
        errors = [{"field": field, "message": message} for field, message in _flat(messages)]
        field, message = errors[0]["field"], errors[0]["message"]
        return jsonify({"type": "InvalidRequestException", "message": f"{field}: {message}", "field": field,
                        "errors": errors}), 400

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException):
        pages = current_app.extensions.get("page_errors")  # a person's browser gets a page (app/web)
        if pages is not None and err.code in (404, 405) and not request.path.startswith(MACHINE_PATHS):
            return pages(err)
        kind = {404: "NotFoundException", 405: "MethodNotAllowed", 413: "RequestTooLarge"}.get(
            err.code, "InvalidRequestException")
        content = {"type": kind, "message": err.description}
        if err.code == 413:
            limit, setting = g.get("body_limit", (request.max_content_length, "MAX_CONTENT_LENGTH"))
            content.update(message=f"请求体超过 {limit} 字节上限（{setting}）", field="body")
        response = jsonify(content)
        response.status_code = err.code
        return response
