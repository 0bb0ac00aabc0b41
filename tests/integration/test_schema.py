"""The migrations and the table classes describe the same schema, on whichever database the suite runs."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.store.partitions import described_by_models
from app.store.tables import Base


def test_the_migrations_build_the_schema_the_models_describe(app):
    with app.extensions["db_engine"].connect() as conn:
        differences = compare_metadata(MigrationContext.configure(
            conn, opts={"include_object": described_by_models(conn.dialect.name)}), Base.metadata)
    assert differences == []
