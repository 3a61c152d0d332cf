"""The reads behind a funnel report, shaped so their cost follows the window, not the history.

A report over ``[start, end)`` counts the events in the window and describes the leads as they
stood at its end. It therefore needs:

- the whole history (before ``end``) of every lead with an event in the window: the flow
  figures, speed to lead and the rep table replay those. Found through ``lead_events(at)``,
  bounded at both ends (a period of January 2025 reads January 2025, not everything since),
  then ``lead_events(lead_id, id)``;
- the leads open at ``end`` without an event in the window, which rested in their stage through
  it. Those created before ``start`` that are still open now (``leads.closed_at`` is null) and
  have not changed stage since ``start`` are read from the index on ``leads(closed_at,
  created_at, stage, owner_id, stage_since, id)`` alone, one row each, as a mark of their stage:
  no event of theirs is read, which is what a digest on a cold cache waited for. The others —
  waiting in ``new`` (whether they were queued is in their history), changed since ``start``
  (after ``end``), or closed after ``end`` (``closed_at >= end``: the period is in the past) —
  have their history before ``end`` read;
- for customer tenure, one row per won lead (its ``won`` time) and one per churn, read from the
  covering index ``lead_events(type, at, lead_id)`` alone rather than by replaying every
  customer's history.

A stage mark is a :class:`LeadEvent` of type ``assigned`` at ``stage_since``, into the lead's
current stage and with its current owner, with id 0: it lies before the window, so it counts in
no flow figure, and it gives the replay the stage, its owner and since when. Its owner is the
owner now; a lead reassigned within its stage after ``end`` shows its later owner.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import chain
from operator import attrgetter
from typing import Any

from sqlalchemy import CompoundSelect, Connection, Select, func, or_, select
from sqlalchemy.types import NullType

from routing.events import EventType, LeadEvent
from routing.metrics import CustomerSpan
from routing.stages import Stage
from storage import tables as t
from storage.codec import driver_value, event_columns, events_from_driver, utc_from_driver

__all__ = ["customer_spans", "events_for_report", "report_queries", "span_queries"]

MARK = EventType.ASSIGNED
"""The type a stage mark is read as (see the module docstring)."""


def report_queries(start: datetime, end: datetime) -> list[Select[Any]]:
    """The queries of a report: the histories to replay, each ordered by time (and id, for
    equal times), selecting :func:`storage.codec.event_columns`; then the resting leads' rows
    (id, stage, owner, stage since, as the driver gives them)."""
    e, leads = t.lead_events, t.leads
    columns = event_columns()
    touched = select(e.c.lead_id).where(e.c.at >= start, e.c.at < end)
    histories = select(*columns).where(e.c.lead_id.in_(touched), e.c.at < end)
    replayed = select(*columns).where(e.c.lead_id.in_(_replayed_resting(start, end)), e.c.at < end)
    marked = (
        select(leads.c.id, leads.c.stage, leads.c.owner_id, driver_value(leads.c.stage_since))
        .where(*_resting(start, touched), *_marked(start))
        .order_by(leads.c.closed_at, leads.c.created_at)
    )
    return [
        histories.order_by(e.c.at, e.c.id),
        replayed.order_by(e.c.at, e.c.id),
        marked,
    ]


def _resting(start: datetime, touched: Select[Any]) -> list[Any]:
    """Open now, there before ``start``, and nothing in the window."""
    leads = t.leads
    return [
        leads.c.closed_at.is_(None),
        leads.c.created_at < start,
        leads.c.id.not_in(touched),
    ]


def _marked(start: datetime) -> list[Any]:
    """Resting leads whose row is their state at the window's end: in a stage that began before
    ``start`` (so it did not change after the end either) and not waiting in ``new``."""
    leads = t.leads
    return [leads.c.stage != Stage.NEW.value, leads.c.stage_since < start]


def _replayed_resting(start: datetime, end: datetime) -> CompoundSelect[Any]:
    """Ids of the leads open at ``end`` without an event in the window whose history is read:
    waiting in ``new``, changed stage since ``start`` (or written without ``stage_since``), or
    closed at or after ``end``."""
    e, leads = t.lead_events, t.leads
    touched = select(e.c.lead_id).where(e.c.at >= start, e.c.at < end)
    still_open = select(leads.c.id).where(
        *_resting(start, touched),
        or_(
            leads.c.stage == Stage.NEW.value,
            leads.c.stage_since >= start,
            leads.c.stage_since.is_(None),
        ),
    )
    closed_after = select(leads.c.id).where(
        leads.c.closed_at >= end, leads.c.created_at < start, leads.c.id.not_in(touched)
    )
    return still_open.union_all(closed_after)


def events_for_report(conn: Connection, start: datetime, end: datetime) -> list[LeadEvent]:
    """See ``routing.ports.LeadRepository.events_for_report``; the module docstring says why.

    Rows are decoded by ``events_from_driver``, not SQLAlchemy's per-value result processing: a
    week's report reads tens of thousands of events, and decoding was most of its cost.
    """
    *history_queries, marks_query = report_queries(start, end)
    rows = chain.from_iterable(conn.execute(query).all() for query in history_queries)
    events = events_from_driver(rows)
    events += stage_marks(conn.execute(marks_query).all())
    events.sort(key=attrgetter("at", "id"))
    return events


def stage_marks(rows: Iterable[Sequence[Any]]) -> list[LeadEvent]:
    """A resting lead's row as the mark of its stage (see the module docstring)."""
    return [
        LeadEvent(lead_id, MARK, utc_from_driver(since), None, None, Stage(stage), owner, {}, id=0)
        for lead_id, stage, owner, since in rows
    ]


def span_queries(before: datetime) -> tuple[Select[Any], Select[Any]]:
    """(lead, won at) and (lead, first churn) before ``before``, via ``lead_events(type, at)``.

    Times come as the driver gives them (``storage.codec.driver_value``).
    """
    e = t.lead_events
    won = select(e.c.lead_id, driver_value(e.c.at)).where(
        e.c.type == EventType.WON.value, e.c.at < before
    )
    churned = (
        select(e.c.lead_id, func.min(e.c.at, type_=NullType()))
        .where(e.c.type == EventType.CHURNED.value, e.c.at < before)
        .group_by(e.c.lead_id)
    )
    return won, churned


def customer_spans(conn: Connection, before: datetime) -> list[CustomerSpan]:
    """Every lead won before ``before``: when, and when it churned if that was before too."""
    won_query, churn_query = span_queries(before)
    won = conn.execute(won_query).all()
    churned = conn.execute(churn_query).all()
    churn_at = {lead_id: utc_from_driver(at) for lead_id, at in churned}
    first_win: dict[int, datetime] = {}
    for lead_id, raw in won:
        at = utc_from_driver(raw)
        known = first_win.get(lead_id)
        if known is None or at < known:
            first_win[lead_id] = at
    churn = churn_at.get
    return [
        CustomerSpan(lead_id, first_win[lead_id], churn(lead_id)) for lead_id in sorted(first_win)
    ]


def first_lead_at(conn: Connection) -> datetime | None:
    """The first ``created`` or ``unparsed`` event's time, through ``lead_events(type, at)``."""
    e = t.lead_events
    firsts = [
        conn.execute(select(func.min(e.c.at)).where(e.c.type == kind.value)).scalar()
        for kind in (EventType.CREATED, EventType.UNPARSED)
    ]
    return min((at for at in firsts if at is not None), default=None)
