"""Month partitions of case_event, history_activity, history_incident and access_log (PostgreSQL): made ahead by `flask
partitions-ensure`, a month's stray rows moved out of the default partition when it is made, the append-only rule on
every partition, whole months dropped by the history clean-up once emptied; and the clock rule reads rely on."""

import os
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.domain.actors import SYSTEM
from app.services.retention import clean_up_history
from app.store.partitions import PARTITIONED, ensure_partitions, month_partitions
from tests.conftest import Api
from tests.support.deployments import deploy_files, window_process
from tests.support.org import add_county

POSTGRESQL = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="partitioning is PostgreSQL's (migration 0029); SQLite keeps plain tables")


@pytest.fixture(scope="module")
def county(app):
    runtime = app.extensions["runtime"]
    add_county(runtime, "mo", "分区县", "moz")
    months = window_process("months_short", "分区检查", "P1D")
    assert deploy_files(Api(app.test_client(), "designer"), {"months.bpmn": months}).status_code == 200
    return runtime


def _case(client) -> tuple[str, str]:
    window = Api(client, "window_mo")
    case = window.post("/process-definition/key/months_short/start", {"businessKey": f"MO-{uuid.uuid4().hex[:8]}"})
    assert case.status_code == 200, case.json
    return case.json["id"], window.get("/task", processInstanceId=case.json["id"]).json[0]["id"]


def _finished(client) -> str:
    case_id, task_id = _case(client)
    assert Api(client, "window_mo").post(f"/task/{task_id}/complete", {}).status_code == 204
    return case_id


def _names(app, table: str) -> list[str]:
    with app.extensions["db_engine"].connect() as conn:
        return [p.name for p in month_partitions(conn, table)]


def test_a_command_whose_clock_reads_a_month_before_its_case_started_is_refused(county, client, clock):
    case_id, task_id = _case(client)
    clock.advance(days=-70)  # before the month before the one it started in
    refused = Api(client, "window_mo").post(f"/task/{task_id}/complete", {})
    assert refused.status_code == 503 and "早于案件开始一个月以上" in refused.json["message"], refused.json
    clock.advance(days=70)
    assert Api(client, "window_mo").post(f"/task/{task_id}/complete", {}).status_code == 204


def test_partitions_ensure_says_what_it_made(county, runner):
    result = runner.invoke(args=["partitions-ensure", "--ahead", "2"])
    assert result.exit_code == 0, result.output
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"):
        again = runner.invoke(args=["partitions-ensure", "--ahead", "2"])
        assert again.output.strip() == "every month partition is there"
    else:  # SQLite's tables are not partitioned: nothing to make
        assert result.output.strip() == "every month partition is there"


@POSTGRESQL
def test_rows_of_a_month_without_a_partition_go_to_the_default_and_move_out_when_it_is_made(app, county, client,
                                                                                            clock):
    clock.set(datetime(2031, 5, 10, 2, 0, tzinfo=UTC))  # years past the months made ahead
    case_id = _finished(client)
    engine = app.extensions["db_engine"]
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM case_event_default WHERE process_instance_id = :c"),
                           {"c": case_id}) == 2
    with engine.begin() as conn:
        made = ensure_partitions(conn, datetime(2031, 5, 1, tzinfo=UTC), ahead=0)
    assert made == [f"{t}_p203105" for t in PARTITIONED]
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM case_event_p203105 WHERE process_instance_id = :c"),
                           {"c": case_id}) == 2
        assert conn.scalar(text("SELECT count(*) FROM case_event_default WHERE process_instance_id = :c"),
                           {"c": case_id}) == 0
        history = conn.scalar(text("SELECT count(*) FROM history_activity WHERE process_instance_id = :c"),
                              {"c": case_id})
        assert history > 0 and conn.scalar(text(
            "SELECT count(*) FROM history_activity_p203105 WHERE process_instance_id = :c"), {"c": case_id}) == history
    with engine.begin() as conn:  # the moved rows are still append-only in their new partition
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text("DELETE FROM case_event_p203105 WHERE process_instance_id = :c"), {"c": case_id})


@POSTGRESQL
@pytest.mark.parametrize("statement", ["DELETE FROM {p}", "UPDATE {p} SET actor = 'x'", "TRUNCATE {p}",
                                       "DELETE FROM case_event", "TRUNCATE case_event"])
def test_every_partition_of_the_event_log_is_append_only(app, county, client, clock, statement):
    case_id = _finished(client)
    with app.extensions["db_engine"].connect() as conn:
        part = conn.scalar(text("SELECT tableoid::regclass::text FROM case_event WHERE process_instance_id = :c "
                                "LIMIT 1"), {"c": case_id})
    with app.extensions["db_engine"].begin() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(statement.format(p=part if "{p}" in statement else "")))


@POSTGRESQL
def test_the_history_clean_up_drops_the_months_it_emptied(app, county, client, clock, tmp_path):
    engine = app.extensions["db_engine"]
    with engine.begin() as conn:
        ensure_partitions(conn, datetime(2025, 3, 1, tzinfo=UTC), ahead=1, since=datetime(2025, 2, 1, tzinfo=UTC))
    clock.set(datetime(2025, 3, 12, 2, 0, tzinfo=UTC))
    finished = [_finished(client) for _ in range(2)]
    clock.advance(days=25)
    still_running, _ = _case(client)  # April's rows stay: a running case is kept
    assert {f"{t}_p202503" for t in PARTITIONED} <= {n for t in PARTITIONED for n in _names(app, t)}
    clock.set(datetime(2025, 5, 3, 2, 0, tzinfo=UTC))
    done = clean_up_history(county, SYSTEM, b"months", tmp_path, county="mo")
    assert done.archived == 2
    assert {"case_event_p202503", "history_activity_p202503", "access_log_p202503"} <= set(done.partitions_dropped)
    assert not any(name.endswith("_p202503") for t in PARTITIONED for name in _names(app, t))
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM case_event WHERE process_instance_id = :c"),
                           {"c": still_running}) == 1
        assert conn.scalar(text("SELECT count(*) FROM case_event WHERE process_instance_id = ANY(:c)"),
                           {"c": finished}) == 0
