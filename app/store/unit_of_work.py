"""One unit of work per command: owns the session, rolls back unless committed."""

from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.domain.errors import Conflict


class UnitOfWork:
    """`with UnitOfWork(factory) as uow: ...; uow.commit()` — exactly one commit per command."""

    def __init__(self, session_factory: sessionmaker[Session]):
        self._factory = session_factory
        self.session: Session | None = None

    def __enter__(self) -> "UnitOfWork":
        self.session = self._factory()
        return self

    def __exit__(self, *exc):
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError as err:
            raise Conflict("案件已被他人同时修改，请刷新后重试") from err

    def flush(self) -> None:
        try:
            self.session.flush()
        except StaleDataError as err:
            raise Conflict("案件已被他人同时修改，请刷新后重试") from err
