"""Errors raised by domain rules and command handlers; the API maps each to one status."""

from typing import Any


class DomainError(Exception):
    """Base of every error a user can cause; carries what to show them."""

    status = 400
    kind = "InvalidRequestException"

    def __init__(self, message: str, *, field: str | None = None, element: str | None = None,
                 file: str | None = None, errors: list[dict[str, Any]] | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.element = element
        self.file = file
        self.line = line  # where in the file, for an element that has no id
        self.errors = errors or []

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.kind, "message": self.message}
        for key in ("field", "element", "file", "line"):
            if getattr(self, key):
                body[key] = getattr(self, key)
        if self.errors:
            body["errors"] = self.errors
        return body


class ValidationFailed(DomainError):
    """Submitted data breaks a rule; `errors` lists each field and its problem."""

    kind = "ValidationException"


class DeploymentRefused(DomainError):
    """A BPMN, DMN or form file cannot be parsed or validated."""

    kind = "ParseException"


class NotFound(DomainError):
    status = 404
    kind = "NotFoundException"


class Forbidden(DomainError):
    status = 403
    kind = "AuthorizationException"


class NotPermitted(Forbidden):
    """The role lacks the permission: the API names it; a page says what to do instead."""


class Unauthenticated(DomainError):
    status = 401
    kind = "AuthenticationException"


class Conflict(DomainError):
    """The case changed under the command (concurrent update, task already claimed)."""

    status = 409
    kind = "OptimisticLockingException"


class TooLarge(DomainError):
    """A body or a file larger than the setting that bounds it (named in the message)."""

    status = 413
    kind = "InvalidRequestException"


class EngineFailure(DomainError):
    """Running the process failed (e.g. an expression error); nothing was stored."""

    status = 422
    kind = "ProcessEngineException"


class TooManyAttempts(DomainError):
    """Too many failed sign-ins for this user from this address; `retry_after` seconds until the next try."""

    status = 429
    kind = "TooManyRequestsException"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """The service cannot act on the request now (the database busy, unreachable or too slow, or the request past
    its deadline); `retry_after` seconds before trying again. `retryable`: the failure was transient and
    nothing was committed, so the service may run the whole request once more by itself."""

    status = 503
    kind = "ServiceUnavailableException"

    def __init__(self, message: str, *, retry_after: int = 1, retryable: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.retryable = retryable
