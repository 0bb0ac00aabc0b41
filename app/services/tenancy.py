"""The county a request is served for (app/store/tenancy.py adds it to every statement on a case table)."""

from app.domain.actors import Actor
from app.domain.orgs import tenant_of
from app.store.scope import current_scope


def serve_for(actor: Actor) -> None:
    """Name the county of `actor` (None for a province's user or the service itself) on the current request."""
    scope = current_scope()
    if scope is not None:
        scope.county = None if actor.trusted else tenant_of(actor.org_path)
