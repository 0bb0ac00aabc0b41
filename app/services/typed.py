"""What a command keeps of its variables beyond their values: each one's declared Camunda type (on the case
row) and the bytes of Bytes and File variables (app/services/contents.py), in the command's transaction."""

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.store.tables import ProcessInstance
from app.store.writes import Writes

from .commands import Typed
from .contents import keep_contents


def merged_types(known: dict | None, given: dict) -> dict | None:
    """The case's declared types after a command set `given` (a None type forgets an earlier declaration)."""
    types = {**(known or {}), **given}
    return {name: kind for name, kind in types.items() if kind} or None


def keep_typed(session: Session, instance: ProcessInstance, typed: Typed | None) -> None:
    """Store the contents a command's variables refer to and remember their declared types on the case."""
    if typed is None:
        return
    keep_contents(session, instance, typed.contents)
    types = merged_types(instance.variable_types, typed.types)
    if types != (instance.variable_types or None):  # most commands declare nothing their JSON does not say
        with Writes(session) as writes:
            writes.set_case(ProcessInstance.__table__, instance.id, {"variable_types": types})
        set_committed_value(instance, "variable_types", types)
