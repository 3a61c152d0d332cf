"""Schema migrations with Alembic, configured in code so no alembic.ini is needed.

Several processes may upgrade one database at once (replicas starting together, ``baton db
upgrade`` beside a starting server). Alembic does not serialise them itself, so two would both
create the schema and one crash on ``alembic_version``. The whole upgrade runs in one transaction
that first takes a lock: ``pg_advisory_xact_lock`` on PostgreSQL, the write lock of ``BEGIN
IMMEDIATE`` (see ``storage.engine``) on SQLite. Whoever comes second waits, then finds the schema
at head and does nothing.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, func, select

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = 0x6261746F6E
"""The PostgreSQL advisory lock key every Baton upgrade takes ("baton" in ASCII)."""


def alembic_config(engine: Engine | None = None, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database at ``engine`` up to ``revision``; safe to run on every start."""
    config = alembic_config(engine)
    with engine.begin() as conn:
        _lock_for_migration(conn)
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def _lock_for_migration(conn: Connection) -> None:
    """Wait for any other upgrade of this database; released when the transaction ends."""
    if conn.dialect.name == "postgresql":
        conn.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))


def migration_state(engine: Engine) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(the revisions the database is at, the revisions this code's migrations end at); raises
    when the database cannot be reached."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    return tuple(sorted(current)), tuple(sorted(heads))
