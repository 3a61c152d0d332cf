"""The operator's figures (``routing/operations.py``), read at scrape time in one read-only
transaction: leads in by source, lead events by type, each outbox lane's backlog and failures,
digests sent.

Outbox lanes are found, not listed by hand: every table in :data:`OUTBOX_LANES` that the schema
holds is read the same way (``status``, ``created_at``), so a lane added with its own table (the
CRM's ``crm_outbox``) is counted as soon as its table exists.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, Engine, Table, func, select

from routing.events import EventType
from routing.operations import Backlog, OperationsSnapshot, fold_sources, source_label
from storage import tables as t
from storage.engine import READ_ONLY

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


class SqlOperations:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def read(self) -> OperationsSnapshot:
        with self.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            with conn.begin():
                sources = _sources(conn)
                events = {
                    str(kind): int(n)
                    for kind, n in conn.execute(
                        select(t.lead_events.c.type, func.count())
                        .where(t.lead_events.c.type.in_([e.value for e in COUNTED_EVENTS]))
                        .group_by(t.lead_events.c.type)
                    )
                }
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
        return OperationsSnapshot(sources, events, backlog, failed, digests)


def _lanes() -> list[tuple[str, Table]]:
    return [
        (lane, t.metadata.tables[name])
        for lane, name in OUTBOX_LANES.items()
        if name in t.metadata.tables
    ]


def _sources(conn: Connection) -> dict[tuple[str, str], int]:
    e = t.lead_events
    payload = e.c.payload
    columns = (
        payload["origin"].as_string(),
        payload["source"].as_string(),
        payload["channel"].as_string(),
    )
    query = (
        select(*columns, func.count())
        .where(e.c.type.in_([EventType.CREATED.value, EventType.UNPARSED.value]))
        .group_by(*columns)
    )
    counted: Counter[tuple[str, str]] = Counter()
    for origin, source, channel, n in conn.execute(query):
        counted[source_label(origin, source, channel)] += int(n)
    return fold_sources(counted, MOST_SOURCES)


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
