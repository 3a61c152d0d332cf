"""Turning domain values into table rows and JSON, and back."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import time
from decimal import Decimal
from typing import Any

from routing.events import EventType, LeadEvent
from routing.lead import Lead, Origin, Qualification, SourceRef
from routing.notices import LeadCard, Notice, NoticeKind
from routing.roles import Platform
from routing.rotation import WorkingHours
from routing.stages import Stage
from routing.team import Rep

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
    )
