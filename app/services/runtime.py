"""What every handler needs: the session factory and the working-day calendar."""

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from app.domain.workcalendar import WorkCalendar
from app.store.unit_of_work import UnitOfWork


@dataclass
class Runtime:
    session_factory: sessionmaker[Session]
    calendar: WorkCalendar

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)
