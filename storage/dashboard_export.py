"""Streaming CSV exports: constant memory however many leads, one page of rows at a time.

Leads are read in id order and their events in (lead id, event id) order through
``lead_events(lead_id, id)``, both as server-side cursors (``yield_per``), and merged as they
come, so a lead's "first reached" times need no table of a million entries. Output is UTF-8 with
a byte-order mark, so a spreadsheet opens accents right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select

from routing.dashboard.export import EVENT_COLUMNS, event_cells, lead_cells, lead_columns
from routing.dashboard.filters import LeadFilters
from routing.metrics import Period
from routing.stages import Stage
from routing.text import storable
from storage import tables as t
from storage.codec import event_from, lead_from
from storage.dashboard import lead_conditions
from storage.engine import READ_ONLY

BOM = "\ufeff"
ROWS_PER_CHUNK = 1_000
YIELD_PER = 2_000


class SqlDashboardExport:
    """``routing.dashboard.ports.DashboardExport``: each call on a read-only connection of its
    own."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def count(self, kind: str, filters: LeadFilters, period: Period | None) -> int:
        counter = count_leads if kind == "leads" else count_events
        with self.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            with conn.begin():
                return counter(conn, filters, period)

    def chunks(
        self,
        kind: str,
        filters: LeadFilters,
        period: Period | None,
        names: Mapping[int, str],
        currency: str = "",
    ) -> Iterator[tuple[bytes, int]]:
        return export_chunks(self.engine, kind, filters, period, names, currency)


def export_chunks(
    engine: Engine,
    kind: str,
    filters: LeadFilters,
    period: Period | None,
    names: Mapping[int, str],
    currency: str = "",
) -> Iterator[tuple[bytes, int]]:
    """``leads`` or ``events`` CSV from its own read-only connection, opened on the first chunk.

    Run every ``next()`` in one thread; closing the iterator early releases the connection.
    """
    with engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        with conn.begin():
            if kind == "leads":
                yield from leads_csv(conn, filters, period, names, currency)
            else:
                yield from events_csv(conn, filters, period, names)


def count_leads(conn: Connection, filters: LeadFilters, period: Period | None) -> int:
    query = select(func.count()).select_from(t.leads)
    return int(
        conn.execute(query.where(and_(True, *lead_conditions(filters, period)))).scalar_one()
    )


def count_events(conn: Connection, filters: LeadFilters, period: Period | None) -> int:
    query = (
        select(func.count()).select_from(t.lead_events).where(*_event_conditions(filters, period))
    )
    return int(conn.execute(query).scalar_one())


def leads_csv(
    conn: Connection,
    filters: LeadFilters,
    period: Period | None,
    names: Mapping[int, str],
    currency: str = "",
) -> Iterator[tuple[bytes, int]]:
    """The leads CSV in chunks: (bytes, rows in them). Leads created in ``period`` match.

    Nothing is read until the first chunk is asked for, so the caller's thread does the reading.
    """
    yield from _chunks(lead_columns(currency), _lead_rows(conn, filters, period, names))


def _lead_rows(
    conn: Connection, filters: LeadFilters, period: Period | None, names: Mapping[int, str]
) -> Iterator[list[str]]:
    leads, e = t.leads, t.lead_events
    where = and_(True, *lead_conditions(filters, period))
    event_query = select(e.c.lead_id, e.c.to_stage, e.c.at).order_by(e.c.lead_id, e.c.id)
    if _filtered(filters, period):
        event_query = event_query.where(e.c.lead_id.in_(select(leads.c.id).where(where)))
    firsts = _first_times(_stream(conn, event_query, tuples=True))
    pending = next(firsts, None)
    for row in _stream(conn, select(leads).where(where).order_by(leads.c.id)):
        while pending is not None and pending[0] < row["id"]:
            pending = next(firsts, None)
        first_at = pending[1] if pending is not None and pending[0] == row["id"] else {}
        yield lead_cells(lead_from(row), first_at, names)


def events_csv(
    conn: Connection, filters: LeadFilters, period: Period | None, names: Mapping[int, str]
) -> Iterator[tuple[bytes, int]]:
    """The events CSV in chunks: events in ``period`` of the leads the other filters match."""
    e = t.lead_events
    query = select(e).where(*_event_conditions(filters, period)).order_by(e.c.lead_id, e.c.id)
    rows = (event_cells(event_from(row), names) for row in _stream(conn, query))
    yield from _chunks(EVENT_COLUMNS, rows)


def _event_conditions(filters: LeadFilters, period: Period | None) -> list[Any]:
    e, leads = t.lead_events, t.leads
    conditions: list[Any] = []
    if period is not None:
        conditions += [e.c.at >= period.start, e.c.at < period.end]
    others = lead_conditions(filters, None)
    if others:
        conditions.append(e.c.lead_id.in_(select(leads.c.id).where(and_(*others))))
    return conditions


def _filtered(filters: LeadFilters, period: Period | None) -> bool:
    return bool(lead_conditions(filters, period))


def _stream(conn: Connection, query: Any, *, tuples: bool = False) -> Iterator[Any]:
    """Rows ``YIELD_PER`` at a time; ``tuples`` skips building a mapping per row."""
    result = conn.execute(query.execution_options(yield_per=YIELD_PER))
    rows_of: Any = result if tuples else result.mappings()  # a Row unpacks as a tuple itself
    for rows in rows_of.partitions():
        yield from rows


def _first_times(
    rows: Iterator[tuple[int, str, datetime]],
) -> Iterator[tuple[int, dict[Stage, datetime]]]:
    """Per lead, in lead order: when it first reached each stage (``(lead_id, to_stage, at)``
    rows in event order)."""
    current: int | None = None
    first: dict[str, datetime] = {}
    for lead_id, stage, at in rows:
        if lead_id != current:
            if current is not None:
                yield current, _by_stage(first)
            current, first = lead_id, {}
        if stage not in first:
            first[stage] = at
    if current is not None:
        yield current, _by_stage(first)


def _by_stage(first: Mapping[str, datetime]) -> dict[Stage, datetime]:
    return {Stage(stage): at for stage, at in first.items()}


def _chunks(header: tuple[str, ...], rows: Iterator[list[str]]) -> Iterator[tuple[bytes, int]]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
        if count == ROWS_PER_CHUNK:
            yield _encoded(buffer.getvalue()), count
            buffer.seek(0)
            buffer.truncate()
            count = 0
    yield _encoded(buffer.getvalue()), count


def _encoded(text: str) -> bytes:
    """UTF-8 of storable text: a value stored before every entry made text storable (a lone
    surrogate) is written as U+FFFD instead of ending the download half way."""
    return storable(text).encode("utf-8")
