"""Saved inbox filters: a user names the 待办 filter and search in use and picks it again later."""

from sqlalchemy import func, select

from app.domain import clock
from app.domain.actors import Actor
from app.domain.errors import NotFound, ValidationFailed
from app.store.tables import SavedFilter

from .runtime import Runtime

FILTER_KEYS = ("process", "step", "q", "village", "order", "size")
MAX_FILTERS = 20
MAX_NAME = 40


def saved_filters(rt: Runtime, actor: Actor) -> list[SavedFilter]:
    """The actor's saved filters, by name."""
    with rt.reading() as uow:
        rows = list(uow.session.scalars(select(SavedFilter).where(SavedFilter.username == actor.username)
                                        .order_by(SavedFilter.name)))
        uow.session.expunge_all()
        return rows


def save_filter(rt: Runtime, actor: Actor, name: str, params: dict) -> None:
    """Keep the filter under a name of the actor's; saving a name again replaces what it held."""
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ValidationFailed(f"请为筛选起一个名称（不超过 {MAX_NAME} 个字）", field="name")
    unknown = sorted(set(params) - set(FILTER_KEYS))
    if unknown:
        raise ValidationFailed(f"筛选条件 {unknown[0]} 不能保存", field=unknown[0])
    kept = {key: value for key, value in params.items() if value not in (None, "")}
    with rt.unit_of_work() as uow:
        row = uow.session.get(SavedFilter, (actor.username, name))
        if row is None:
            count = uow.session.scalar(select(func.count()).where(SavedFilter.username == actor.username))
            if count >= MAX_FILTERS:
                raise ValidationFailed(f"最多保存 {MAX_FILTERS} 个筛选，请先删除不用的", field="name")
            row = SavedFilter(username=actor.username, name=name)
            uow.session.add(row)
        row.params, row.saved_at = kept, clock.now()
        uow.commit()


def delete_filter(rt: Runtime, actor: Actor, name: str) -> None:
    """Forget one of the actor's saved filters."""
    with rt.unit_of_work() as uow:
        row = uow.session.get(SavedFilter, (actor.username, name))
        if row is None:
            raise NotFound(f"没有名为“{name}”的筛选", field="name")
        uow.session.delete(row)
        uow.commit()
