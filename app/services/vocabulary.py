"""The staff's words: one dictionary of labels and value names per process and field, for every page and export.

A field's label and its values' labels come from the Camunda forms each process's tasks use, an element's
name from the BPMN it was deployed from; what neither names (variables scripts compute, county settings,
values a worker returns, org units and people) comes from the reviewed file beside this module,
`words.toml`. A process reads its own forms first, so a 临时救助 amount is never called by a 低保 label.
"""

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from threading import Lock

from sqlalchemy import func, select

from app.domain.clock import local
from app.domain.county_settings import SETTINGS
from app.domain.orgs import version_words
from app.domain.roles import ROLE_NAMES
from app.store.queries import latest_forms
from app.store.tables import FormDefinition, OrgUnit, ProcessDefinition, User

from .definitions import cached_definition
from .forms import LIST, form_fields
from .runtime import Runtime

WORDS_FILE = Path(__file__).with_name("words.toml")
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)")
TEMPLATE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
COMMON = ""


def _reviewed() -> dict:
    with WORDS_FILE.open("rb") as handle:
        return tomllib.load(handle)


@dataclass(frozen=True)
class Vocabulary:
    """Labels and value names per process ('' for what every process shares), steps, places and people."""

    processes: dict[str, str]
    labels: dict[str, dict[str, str]]
    values: dict[str, dict[str, dict[str, str]]]
    steps: dict[str, dict[str, str]]
    places: dict[str, str]
    people: dict[str, str]
    percent: frozenset[str]
    settings: dict[str, tuple[str, ...]]  # the county settings a process's case panel shows
    messages: dict[str, str] = field(default_factory=dict)
    own_steps: dict[str, dict[str, str]] = field(default_factory=dict)  # per definition id: its own elements' names
    versions: dict[str, str] = field(default_factory=dict)  # per definition id: 示范县第 2 版 / 省级共享第 1 版

    def process(self, key: str | None) -> str:
        """Name a process by its key."""
        return self.processes.get(key or "", key or "")

    def label(self, process: str | None, name: str) -> str:
        """Label a variable as the process's forms (else the reviewed file) call it."""
        for scope in (process or COMMON, COMMON):
            found = self.labels.get(scope, {}).get(name)
            if found:
                return found
        return name

    def step(self, process: str | None, activity_id: str | None, definition_id: str | None = None) -> str:
        """Name a BPMN element of a process (a task, an event, a timer) as the version `definition_id` names it,
        when given (a county's version may name a step its own way); else as the process's versions do."""
        if not activity_id:
            return ""
        return (self.own_steps.get(definition_id or "", {}).get(activity_id)
                or self.steps.get(process or "", {}).get(activity_id) or self.messages.get(activity_id)
                or self.steps.get(COMMON, {}).get(activity_id) or activity_id)

    def version(self, definition_id: str | None) -> str:
        """Say which version of its process a definition is, and whose: 示范县第 2 版, 省级共享第 1 版."""
        return self.versions.get(definition_id or "", "")

    def person(self, username: str | None) -> str:
        """Name a user by their display name (a worker system keeps its id)."""
        return self.people.get(username or "", username or "")

    def shown(self, process: str | None, name: str, value) -> str:
        """Write a variable's value as the staff read it: value names, 是/否, percentages, places, moments."""
        if isinstance(value, bool):
            return "是" if value else "否"
        if value is None or value == "" or value == []:
            return "—"
        if isinstance(value, list):
            return "、".join(self.shown(process, name, v) for v in value)
        if isinstance(value, dict):
            return "；".join(f"{self.label(process, k)}：{self.shown(process, k, v)}" for k, v in value.items())
        named = self._value_name(process, name, value)
        if named is not None:
            return named
        if name in self.percent and isinstance(value, (int, float)):
            return f"{value * 100:g}%"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        if isinstance(value, str) and ISO_MOMENT.fullmatch(value):
            return local(datetime.fromisoformat(value)).strftime("%Y-%m-%d %H:%M")
        return str(value)

    def _value_name(self, process: str | None, name: str, value) -> str | None:
        for scope in (process or COMMON, COMMON):
            found = self.values.get(scope, {}).get(name, {}).get(str(value))
            if found:
                return found
        if name in ("village", "township") and str(value) in self.places:
            return self.places[str(value)]
        if isinstance(value, str) and value in ROLE_NAMES and name.endswith(("group", "dept", "role")):
            return ROLE_NAMES[value]
        return None

    def fill(self, process: str | None, text: str, variables: dict) -> str:
        """Fill a form text's `{{name}}` templates (form-js templating) with the case's values."""
        return TEMPLATE.sub(lambda m: self.shown(process, m[1], variables.get(m[1])), text or "")

    def settings_of(self, process: str | None) -> tuple[str, ...]:
        """The county settings a case of this process runs under (the rest are other programmes')."""
        return self.settings.get(process or "", ())


def _form_words(schema: dict, labels: dict[str, str], values: dict[str, dict[str, str]]) -> None:
    for component in form_fields(schema):
        key = component["key"]
        if component.get("label"):
            labels.setdefault(key, component["label"])
        for option in component.get("values") or []:
            if option.get("label") is not None:
                values.setdefault(key, {}).setdefault(str(option.get("value")), option["label"])
        if component.get("type") == LIST:  # the columns of its rows
            _form_words(component, labels, values)


def _build(session) -> Vocabulary:
    reviewed = _reviewed()
    labels: dict[str, dict[str, str]] = {COMMON: {k: s.meaning for k, s in SETTINGS.items()}}
    labels[COMMON].update(reviewed.get("labels", {}))
    values: dict[str, dict[str, dict[str, str]]] = {COMMON: {k: dict(v) for k, v in reviewed.get("values", {}).items()}}
    steps: dict[str, dict[str, str]] = {COMMON: dict(reviewed.get("steps", {}))}
    processes = dict(reviewed.get("processes", {}))
    forms = {row.key: row.schema for row in session.scalars(latest_forms())}
    places = {u.code: u.name for u in session.scalars(select(OrgUnit))}
    own_steps: dict[str, dict[str, str]] = {}
    versions: dict[str, str] = {}
    # every version's steps, a county's own versions first: the shared latest names a step they share
    for row in session.scalars(select(ProcessDefinition).order_by(ProcessDefinition.tenant_id.is_(None),
                                                                  ProcessDefinition.version)):
        definition = cached_definition(session, row.id)
        processes.setdefault(row.key, row.name)
        own = reviewed.get("process", {}).get(row.key, {})
        own_steps[row.id] = {**{a: info.name for a, info in definition.activities.items() if info.name},
                             **own.get("steps", {})}
        steps.setdefault(row.key, {}).update(own_steps[row.id])
        versions[row.id] = version_words(places.get(row.tenant_id, row.tenant_id) if row.tenant_id else None,
                                         row.version)
        scope_labels = labels.setdefault(row.key, dict(own.get("labels", {})))
        scope_values = values.setdefault(row.key, {k: dict(v) for k, v in own.get("values", {}).items()})
        for info in definition.activities.values():
            form = forms.get(info.form_ref or (info.form_key or "").rsplit(":", 1)[-1])
            if form:
                _form_words(form, scope_labels, scope_values)
    for schema in forms.values():  # a form no deployed process binds still names its fields
        _form_words(schema, labels[COMMON], values[COMMON])
    return Vocabulary(
        processes, labels, values, steps,
        places=places,
        people={u.username: u.display_name for u in session.scalars(select(User))},
        percent=frozenset(reviewed.get("percent", {}).get("fields", [])),
        settings={k: tuple(v.get("settings", ())) for k, v in reviewed.get("process", {}).items()},
        messages=dict(reviewed.get("messages", {})), own_steps=own_steps, versions=versions)


_cache: dict[str, object] = {}
_lock = Lock()


def _stamp(session) -> tuple:
    counts = [select(func.count()).select_from(t).scalar_subquery() for t in (ProcessDefinition, FormDefinition,
                                                                                 OrgUnit, User)]
    return tuple(session.execute(select(*counts)).one()) + (WORDS_FILE.stat().st_mtime,)


def vocabulary(rt: Runtime) -> Vocabulary:
    """Return the dictionary, rebuilt when a deployment, an org unit or a user was added."""
    with rt.reading() as uow:
        stamp = _stamp(uow.session)
        with _lock:
            if _cache.get("stamp") != stamp:
                _cache["words"], _cache["stamp"] = _build(uow.session), stamp
            return _cache["words"]  # type: ignore[return-value]
