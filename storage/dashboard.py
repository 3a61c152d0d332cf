"""The dashboard's reads: the leads table page, a rep's held leads, the trend, customers.

Every query is shaped for an index added in migration 0006 or before: the leads table is read
newest first (``ORDER BY id DESC``) through ``leads(owner_id, id)``, ``leads(stage, pool, id)``,
``leads(pool, id)`` or ``leads(created_at, id)`` and stops after one page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, String, and_, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from routing.dashboard.filters import LeadFilters
from routing.dashboard.ports import LeadRow
from routing.events import EventType, LeadEvent
from routing.metrics import Period
from routing.stages import Stage
from storage import tables as t
from storage.codec import event_columns, events_from_driver

_TREND_TYPES = (EventType.CREATED.value, EventType.QUALIFIED.value, EventType.WON.value)


def lead_conditions(filters: LeadFilters, period: Period | None) -> list[ColumnElement[bool]]:
    """The ``WHERE`` of the leads table and of the leads export, one condition per filter."""
    leads = t.leads
    conditions: list[ColumnElement[bool]] = []
    if period is not None:
        conditions += [leads.c.created_at >= period.start, leads.c.created_at < period.end]
    if filters.stage is not None:
        conditions.append(leads.c.stage == filters.stage.value)
    if filters.owner_id is not None:
        conditions.append(leads.c.owner_id == filters.owner_id)
    if filters.held_by is not None:
        conditions.append(leads.c.id.in_(_held(filters.held_by, period)))
    if filters.pool is not None:
        conditions.append(leads.c.pool == filters.pool)
    if filters.source is not None:
        source = func.lower(leads.c.fields["source"].as_string())
        conditions.append(source == filters.source.lower())
    if filters.search is not None:
        pattern = f"%{_escape_like(filters.search.lower())}%"
        conditions.append(
            or_(
                *(
                    _folded(column).like(pattern, escape="\\")
                    for column in (leads.c.company, leads.c.name, leads.c.email)
                )
            )
        )
    return conditions


def _held(rep_id: int, period: Period | None) -> Select[Any]:
    """The leads a rep has owned (before ``period`` ended), through ``lead_events(owner_id,
    lead_id)``: the rule of ``routing.dashboard.scope``."""
    e = t.lead_events
    held = select(e.c.lead_id).where(e.c.owner_id == rep_id)
    return held if period is None else held.where(e.c.at < period.end)


class _folded(FunctionElement[str]):  # noqa: N801 (a SQL function, named like one)
    """``lower(text)`` for a ``LIKE`` against a lower-cased pattern; on SQLite the text itself.

    SQLite's ``LIKE`` already ignores case, and exactly the case ``lower()`` folds there (ASCII
    letters), so ``lower(x) LIKE p`` and ``x LIKE p`` match the same rows: without a ``lower()``
    per column per row, a search reads the 1,000,000-lead table in half the time.
    """

    type = String()
    inherit_cache = True


@compiles(_folded)
def _lower(element: _folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(_folded, "sqlite")
def _as_is(element: _folded, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filtered_leads(filters: LeadFilters, period: Period | None) -> Select[Any]:
    return select(t.leads).where(and_(True, *lead_conditions(filters, period)))


class SqlDashboardReads:
    """``routing.dashboard.ports.DashboardReads`` on one connection (a read-only snapshot)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def leads_page(
        self, filters: LeadFilters, period: Period | None, limit: int, offset: int
    ) -> list[LeadRow]:
        leads = t.leads
        query = (
            select(
                leads.c.id,
                leads.c.company,
                leads.c.name,
                leads.c.email,
                leads.c.stage,
                leads.c.origin,
                leads.c.owner_id,
                leads.c.pool,
                leads.c.fields,
                leads.c.created_at,
            )
            .where(and_(True, *lead_conditions(filters, period)))
            .order_by(leads.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return [_lead_row(row) for row in self.conn.execute(query).mappings()]

    def held_since(self, rep_id: int, start: datetime, end: datetime) -> dict[int, datetime]:
        # Of the leads with a trend event in the window only, through lead_events(type, at,
        # lead_id) and (owner_id, lead_id).
        e = t.lead_events
        trended = select(e.c.lead_id).where(
            e.c.type.in_(_TREND_TYPES), e.c.at >= start, e.c.at < end
        )
        owned = select(e.c.lead_id, func.min(e.c.at)).where(
            e.c.owner_id == rep_id, e.c.lead_id.in_(trended)
        )
        return {row[0]: row[1] for row in self.conn.execute(owned.group_by(e.c.lead_id))}

    def trend_events(
        self, start: datetime, end: datetime, lead_ids: set[int] | None
    ) -> Sequence[LeadEvent]:
        e = t.lead_events
        query = select(*event_columns()).where(
            e.c.type.in_(_TREND_TYPES), e.c.at >= start, e.c.at < end
        )
        events = events_from_driver(self.conn.execute(query).all())
        if lead_ids is not None:
            events = [event for event in events if event.lead_id in lead_ids]
        return events

    def customer_owners(self) -> dict[int, int]:
        # Rep by rep, through ``leads(owner_id, stage)`` alone (an owner is always a rep): a
        # few dozen index seeks instead of reading every customer's row for its owner.
        leads, reps = t.leads, t.reps
        query = (
            select(leads.c.id, leads.c.owner_id)
            .select_from(reps.join(leads, leads.c.owner_id == reps.c.id))
            .where(leads.c.stage == Stage.CUSTOMER.value)
        )
        return dict(self.conn.execute(query).all())

    def owner_ids(self) -> set[int]:
        # Rep by rep, one index seek each on ``leads(owner_id, …)``: never a scan of the leads.
        leads, reps = t.leads, t.reps
        owns = select(leads.c.id).where(leads.c.owner_id == reps.c.id).exists()
        return set(self.conn.execute(select(reps.c.id).where(owns)).scalars())


def _lead_row(row: Any) -> LeadRow:
    fields = row["fields"] or {}
    source = fields.get("source") if isinstance(fields, dict) else None
    return LeadRow(
        id=row["id"],
        company=row["company"],
        name=row["name"],
        email=row["email"],
        stage=Stage(row["stage"]),
        origin=row["origin"],
        owner_id=row["owner_id"],
        pool=row["pool"],
        source=str(source) if source is not None else None,
        created_at=row["created_at"],
    )
