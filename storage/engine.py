"""Engines that keep the promises of the design: WAL and BEGIN IMMEDIATE on SQLite, row locks on
PostgreSQL. SQLite silently ignores ``FOR UPDATE``; ``BEGIN IMMEDIATE`` takes the write lock at the
start of every transaction instead, so two rotations never read the same cursor."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 30_000
READ_ONLY = "baton_read_only"
"""Execution option for a connection that only reads: on SQLite it begins a deferred transaction
(a snapshot, no write lock), so readers never queue behind writers."""


def normalise_url(url: str) -> str:
    """Accept ``postgres://`` and plain ``postgresql://`` URLs and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url, **kwargs)
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_engine(url: str, **kwargs: Any) -> Engine:
    in_memory = make_url(url).database in (None, "", ":memory:")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        **kwargs,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    writer = threading.Lock()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        deferred = connection.get_execution_options().get(READ_ONLY)
        if not deferred and not in_memory and not connection.info.get(_HOLDS_WRITER):
            connection.info[_HOLDS_WRITER] = writer.acquire(timeout=SQLITE_BUSY_TIMEOUT_MS / 1000)
        # On the DBAPI connection itself: SQLAlchemy's execution layer would cost more than
        # the statement (this runs once per transaction).
        connection.connection.dbapi_connection.execute("BEGIN" if deferred else "BEGIN IMMEDIATE")

    def _release(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
        if record is not None and record.info.pop(_HOLDS_WRITER, False):
            writer.release()

    event.listen(engine, "checkin", _release)
    event.listen(engine, "invalidate", _release)
    return engine


_HOLDS_WRITER = "baton_holds_writer"
"""Writers in one process queue on a lock of their own before ``BEGIN IMMEDIATE``: SQLite's
busy handler would let them poll the database lock with growing sleeps (1, 2, 5, 10… ms),
which is most of a burst's tail. The lock is held until the connection goes back to the pool,
after its commit or rollback; a writer that waits longer than SQLite's busy timeout goes on
without it and lets SQLite decide, so a lock never held by anyone cannot stop the process."""


def read_version(engine: Engine) -> None:
    """A plain read in a deferred transaction (no write lock, so a writer never blocks it);
    raises when the database cannot answer."""
    with engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
