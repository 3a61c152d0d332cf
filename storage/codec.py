"""Turning domain values into table rows and JSON, and back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, type_coerce
from sqlalchemy.types import NullType

from routing.events import EventType, LeadEvent
from routing.lead import Lead, Origin, Qualification, SourceRef
from routing.notices import LeadCard, Notice, NoticeKind
from routing.roles import Platform
from routing.rotation import WorkingHours
from routing.stages import Stage
from routing.team import Rep
from storage import tables as t

Row = Mapping[Any, Any]
"""A result row as a mapping (SQLAlchemy's ``RowMapping``)."""


def rep_row(rep: Rep) -> dict[str, Any]:
    hours = rep.hours
    return {
        "platform": rep.platform.value,
        "user_id": rep.user_id,
        "name": rep.name,
        "timezone": rep.timezone,
        "is_manager": rep.is_manager,
        "away_until": rep.away_until,
        "hours_start": hours.start if hours else None,
        "hours_end": hours.end if hours else None,
        "hours_days": ",".join(str(d) for d in sorted(hours.days)) if hours else None,
        "away_note": rep.away_note,
        "away_status": rep.away_status,
    }


def rep_from(row: Row) -> Rep:
    hours = None
    if row["hours_start"] is not None and row["hours_end"] is not None:
        days = frozenset(int(d) for d in (row["hours_days"] or "").split(",") if d)
        hours = WorkingHours(
            start=_time(row["hours_start"]), end=_time(row["hours_end"]), days=days
        )
    return Rep(
        platform=Platform(row["platform"]),
        user_id=row["user_id"],
        name=row["name"],
        timezone=row["timezone"],
        is_manager=bool(row["is_manager"]),
        away_until=row["away_until"],
        hours=hours,
        away_note=row["away_note"],
        away_status=row["away_status"],
        id=row["id"],
    )


def _time(value: time | str) -> time:
    return value if isinstance(value, time) else time.fromisoformat(value)


def lead_row(lead: Lead) -> dict[str, Any]:
    source = lead.source
    return {
        "stage": lead.stage.value,
        "origin": lead.origin.value,
        "company": lead.company,
        "email": lead.email,
        "email_domain": lead.email_domain,
        "name": lead.name,
        "phone": lead.phone,
        "fields": dict(lead.fields),
        "owner_id": lead.owner_id,
        "pool": lead.pool,
        "created_at": lead.created_at,
        "assigned_at": lead.assigned_at,
        "source_platform": source.platform if source else None,
        "source_channel": source.channel if source else None,
        "source_message_id": source.message_id if source else None,
        "raw_text": lead.raw_text,
        "qualification": lead.qualification.as_dict() if lead.qualification else None,
        "amount": str(lead.amount) if lead.amount is not None else None,
        "expansion_total": str(lead.expansion_total),
        "reason": lead.reason,
        "sla_misses": lead.sla_misses,
        "stage_since": lead.stage_since,
        "closed_at": lead.closed_at,
        "imported": lead.imported,
    }


def lead_from(row: Row) -> Lead:
    source = None
    if row["source_platform"]:
        source = SourceRef(row["source_platform"], row["source_channel"], row["source_message_id"])
    return Lead(
        company=row["company"],
        email=row["email"],
        name=row["name"],
        phone=row["phone"],
        fields=dict(row["fields"] or {}),
        origin=Origin(row["origin"]),
        stage=Stage(row["stage"]),
        owner_id=row["owner_id"],
        pool=row["pool"],
        created_at=row["created_at"],
        assigned_at=row["assigned_at"],
        source=source,
        raw_text=row["raw_text"],
        qualification=Qualification(**row["qualification"]) if row["qualification"] else None,
        amount=Decimal(row["amount"]) if row["amount"] is not None else None,
        expansion_total=Decimal(row["expansion_total"] or "0"),
        reason=row["reason"],
        sla_misses=row["sla_misses"],
        card_ref=row["card_ref"],
        id=row["id"],
        stage_since=row["stage_since"],
        closed_at=row["closed_at"],
        imported=bool(row["imported"]),
    )


def event_row(event: LeadEvent) -> dict[str, Any]:
    return {
        "lead_id": event.lead_id,
        "type": event.type.value,
        "at": event.at,
        "actor_id": event.actor_id,
        "from_stage": event.from_stage.value if event.from_stage else None,
        "to_stage": event.to_stage.value,
        "owner_id": event.owner_id,
        "payload": dict(event.payload),
    }


def event_from(row: Row) -> LeadEvent:
    return LeadEvent(
        lead_id=row["lead_id"],
        type=EventType(row["type"]),
        at=row["at"],
        actor_id=row["actor_id"],
        from_stage=Stage(row["from_stage"]) if row["from_stage"] else None,
        to_stage=Stage(row["to_stage"]),
        owner_id=row["owner_id"],
        payload=row["payload"] or {},
        id=row["id"],
    )


_EVENT_TYPES = {kind.value: kind for kind in EventType}
_STAGES = {stage.value: stage for stage in Stage}


def driver_value(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """``column`` as the driver returns it, without SQLAlchemy's per-value result processing:
    text for times and JSON on SQLite, ``datetime`` and decoded JSON on PostgreSQL (psycopg)."""
    return type_coerce(column, NullType())


def event_columns() -> tuple[ColumnElement[Any], ...]:
    """The columns :func:`events_from_driver` reads, in its order (times and payloads raw)."""
    e = t.lead_events
    return (
        e.c.id,
        e.c.lead_id,
        e.c.type,
        driver_value(e.c.at).label("at"),
        e.c.actor_id,
        e.c.from_stage,
        e.c.to_stage,
        e.c.owner_id,
        driver_value(e.c.payload).label("payload"),
    )


def utc_from_driver(value: Any) -> datetime:
    """A time column's driver value as an aware UTC datetime, as ``UTCDateTime`` reads it.

    SQLite's text (UTC, without an offset) is parsed with ``+00:00`` appended: an aware
    datetime at once, several times cheaper than parsing it naive and then ``replace``.
    """
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:  # the text has an offset of its own
            value = datetime.fromisoformat(value)
    moment: datetime = value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def events_from_driver(rows: Iterable[Sequence[Any]]) -> list[LeadEvent]:
    """:func:`event_from` of rows of :func:`event_columns`: the same events, read several times
    faster, for the reads that decode tens of thousands of events (a funnel report's).

    A payload text is decoded once per call: events with the same payload share one mapping,
    which nothing changes (a :class:`LeadEvent`'s payload is read-only).
    """
    payloads: dict[str | bytes, Mapping[str, Any]] = {}
    types, stages, parse = _EVENT_TYPES, _STAGES, datetime.fromisoformat
    events: list[LeadEvent] = []
    append = events.append
    for event_id, lead_id, kind, at, actor_id, from_stage, to_stage, owner_id, raw in rows:
        if isinstance(raw, str | bytes):  # SQLite's text; psycopg decodes JSON itself
            payload = payloads.get(raw)
            if payload is None:
                payload = payloads[raw] = json.loads(raw) or {}
        else:
            payload = raw or {}
        if type(at) is str:  # utc_from_driver(at), inline: this loop runs for every event
            try:
                moment = parse(at + "+00:00")
            except ValueError:
                moment = utc_from_driver(at)
        else:
            moment = utc_from_driver(at)
        append(
            LeadEvent(  # positionally: a third faster than by keyword, tens of thousands of times
                lead_id,
                types.get(kind) or EventType(kind),
                moment,
                actor_id,
                (stages.get(from_stage) or Stage(from_stage)) if from_stage else None,
                stages.get(to_stage) or Stage(to_stage),
                owner_id,
                payload,
                event_id,
            )
        )
    return events


def notice_json(notice: Notice) -> dict[str, Any]:
    card = notice.card
    return {
        "text": notice.text,
        "kind": notice.kind.value,
        "rep_id": notice.rep_id,
        "thread": vars(notice.thread) if notice.thread else None,
        "channel": notice.channel,
        "platform": notice.platform,
        "lead_id": notice.lead_id,
        "card": {**vars(card), "details": dict(card.details), "actions": list(card.actions)}
        if card
        else None,
        "update_card": notice.update_card,
        "data": dict(notice.data),
        **({"edit_ref": notice.edit_ref} if notice.edit_ref else {}),
    }


def notice_from(data: Mapping[str, Any]) -> Notice:
    card = data.get("card")
    thread = data.get("thread")
    return Notice(
        text=data["text"],
        kind=NoticeKind(data["kind"]),
        rep_id=data.get("rep_id"),
        thread=SourceRef(**thread) if thread else None,
        channel=data.get("channel"),
        platform=data.get("platform"),
        lead_id=data.get("lead_id"),
        card=LeadCard(**{**card, "actions": tuple(card["actions"])}) if card else None,
        update_card=bool(data.get("update_card")),
        data=data.get("data") or {},
        edit_ref=data.get("edit_ref") or None,
    )
