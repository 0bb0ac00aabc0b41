"""Every case table carries the county (`tenant_id`, the county's code), and every row holds its case's county:
the column a province's tables would be distributed by (docs/scaling.md)."""

from sqlalchemy import text

from app.store.tables import Base
from tests.support.dibao_steps import Case

CASE_TABLES = sorted(name for name, table in Base.metadata.tables.items()
                     if "process_instance_id" in table.c or name == "process_instance")


def test_every_case_table_carries_the_county_column():
    assert len(CASE_TABLES) > 15
    missing = [name for name in CASE_TABLES if "tenant_id" not in Base.metadata.tables[name].c]
    assert missing == []


def test_every_row_holds_its_cases_county(runtime, login_as, clock):
    case = Case(login_as)
    case.accept()
    case.investigate()
    with runtime.reading() as uow:
        session = uow.session
        assert session.execute(text("SELECT tenant_id FROM process_instance WHERE id = :id"),
                               {"id": case.id}).scalar() == "sfx"
        wrong = {name: session.execute(text(
            f"SELECT count(*) FROM {name} t JOIN process_instance p ON p.id = t.process_instance_id "
            "WHERE t.tenant_id IS NULL OR t.tenant_id <> p.tenant_id")).scalar()
            for name in CASE_TABLES if name != "process_instance"}
        assert {name: n for name, n in wrong.items() if n} == {}
        assert session.execute(text("SELECT count(*) FROM case_event WHERE process_instance_id = :id"),
                               {"id": case.id}).scalar() == 4
