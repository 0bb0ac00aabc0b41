"""The table of purposes through which case data leaves the service (app/services/case_data.py)."""

from app.services import case_data
from app.services.case_data import PURPOSES, Purpose


def test_every_purpose_is_in_the_table_and_told_apart_in_the_access_log():
    defined = {value for value in vars(case_data).values() if isinstance(value, Purpose)}
    assert defined == set(PURPOSES)
    whats = [p.what for p in PURPOSES]
    assert len(set(whats)) == len(whats) and max(map(len, whats)) <= 60  # the log's column holds 100
