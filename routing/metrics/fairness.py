"""Received vs fair share, and who was skipped why: read from the rotation's own record.

Every ``assigned`` event made by a rotation turn carries ``payload["rotation"]``::

    {"pool": "qualifier",
     "eligible": {"<rep id>": weight, ...},   # available at that turn, the chosen one included
     "skipped": {"<rep id>": "away" | "hours" | "cap" | "open_limit", ...}}

Over a period, a rep's *fair share* is the sum, over the turns in which they were eligible, of
their weight ÷ the eligible weights of that turn: what a perfectly fair rotation would have given
them among the people actually there. *Received* counts the rotation turns that chose them;
leads reaching them otherwise (a manager's reassignment, a duplicate contact, an outbound lead)
are not turns, so they count towards neither. *Skips* count the turns in which they were passed
over, by reason. Events without the key (older ones, manual assignments) contribute nothing, and
a malformed record is read as far as it makes sense rather than sink a digest.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from routing.events import EventType, LeadEvent
from routing.metrics.periods import Period

__all__ = ["SKIP_REASONS", "RotationTally", "RotationTurn", "rotation_tallies", "rotation_turn"]

SKIP_REASONS = ("away", "hours", "cap", "open_limit")
"""Why a rotation turn passes a rep over, in the order the digest lists them."""


@dataclass(frozen=True)
class RotationTurn:
    """One rotation turn as the ``assigned`` event recorded it."""

    pool: str
    chosen: int | None
    eligible: Mapping[int, float]
    skipped: Mapping[int, str]

    def share_of(self, rep_id: int) -> float:
        total = sum(self.eligible.values())
        return self.eligible.get(rep_id, 0.0) / total if total > 0 else 0.0


@dataclass
class RotationTally:
    """One rep's rotation turns over a period."""

    received: int = 0
    fair_share: float = 0.0
    skipped: Counter[str] = field(default_factory=Counter)


def rotation_turn(event: LeadEvent) -> RotationTurn | None:
    """The turn ``event`` records, or ``None`` when it is not a rotation turn."""
    record = event.payload.get("rotation") if event.type is EventType.ASSIGNED else None
    if not isinstance(record, Mapping):
        return None
    eligible = {
        rep: weight
        for rep, weight in (
            (_rep_id(k), _weight(v)) for k, v in _mapping(record.get("eligible")).items()
        )
        if rep is not None and weight > 0
    }
    skipped = {
        rep: reason
        for rep, reason in ((_rep_id(k), v) for k, v in _mapping(record.get("skipped")).items())
        if rep is not None and reason in SKIP_REASONS
    }
    return RotationTurn(str(record.get("pool") or ""), event.owner_id, eligible, skipped)


def rotation_tallies(events: Iterable[LeadEvent], period: Period) -> dict[int, RotationTally]:
    """Every rep's received, fair share and skips over the rotation turns in ``period``."""
    tallies: dict[int, RotationTally] = defaultdict(RotationTally)
    for event in events:
        is_turn = event.type is EventType.ASSIGNED and period.contains(event.at)
        turn = rotation_turn(event) if is_turn else None
        if turn is None:
            continue
        if turn.chosen is not None:
            tallies[turn.chosen].received += 1
        for rep_id in turn.eligible:
            tallies[rep_id].fair_share += turn.share_of(rep_id)
        for rep_id, reason in turn.skipped.items():
            tallies[rep_id].skipped[reason] += 1
    return dict(tallies)


def _mapping(value: Any) -> Mapping[Any, Any]:
    return value if isinstance(value, Mapping) else {}


def _rep_id(key: Any) -> int | None:
    try:
        return int(str(key))
    except ValueError:
        return None


def _weight(value: Any) -> float:
    if isinstance(value, bool):
        return 0.0
    try:
        weight = Decimal(str(value))
    except InvalidOperation:
        return 0.0
    return float(weight) if weight.is_finite() else 0.0
