"""The Alembic migrations build exactly the schema the code describes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from storage.engine import make_engine
from storage.migrate import upgrade
from storage.tables import metadata


def test_migrations_create_the_schema_the_tables_module_describes(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_upgrading_twice_is_harmless(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert {"leads", "lead_events", "outbox", "digest_runs", "intake_keys"} <= tables


def test_sqlite_runs_in_wal_mode_with_foreign_keys_on(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
