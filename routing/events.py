"""The immutable record of everything that happens to a lead; metrics are computed from these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from routing.stages import Stage


class EventType(StrEnum):
    CREATED = "created"
    UNPARSED = "unparsed"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    CLAIMED = "claimed"
    DECLINED = "declined"
    SLA_MISSED = "sla_missed"
    REASSIGNED = "reassigned"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    HANDED_OFF = "handed_off"
    MEETING = "meeting"
    PROPOSAL_REQUESTED = "proposal_requested"
    PROPOSAL_PRESENTED = "proposal_presented"
    WON = "won"
    LOST = "lost"
    EXPANDED = "expanded"
    CHURNED = "churned"
    AMOUNT_SET = "amount_set"
    """A deal amount set on an open lead (``/lead amount``): its stage does not change."""


@dataclass(frozen=True)
class LeadEvent:
    """One transition: who did what, when, from which stage to which, and the owner afterwards.

    ``payload`` carries what the step needs to be understood later: the reason, the amount, the
    qualification notes, the rotation's explanation. Amounts are stored as strings so that no
    float ever touches money.
    """

    lead_id: int
    type: EventType
    at: datetime
    actor_id: int | None
    from_stage: Stage | None
    to_stage: Stage
    owner_id: int | None
    payload: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None


RECEIVING = frozenset({EventType.ASSIGNED, EventType.REASSIGNED, EventType.HANDED_OFF})
"""The events by which a lead reaches someone: what a daily cap counts."""


def received_through(payload: Mapping[str, Any], pool: str) -> bool:
    """Whether a lead that reached someone (a :data:`RECEIVING` event with ``payload``) came
    through ``pool``, the pool its event records (``assigned`` events before pools were recorded
    have it in their ``rotation``).

    A membership's daily cap counts only these, so a rep in two pools is held to each pool's cap
    separately; an event that records no pool counts for every pool, as all did before.
    """
    recorded = payload.get("pool")
    if recorded is None:
        rotation = payload.get("rotation")
        recorded = rotation.get("pool") if isinstance(rotation, Mapping) else None
    return recorded is None or recorded == pool
