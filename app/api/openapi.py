"""Serve an OpenAPI 3 document of the engine API, built from the marshmallow schemas."""

from functools import lru_cache

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from . import schemas

_BODIES = {
    ("/process-definition/key/{key}/start", "post"): schemas.StartBody,
    ("/task/{id}/complete", "post"): schemas.VariablesBody,
    ("/task/{id}/submit-form", "post"): schemas.VariablesBody,
    ("/task/{id}/claim", "post"): schemas.UserIdBody,
    ("/task/{id}/assignee", "post"): schemas.UserIdBody,
    ("/message", "post"): schemas.MessageBody,
    ("/external-task/fetchAndLock", "post"): schemas.FetchAndLockBody,
    ("/external-task/{id}/complete", "post"): schemas.ExternalCompleteBody,
    ("/external-task/{id}/failure", "post"): schemas.ExternalFailureBody,
    ("/external-task/{id}/extendLock", "post"): schemas.ExtendLockBody,
    ("/external-task/{id}/bpmnError", "post"): schemas.BpmnErrorBody,
    ("/job/{id}/duedate", "put"): schemas.DueDateBody,
    ("/job/{id}/retries", "put"): schemas.RetriesBody,
    ("/process-instance/{id}/variables", "post"): schemas.VariableModifications,
}
_QUERIES = {
    ("/task", "get"): schemas.TaskQuery,
    ("/task/count", "get"): schemas.TaskQuery,
    ("/process-definition", "get"): schemas.DefinitionQuery,
    ("/process-instance", "get"): schemas.InstanceQuery,
    ("/history/process-instance", "get"): schemas.InstanceQuery,
    ("/history/activity-instance", "get"): schemas.HistoryQuery,
    ("/history/task", "get"): schemas.HistoryQuery,
    ("/history/variable-instance", "get"): schemas.HistoryQuery,
    ("/job", "get"): schemas.JobQuery,
    ("/incident", "get"): schemas.Paging,
}
_PLAIN = [
    ("/version", "get"), ("/deployment/create", "post"), ("/process-definition/key/{key}", "get"),
    ("/process-definition/key/{key}/xml", "get"), ("/process-instance/{id}", "get"),
    ("/process-instance/{id}", "delete"), ("/process-instance/{id}/variables", "get"),
    ("/process-instance/{id}/activity-instances", "get"), ("/task/{id}", "get"),
    ("/task/{id}/form-variables", "get"), ("/task/{id}/unclaim", "post"), ("/external-task/{id}/unlock", "post"),
    ("/job/{id}/execute", "post"), ("/history/process-instance/{id}", "get"),
]


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    spec = APISpec("社会救助工作流服务 engine-rest", "1.0.0", "3.0.3", plugins=[MarshmallowPlugin()],
                   servers=[{"url": "/engine-rest"}],
                   components={"securitySchemes": {"basic": {"type": "http", "scheme": "basic"}}})
    paths: dict[str, dict] = {}
    for (path, method), schema in _BODIES.items():
        paths.setdefault(path, {})[method] = {"requestBody": {"content": {"application/json": {"schema": schema}}}}
    for (path, method), schema in _QUERIES.items():
        paths.setdefault(path, {})[method] = {"parameters": [{"in": "query", "schema": schema}]}
    for path, method in _PLAIN:
        paths.setdefault(path, {}).setdefault(method, {})
    for path, operations in paths.items():
        for operation in operations.values():
            operation.setdefault("responses", {"200": {"description": "OK"}, "204": {"description": "No content"},
                                               "4XX": {"description": "Error naming the field or element"}})
            if "{" in path:
                name = path.split("{")[1].split("}")[0]
                operation.setdefault("parameters", []).append(
                    {"in": "path", "name": name, "required": True, "schema": {"type": "string"}})
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    document["security"] = [{"basic": []}]
    return document
