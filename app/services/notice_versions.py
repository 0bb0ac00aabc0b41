"""Notice templates as deployed versions, bound to the processes deployed with or after them (like forms)."""

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.actors import Actor
from app.domain.errors import DeploymentRefused, NotFound
from app.domain.notices import KINDS
from app.engine.activities import ActivityInfo
from app.engine.parser import ParsedProcess
from app.store.tables import Deployment, NoticeTemplate

from .catalogue import Version
from .definitions import next_version
from .runtime import Runtime

_texts: dict[str, str] = {}


def latest_template(session: Session, kind: str) -> NoticeTemplate | None:
    return session.scalars(select(NoticeTemplate).where(NoticeTemplate.key == kind)
                           .order_by(NoticeTemplate.version.desc()).limit(1)).first()


def cached_template(session: Session, template_id: str) -> str | None:
    """Return a template's text by id (immutable once deployed, so each process keeps it)."""
    if template_id not in _texts:
        row = session.get(NoticeTemplate, template_id)
        if row is None:
            return None
        _texts[template_id] = row.text
    return _texts[template_id]


def add_templates(session: Session, deployment_id: str, templates: dict[str, str], changed_only: bool,
                  added: list[NoticeTemplate]) -> dict[str, str]:
    """Version the deployment's templates (kind -> text) into `added`; return kind -> the template id to use."""
    ids = {}
    for kind, text in templates.items():
        current = latest_template(session, kind)
        if changed_only and current is not None and current.text == text:
            ids[kind] = current.id
            continue
        version = next_version(session, NoticeTemplate, kind)
        row = NoticeTemplate(id=f"{kind}:{version}:{deployment_id}", key=kind, version=version,
                             deployment_id=deployment_id, text=text)
        added.append(row)
        ids[kind] = row.id
    return ids


def pin_templates(session: Session, process: ParsedProcess, activities: Mapping[str, ActivityInfo],
                  template_ids: dict[str, str]) -> dict[str, ActivityInfo]:
    """Bind each kind a handover task of `process` (its `activities`) may issue to the template version current at
    deployment."""
    found = dict(activities)
    for activity_id, info in activities.items():
        pinned = {}
        for kind in info.notice_kinds or ():
            template_id = template_ids.get(kind) or getattr(latest_template(session, kind), "id", None)
            if template_id is None:
                raise DeploymentRefused(f"告知书种类 {kind} 没有已部署的模板（notices/{kind}.notice）",
                                        file=process.resource, element=activity_id)
            pinned[kind] = template_id
        if pinned:
            found[activity_id] = info.with_templates(pinned)
    return found


def template_versions(rt: Runtime, actor: Actor) -> list[Version]:
    """Every deployed notice template version, by kind then newest first (`name` is the kind's title)."""
    actor.require("definition.read")
    query = select(NoticeTemplate.id, NoticeTemplate.key, NoticeTemplate.version, NoticeTemplate.key,
                   Deployment.deployed_at, Deployment.deployed_by).join(Deployment)
    with rt.reading() as uow:
        rows = uow.session.execute(query.order_by(NoticeTemplate.key, NoticeTemplate.version.desc()))
        return [Version(*row[:3], KINDS[row[1]].title, *row[4:]) for row in rows]


def template_text(rt: Runtime, actor: Actor, kind: str) -> str:
    """The latest deployed template of a notice kind."""
    actor.require("definition.read")
    with rt.reading() as uow:
        row = latest_template(uow.session, kind)
        if row is None:
            raise NotFound(f"没有已部署的告知书模板 {kind}", field="kind")
        return row.text
