"""The reads behind a funnel report, shaped so their cost follows the window, not the history.

A report over ``[start, end)`` counts the events in the window and describes the leads as they
stood at its end. It therefore needs:

- the whole history (before ``end``) of every lead with an event since ``start``: the flow
  figures, speed to lead and the rep table replay those. Found through ``lead_events(at)``, then
  ``lead_events(lead_id, id)``;
- for open leads without an event since ``start`` — their stage then is their stage now — only
  what replaying their current stage needs: the event that began it and their latest event (two
  rows however long their history). Leads waiting in the queue (``new``) keep their whole
  history, because "queued" looks back for a ``queued`` event; there are few of them, and the
  report lists them one by one anyway;
- for customer tenure, one row per won lead (its ``won`` time) and one per churn, read from the
  covering index ``lead_events(type, at, lead_id)`` alone rather than by replaying every
  customer's history.

"The event that began the stage" is the first event after the lead's last event into another
stage, by event id: a lead's events are appended in time order.
"""

from __future__ import annotations

from datetime import datetime
from itertools import chain
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection, Select, func, select, union
from sqlalchemy.types import NullType

from routing.events import EventType, LeadEvent
from routing.metrics import CustomerSpan
from routing.stages import OPEN_STAGES, Stage
from storage import tables as t
from storage.codec import driver_value, event_columns, events_from_driver, utc_from_driver

__all__ = ["customer_spans", "events_for_report", "report_queries", "span_queries"]

_SETTLED_OPEN = sorted(s.value for s in OPEN_STAGES - {Stage.NEW})
"""Open stages a lead rests in with an owner; ``new`` leads are the queue, read in full."""


def report_queries(start: datetime, end: datetime) -> list[Select[Any]]:
    """The three event queries of a report, each ordered by time (and id, for equal times).

    They select :func:`storage.codec.event_columns`, rows for ``events_from_driver``.
    """
    e, leads = t.lead_events, t.leads
    columns = event_columns()
    touched = select(e.c.lead_id).where(e.c.at >= start)
    histories = select(*columns).where(e.c.lead_id.in_(touched), e.c.at < end)
    waiting_ids = select(leads.c.id).where(
        leads.c.stage == Stage.NEW.value, leads.c.id.not_in(touched)
    )
    waiting = select(*columns).where(e.c.lead_id.in_(waiting_ids), e.c.at < end)
    resting = select(*columns).where(e.c.id.in_(_stage_marks(touched)), e.c.at < end)
    return [q.order_by(e.c.at, e.c.id) for q in (histories, waiting, resting)]


def _stage_marks(touched: Select[Any]) -> Any:
    """Ids of the first event of the current stage and the latest event of each resting lead."""
    leads = t.leads
    resting = (
        select(leads.c.id, leads.c.stage)
        .where(leads.c.stage.in_(_SETTLED_OPEN), leads.c.id.not_in(touched))
        .subquery("resting")
    )
    latest, before, first = (t.lead_events.alias(name) for name in ("latest", "before", "first"))
    latest_id = select(func.max(latest.c.id)).where(latest.c.lead_id == resting.c.id)
    left_other_stage = (
        select(func.max(before.c.id))
        .where(before.c.lead_id == resting.c.id, before.c.to_stage != resting.c.stage)
        .correlate(resting)
    )
    stage_began = (
        select(func.min(first.c.id))
        .where(
            first.c.lead_id == resting.c.id,
            first.c.id > func.coalesce(left_other_stage.scalar_subquery(), 0),
        )
        .correlate(resting)
    )
    return union(
        select(latest_id.scalar_subquery().label("id")).select_from(resting),
        select(stage_began.scalar_subquery().label("id")).select_from(resting),
    )


def events_for_report(conn: Connection, start: datetime, end: datetime) -> list[LeadEvent]:
    """See ``routing.ports.LeadRepository.events_for_report``; the module docstring says why.

    Rows are decoded by ``events_from_driver``, not SQLAlchemy's per-value result processing: a
    week's report reads tens of thousands of events, and decoding was most of its cost.
    """
    rows = chain.from_iterable(conn.execute(query).all() for query in report_queries(start, end))
    events = events_from_driver(rows)
    events.sort(key=attrgetter("at", "id"))
    return events


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
