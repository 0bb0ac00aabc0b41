"""Alembic environment: the app's engine and the tables' metadata."""

from alembic import context
from flask import current_app
from sqlalchemy import text

from app.store.partitions import described_by_models
from app.store.tables import Base

target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = current_app.extensions["db_engine"]
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite", compare_type=True,
                          include_object=described_by_models(connection.dialect.name))
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":  # a migration may build an index for minutes
                connection.execute(text("SET LOCAL statement_timeout = 0"))
                connection.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))
            context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=current_app.config["DATABASE_URL"], target_metadata=target_metadata,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
