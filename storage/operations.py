"""The operator's figures (``routing/operations.py``), read at scrape time in one read-only
transaction: leads in by source, lead events by type, each outbox lane's backlog and failures,
digests sent.

Outbox lanes are found, not listed by hand: every table in :data:`OUTBOX_LANES` that the schema
holds is read the same way (``status``, ``created_at``), so a lane added with its own table (the
CRM's ``crm_outbox``) is counted as soon as its table exists.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, Table, func, select

from routing.events import EventType
from routing.operations import Backlog, OperationsSnapshot, fold_sources, source_label
from storage import tables as t
from storage.engine import READ_ONLY
from storage.uow import utc_now

OUTBOX_LANES = {"chat": "outbox", "crm": "crm_outbox"}
"""Lane label → the table holding its rows (read when the schema has it)."""
WAITING = ("pending", "sending")
COUNTED_EVENTS = (
    EventType.ASSIGNED,
    EventType.CLAIMED,
    EventType.SLA_MISSED,
    EventType.REASSIGNED,
    EventType.DECLINED,
)
MOST_SOURCES = 20
"""Sources with a series of their own; the rest are counted as ``other``."""


SETTLED_AFTER = timedelta(minutes=2)
"""Events written longer ago than this are counted once and remembered (see :class:`Tally`)."""


@dataclass
class Tally:
    """Lead events counted up to an id, kept between scrapes.

    Events are never changed once written, so what was counted stays counted: each scrape
    counts only the events after ``upto`` (by primary key, a short range). ``upto`` moves only
    to an event written :data:`SETTLED_AFTER` ago, so an event whose transaction took an id
    earlier but committed later (PostgreSQL hands out ids before commit) is still ahead of it.
    The first scrape of a process reads the whole history once (seconds on a million leads).
    """

    upto: int = 0
    sources: Counter[tuple[str | None, str | None, str | None]] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)

    def plus(self, other: Tally) -> Tally:
        return Tally(
            max(self.upto, other.upto), self.sources + other.sources, self.events + other.events
        )


class SqlOperations:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.clock = clock
        self._settled = Tally()
        self._lock = threading.Lock()

    def read(self) -> OperationsSnapshot:
        with self._lock, self.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            with conn.begin():
                tally = self._tally(conn)
                sources: Counter[tuple[str, str]] = Counter()
                for (origin, source, channel), n in tally.sources.items():
                    sources[source_label(origin, source, channel)] += n
                backlog = {lane: _backlog(conn, table) for lane, table in _lanes()}
                failed = _failed(conn)
                digests = {
                    str(name): int(n)
                    for name, n in conn.execute(
                        select(t.digest_runs.c.digest, func.count())
                        .where(t.digest_runs.c.sent_at.is_not(None))
                        .group_by(t.digest_runs.c.digest)
                    )
                }
        return OperationsSnapshot(
            fold_sources(sources, MOST_SOURCES), dict(tally.events), backlog, failed, digests
        )

    def _tally(self, conn: Connection) -> Tally:
        """The remembered count, brought up to the settled horizon, plus the events since."""
        horizon = _settled_id(conn, self.clock() - SETTLED_AFTER)
        if horizon > self._settled.upto:
            self._settled = self._settled.plus(_count(conn, self._settled.upto, horizon))
        return self._settled.plus(_count(conn, self._settled.upto, None))


def _settled_id(conn: Connection, before: datetime) -> int:
    """The id of the latest event written before ``before`` (0: none)."""
    e = t.lead_events
    found = conn.execute(
        select(e.c.id).where(e.c.at <= before).order_by(e.c.at.desc(), e.c.id.desc()).limit(1)
    ).scalar()
    return int(found or 0)


def _count(conn: Connection, after: int, upto: int | None) -> Tally:
    """Sources and counted events of the lead events with ``after < id <= upto``."""
    e = t.lead_events
    within = [e.c.id > after] + ([e.c.id <= upto] if upto is not None else [])
    # From the start, the type's index finds the events; after it, the planner must walk the
    # primary key's short range instead, which it does when the type is not indexable (SQLite
    # chose the type's index and read every created event again: 0.5 s on a million leads).
    kind = e.c.type if after == 0 else func.lower(e.c.type)
    payload = e.c.payload
    columns = (
        payload["origin"].as_string(),
        payload["source"].as_string(),
        payload["channel"].as_string(),
    )
    sources: Counter[tuple[str | None, str | None, str | None]] = Counter()
    for origin, source, channel, n in conn.execute(
        select(*columns, func.count())
        .where(*within, kind.in_([EventType.CREATED.value, EventType.UNPARSED.value]))
        .group_by(*columns)
    ):
        sources[(origin, source, channel)] += int(n)
    events: Counter[str] = Counter()
    for counted, n in conn.execute(
        select(kind, func.count())
        .where(*within, kind.in_([k.value for k in COUNTED_EVENTS]))
        .group_by(kind)
    ):
        events[str(counted)] += int(n)
    return Tally(upto or after, sources, events)


def _lanes() -> list[tuple[str, Table]]:
    return [
        (lane, t.metadata.tables[name])
        for lane, name in OUTBOX_LANES.items()
        if name in t.metadata.tables
    ]


def _backlog(conn: Connection, table: Table) -> Backlog:
    query = select(func.count(), func.min(table.c.created_at)).where(table.c.status.in_(WAITING))
    waiting, oldest = conn.execute(query).one()
    return Backlog(int(waiting), oldest)


def _failed(conn: Connection) -> dict[tuple[str, str], int]:
    o = t.outbox
    kind = o.c.notice["kind"].as_string()
    found = {
        ("chat", str(k or "unknown")): int(n)
        for k, n in conn.execute(
            select(kind, func.count()).where(o.c.status == "failed").group_by(kind)
        )
    }
    for lane, table in _lanes():
        if table is not o:
            n = conn.execute(select(func.count()).where(table.c.status == "failed")).scalar_one()
            if n:
                found[(lane, "change")] = int(n)
    return found
