"""The unit of work: one connection, one transaction, rolled back unless ``commit()`` is called."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, RootTransaction

from storage.audit import SqlAudit
from storage.calendars import SqlCalendars, SqlMeetings
from storage.crm import SqlCrmBacklogOn, SqlCrmChanges, SqlCrmOwnersOn
from storage.dashboard import SqlDashboardReads
from storage.engine import READ_ONLY
from storage.numbers import SqlNumbers
from storage.prepared import run_raw
from storage.privacy import SqlPrivacy
from storage.rep_emails import SqlRepEmailsOn
from storage.repositories import (
    SqlDeliveryKeys,
    SqlDigestRuns,
    SqlIntakeKeys,
    SqlLeads,
    SqlOutbox,
    SqlPools,
    SqlReps,
)


def utc_now() -> datetime:
    return datetime.now(UTC)


class SqlUnitOfWork:
    reps: SqlReps
    pools: SqlPools
    leads: SqlLeads
    intake: SqlIntakeKeys
    deliveries: SqlDeliveryKeys
    outbox: SqlOutbox
    digests: SqlDigestRuns
    crm_owners: SqlCrmOwnersOn
    rep_emails: SqlRepEmailsOn
    crm_backlog: SqlCrmBacklogOn
    dashboard: SqlDashboardReads
    numbers: SqlNumbers
    privacy: SqlPrivacy
    audit: SqlAudit
    calendars: SqlCalendars
    meetings: SqlMeetings

    def __init__(
        self,
        engine: Engine,
        clock: Callable[[], datetime] = utc_now,
        *,
        read_only: bool = False,
        crm: bool = False,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.read_only = read_only
        self.crm = crm
        """CRM sync is on: each lead's events also write the CRM's outbox rows."""
        self._conn: Connection | None = None
        self._tx: RootTransaction | None = None
        self._savepoints = 0

    def __enter__(self) -> Self:
        self._conn = self.engine.connect()
        if self.read_only:
            self._conn.execution_options(**{READ_ONLY: True})
        self._tx = self._conn.begin()
        self._bind(self._conn)
        return self

    def _bind(self, conn: Connection) -> None:
        """Fresh repositories on ``conn`` (they cache reps and collect outbox rows)."""
        self.reps = SqlReps(conn)
        self.pools = SqlPools(conn, self.reps)
        self._crm = SqlCrmChanges(conn, self.clock) if self.crm else None
        self.leads = SqlLeads(conn, self._crm.add if self._crm else None)
        self.intake = SqlIntakeKeys(conn)
        self.deliveries = SqlDeliveryKeys(conn)
        self.outbox = SqlOutbox(conn, self.reps, self.clock)
        self.digests = SqlDigestRuns(conn)
        self.crm_owners = SqlCrmOwnersOn(conn)
        self.rep_emails = SqlRepEmailsOn(conn)
        self.crm_backlog = SqlCrmBacklogOn(conn)
        self.dashboard = SqlDashboardReads(conn)
        self.numbers = SqlNumbers(conn)
        self.privacy = SqlPrivacy(conn)
        self.audit = SqlAudit(conn)
        self.calendars = SqlCalendars(conn)
        self.meetings = SqlMeetings(conn)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A savepoint written straight to the DBAPI connection: SQLAlchemy's nested
        transaction cost forty times the statements (group commit takes one per post)."""
        self._flush()
        self._savepoints += 1
        name = f"baton_{self._savepoints}"
        run_raw(self.connection, f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            run_raw(self.connection, f"ROLLBACK TO SAVEPOINT {name}")
            run_raw(self.connection, f"RELEASE SAVEPOINT {name}")
            self._bind(self.connection)  # forget what the undone part cached or queued
            raise
        run_raw(self.connection, f"RELEASE SAVEPOINT {name}")

    @property
    def connection(self) -> Connection:
        assert self._conn is not None, "use the unit of work in a with-block"
        return self._conn

    def _flush(self) -> None:
        self.outbox.flush()
        if self._crm is not None:
            self._crm.flush()

    def commit(self) -> None:
        assert self._tx is not None
        self._flush()
        self._tx.commit()

    def rollback(self) -> None:
        if self._tx is not None and self._tx.is_active:
            self._tx.rollback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()
        if self._conn is not None:
            self._conn.close()
        self._conn = self._tx = None


def uow_factory(
    engine: Engine,
    clock: Callable[[], datetime] = utc_now,
    *,
    read_only: bool = False,
    crm: bool = False,
) -> Callable[[], SqlUnitOfWork]:
    return lambda: SqlUnitOfWork(engine, clock, read_only=read_only, crm=crm)
