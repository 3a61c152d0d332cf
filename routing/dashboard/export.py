"""The spreadsheet's columns: one row per lead, and one per event, every text cell neutralised."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from routing.chat.formatting import money_heading
from routing.dashboard.cells import cell
from routing.events import LeadEvent
from routing.lead import Lead, Origin
from routing.stages import Stage

STAGE_COLUMNS: tuple[Stage, ...] = tuple(s for s in Stage if s not in (Stage.UNPARSED, Stage.NEW))
"""Every stage a lead can reach after it is created; each gets a "first reached at" column."""
BANT = ("budget", "authority", "need", "timeline", "notes")

LEAD_COLUMNS: tuple[str, ...] = (
    "id",
    "company",
    "person",
    "email",
    "phone",
    "source",
    "direction",
    "stage",
    "owner",
    "pool",
    "created_at",
    *(f"first_{stage.value}_at" for stage in STAGE_COLUMNS),
    *BANT,
    "won_amount",
    "expansion_total",
    "lost_or_disqualified_reason",
)
MONEY_COLUMNS = ("won_amount", "expansion_total")


def lead_columns(currency: str = "") -> tuple[str, ...]:
    """The leads spreadsheet's header, its amounts named with the team's currency
    (``won_amount (GBP)``); the cells stay plain numbers a spreadsheet can add up."""
    return tuple(money_heading(c, currency) if c in MONEY_COLUMNS else c for c in LEAD_COLUMNS)


EVENT_COLUMNS: tuple[str, ...] = (
    "event_id",
    "lead_id",
    "type",
    "at",
    "actor",
    "from_stage",
    "to_stage",
    "owner",
    "payload",
)


def lead_cells(
    lead: Lead, first_at: Mapping[Stage, datetime], names: Mapping[int, str]
) -> list[str]:
    """``lead``'s row; ``first_at`` holds when each stage was first reached (from its events)."""
    bant = lead.qualification.as_dict() if lead.qualification else {}
    values: list[object] = [
        lead.id,
        lead.company,
        lead.name,
        lead.email,
        lead.phone,
        lead.fields.get("source"),
        "outbound" if lead.origin is Origin.OUTBOUND else "inbound",
        lead.stage.value,
        _name(lead.owner_id, names),
        lead.pool,
        lead.created_at,
        *(first_at.get(stage) for stage in STAGE_COLUMNS),
        *(bant.get(key) for key in BANT),
        lead.amount,
        lead.expansion_total,
        lead.reason if lead.stage in (Stage.LOST, Stage.DISQUALIFIED) else None,
    ]
    return [cell(v) for v in values]


def event_cells(event: LeadEvent, names: Mapping[int, str]) -> list[str]:
    values: list[object] = [
        event.id,
        event.lead_id,
        event.type.value,
        event.at,
        _name(event.actor_id, names),
        event.from_stage.value if event.from_stage else None,
        event.to_stage.value,
        _name(event.owner_id, names),
        json.dumps(event.payload, ensure_ascii=False, sort_keys=True) if event.payload else None,
    ]
    return [cell(v) for v in values]


def _name(rep_id: int | None, names: Mapping[int, str]) -> str | None:
    if rep_id is None:
        return None
    return names.get(rep_id, f"rep {rep_id}")
