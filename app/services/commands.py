"""Commands: orders given to the service, each handled in one unit of work."""

from dataclasses import dataclass, field

from app.domain.actors import Actor


@dataclass(frozen=True)
class Typed:
    """What a client said of the variables a command sets beyond their JSON values: each one's declared
    Camunda type (None: the JSON says it) and the bytes of Bytes and File variables (the values hold
    references to them by sha256)."""

    types: dict = field(default_factory=dict)
    contents: tuple[bytes, ...] = ()


@dataclass(frozen=True)
class StartCase:
    actor: Actor
    key: str
    business_key: str | None = None
    variables: dict = field(default_factory=dict)
    message: str | None = None  # started by this message at a message start event (POST /message)
    typed: Typed = Typed()
    definition_id: str | None = None  # this version, not the latest of `key`


@dataclass(frozen=True)
class CompleteTask:
    actor: Actor
    task_id: str
    variables: dict = field(default_factory=dict)
    with_variables: bool = False  # answer with the case's variables as the actor may see them (logged)
    typed: Typed = Typed()


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
    correlation_keys: dict = field(default_factory=dict)  # case variables the receiving case must hold
    local_correlation_keys: dict = field(default_factory=dict)  # variables of the waiting activity's own scope
    all: bool = False  # every case waiting, not exactly one
    typed: Typed = Typed()


@dataclass(frozen=True)
class DeliverSignal:
    """Camunda's POST /signal: the signal's name, to which cases (one execution, or one county's), and the
    variables set on each case that receives it."""

    actor: Actor
    name: str
    execution_id: str | None = None
    tenant_id: str | None = None
    variables: dict = field(default_factory=dict)
    typed: Typed = Typed()


@dataclass(frozen=True)
class VoidCase:
    """Void (作废) an abandoned application, with the reason."""

    actor: Actor
    process_instance_id: str
    reason: str


@dataclass(frozen=True)
class CancelCase:
    actor: Actor
    process_instance_id: str
    reason: str | None = None


@dataclass(frozen=True)
class FireJob:
    actor: Actor
    job_id: str
