"""Camunda's `GET /decision-definition` list: deployed decisions are read from their DMN files, not from a table,
so the list filters and sorts them here, honouring each parameter it names and nothing else.

Decision requirements definitions are not served, so their filters and sort key are refused (a 400), not
answered as if none existed. No decision carries a category or version tag here: those filters select nothing.
"""

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.domain.actors import Actor

from .decisions import DecisionDefinition, decision_definitions
from .runtime import Runtime


@dataclass(frozen=True)
class RowFilter:
    kind: str  # as app.store.listing.Filter's
    keeps: Callable[[Any, Any, Mapping[str, Any]], bool]  # (value, row, every parameter) -> the row matches


@dataclass(frozen=True)
class RowListing:
    """A list whose rows are computed in Python: the filters and sort keys it honours."""

    rows: Callable[[Runtime, Actor], list]
    filters: Mapping[str, RowFilter]
    sorts: Mapping[str, Callable[[Any], Any] | None]  # sortBy -> the row's key (None: every row has the same)
    order: Callable[[Any], Any]  # the order after the requested sorting, unique per row

    def parameters(self) -> dict[str, str]:
        return {name: f.kind for name, f in self.filters.items()}

    def select(self, rt: Runtime, actor: Actor, params: Mapping[str, Any],
               sorting: Sequence[tuple[str, str]] = ()) -> list:
        rows = self.rows(rt, actor)
        kept = [row for row in rows if all(self.filters[name].keeps(value, row, params)
                                           for name, value in params.items() if value is not None)]
        kept.sort(key=self.order)
        for by, how in reversed(sorting):  # stable sorts, the first key last
            key = self.sorts[by]
            if key is not None:
                kept.sort(key=lambda row, key=key: (key(row) is None, key(row) if key(row) is not None else 0),
                          reverse=how == "desc")
        return kept


def _like(pattern: str) -> re.Pattern:
    """SQL LIKE (`%` any run, `_` one character), case-sensitive as on Camunda's databases."""
    return re.compile("".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern), re.DOTALL)


def _equal(attr: str) -> RowFilter:
    return RowFilter("string", lambda v, row, p: getattr(row, attr) == v)


def _like_filter(attr: str) -> RowFilter:
    return RowFilter("string", lambda v, row, p: getattr(row, attr) is not None
                     and _like(v).fullmatch(getattr(row, attr)) is not None)


def _tenant_in(tenants: list[str], row: DecisionDefinition, params: Mapping[str, Any]) -> bool:
    """As app.store.listing.tenants: `withoutTenantId` given too wins (Camunda keeps its later call)."""
    return bool(params.get("withoutTenantId")) or row.tenant_id in tenants or (
        row.tenant_id is None and bool(params.get("includeDecisionDefinitionsWithoutTenantId")))


def _decision_rows(rt: Runtime, actor: Actor) -> list:
    every = decision_definitions(rt, actor)
    latest = {}
    for d in every:
        latest[d.key, d.tenant_id] = max(latest.get((d.key, d.tenant_id), 0), d.version)
    return [_Row(d, latest[d.key, d.tenant_id] == d.version) for d in every]


@dataclass(frozen=True)
class _Row:
    definition: DecisionDefinition
    latest: bool

    def __getattr__(self, name: str) -> Any:
        return getattr(self.definition, name)


NOTHING = RowFilter("string", lambda v, row, p: False)  # an attribute no decision has here (category, version tag)

DECISION_DEFINITIONS = RowListing(
    _decision_rows,
    {"decisionDefinitionId": _equal("id"),
     "decisionDefinitionIdIn": RowFilter("strings", lambda v, row, p: row.id in v),
     "name": _equal("name"), "nameLike": _like_filter("name"), "deploymentId": _equal("deployment_id"),
     "deployedAfter": RowFilter("datetime", lambda v, row, p: row.deployed_at > v),
     "deployedAt": RowFilter("datetime", lambda v, row, p: row.deployed_at == v),
     "key": _equal("key"), "keyLike": _like_filter("key"), "category": NOTHING, "categoryLike": NOTHING,
     "version": RowFilter("integer", lambda v, row, p: row.version == v),
     "latestVersion": RowFilter("boolean", lambda v, row, p: row.latest or not v),
     "resourceName": _equal("resource_name"), "resourceNameLike": _like_filter("resource_name"),
     "tenantIdIn": RowFilter("strings", _tenant_in),
     "withoutTenantId": RowFilter("boolean", lambda v, row, p: row.tenant_id is None or not v),
     "includeDecisionDefinitionsWithoutTenantId": RowFilter("boolean", lambda v, row, p: True),  # read by tenantIdIn
     "versionTag": NOTHING, "versionTagLike": NOTHING},
    {"category": None, "key": lambda row: row.key, "id": lambda row: row.id, "name": lambda row: row.name,
     "version": lambda row: row.version, "deploymentId": lambda row: row.deployment_id,
     "deployTime": lambda row: row.deployed_at, "versionTag": None, "tenantId": lambda row: row.tenant_id},
    lambda row: (row.key, row.version, row.id))
