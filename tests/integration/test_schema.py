"""The migrations and the table classes describe the same schema, on whichever database the suite runs."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.store.tables import Base


def test_the_migrations_build_the_schema_the_models_describe(app):
    with app.extensions["db_engine"].connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []
