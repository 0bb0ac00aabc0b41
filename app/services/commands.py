"""Commands: orders given to the service, each handled in one unit of work."""

from dataclasses import dataclass, field

from app.domain.actors import Actor


@dataclass(frozen=True)
class StartCase:
    actor: Actor
    key: str
    business_key: str | None = None
    variables: dict = field(default_factory=dict)
    message: str | None = None  # started by this message at a message start event (POST /message)


@dataclass(frozen=True)
class CompleteTask:
    actor: Actor
    task_id: str
    variables: dict = field(default_factory=dict)
    with_variables: bool = False  # answer with the case's variables as the actor may see them (logged)


@dataclass(frozen=True)
class ClaimTask:
    actor: Actor
    task_id: str
    user_id: str | None  # None unclaims


@dataclass(frozen=True)
class CorrelateMessage:
    actor: Actor
    message: str
    business_key: str | None = None
    process_instance_id: str | None = None
    variables: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CancelCase:
    actor: Actor
    process_instance_id: str
    reason: str | None = None


@dataclass(frozen=True)
class FireJob:
    actor: Actor
    job_id: str
