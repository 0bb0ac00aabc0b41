"""Serve an OpenAPI 3 document of the engine API: every served operation, with the parameters and
bodies it reads, built from the same marshmallow schemas that parse them."""

import re
from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask, current_app, has_app_context

from . import variable_queries  # noqa: F401 (registers its list)
from .queries import LIST_ROUTES

_RESPONSES = {"200": {"description": "OK"}, "204": {"description": "No content"},
              "4XX": {"description": "Error naming the field or element"}}


def served_operations(app) -> list[tuple[str, str, object]]:
    """Every (path, method, view) served under /engine-rest, the path in OpenAPI form (`{id}`), without the prefix."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/engine-rest/") and rule.endpoint != "engine_rest.openapi":
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule[len("/engine-rest"):])
            view = app.view_functions[rule.endpoint]
            found.update((path, method.lower(), view) for method in rule.methods - {"HEAD", "OPTIONS"})
    return sorted(found, key=lambda item: item[:2])


def _operation(path: str, method: str, view) -> dict:
    operation: dict = {"responses": dict(_RESPONSES)}
    listed = LIST_ROUTES.get(path.removesuffix("/count"))
    query, body = getattr(view, "query_schema", None), getattr(view, "body_schema", None)
    if listed and method == "get":
        query = listed[0](not path.endswith("/count"))
    elif listed and method == "post":
        body = listed[1]()
    if body is not None:
        operation["requestBody"] = {"content": {"application/json": {"schema": body}}}
    if query is not None:
        operation["parameters"] = [{"in": "query", "schema": query}]
    for variable in re.findall(r"{([^}]+)}", path):
        operation.setdefault("parameters", []).append(
            {"in": "path", "name": variable, "required": True, "schema": {"type": "string"}})
    return operation


@lru_cache(maxsize=1)
def _document(operations: tuple[tuple[str, str, object], ...]) -> dict:
    spec = APISpec("社会救助工作流服务 engine-rest", "1.0.0", "3.0.3", plugins=[MarshmallowPlugin()],
                   servers=[{"url": "/engine-rest"}],
                   components={"securitySchemes": {"basic": {"type": "http", "scheme": "basic"}}})
    paths: dict[str, dict] = {}
    for path, method, view in operations:
        paths.setdefault(path, {})[method] = _operation(path, method, view)
    for path, methods in paths.items():
        spec.path(path=path, operations=methods)
    document = spec.to_dict()
    document["security"] = [{"basic": []}]
    return document


def openapi_document() -> dict:
    """The document of the engine API as this app serves it (outside a request: as the blueprint declares it)."""
    return _document(tuple(served_operations(current_app if has_app_context() else _routes_only())))


@lru_cache(maxsize=1)
def _routes_only() -> Flask:
    from . import engine_rest  # noqa: PLC0415 (the package registers this module's route)

    app = Flask(__name__)
    app.register_blueprint(engine_rest)
    return app
