"""/api/calendar/<year>: load next year's official holidays and 调休 days (designers)."""

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from app.domain.errors import NotFound
from app.services.calendar import load_year, parse_year
from app.store.tables import CalendarYear

from .support import actor, camunda_date, runtime

bp = Blueprint("calendar", __name__, url_prefix="/api/calendar")


@bp.put("/<int:year>")
def put_year(year: int):
    data = {**parse_year(request.get_data() or b"{}"), "year": year}
    loaded = load_year(runtime(), actor(), data, source="api")
    return jsonify({"year": loaded.year, "holidays": loaded.holidays, "workdays": loaded.workdays,
                    "recomputedTasks": loaded.recomputed_tasks})


@bp.get("/<int:year>")
def get_year(year: int):
    actor().require("case.read")
    with runtime().unit_of_work() as uow:
        row = uow.session.scalar(select(CalendarYear).where(CalendarYear.year == year))
        if row is None:
            raise NotFound(f"{year} 年的日历未加载（由 chinesecalendar 提供的年份无需加载）", field="year")
        return jsonify({"year": row.year, "holidays": row.holidays, "workdays": row.workdays,
                        "loadedAt": camunda_date(row.loaded_at), "loadedBy": row.loaded_by})
