"""A lead's history as people read it: one sentence per event, with names and amounts.

`/lead show` (every chat) and the dashboard's lead page both write an event with
:func:`event_sentence`, so neither ever shows what the event log keeps for the machines — a
rotation turn's weights, a rep's id, an amount as stored (``24000``): "assigned to alice by the
qualifier rotation", "handed from carol to dave (closer)", "won by dave: 24,000".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from routing.chat.formatting import format_money
from routing.events import EventType, LeadEvent
from routing.lead import Qualification

Names = Callable[[int], str | None]
"""A rep's name by id; None for someone Baton does not know."""

SOMEONE = "someone"
"""Who an event names when its rep is unknown: never an id."""
BATON = "Baton"
"""Who acted when nobody did (the rotation, the sweep, a webhook)."""

_STEP_WORDS = {
    EventType.MEETING: "meeting held",
    EventType.PROPOSAL_REQUESTED: "proposal requested",
    EventType.PROPOSAL_PRESENTED: "proposal presented",
}
_ROLE_WORDS = {"closer": " (closer)", "account_manager": " (account manager)"}


def event_sentence(event: LeadEvent, names: Names, currency: str = "") -> str:
    """What happened, in one sentence without its time: names, not ids; amounts formatted."""
    sentence = _Sentence(event, names, currency)
    write = _WRITERS.get(event.type)
    return write(sentence) if write else f"{event.type.value.replace('_', ' ')}{sentence.by}"


class _Sentence:
    """The pieces an event's sentence is made of."""

    def __init__(self, event: LeadEvent, names: Names, currency: str) -> None:
        self.event, self.names, self.currency = event, names, currency
        self.payload: Mapping[str, Any] = event.payload

    def name(self, rep_id: object) -> str:
        if rep_id is None:
            return BATON
        known = self.names(rep_id) if isinstance(rep_id, int) else None
        return known or SOMEONE

    @property
    def actor(self) -> str:
        return self.name(self.event.actor_id)

    @property
    def by(self) -> str:
        return f" by {self.actor}"

    @property
    def owner(self) -> str:
        return self.name(self.event.owner_id)

    def text(self, key: str) -> str:
        value = self.payload.get(key)
        return str(value).strip() if value not in (None, "") else ""

    def money(self, key: str = "amount") -> str:
        try:
            return format_money(Decimal(str(self.payload.get(key))), self.currency)
        except (InvalidOperation, ValueError):
            return ""

    def after(self, detail: str, mark: str = ": ") -> str:
        return f"{mark}{detail}" if detail else ""


def _created(s: _Sentence) -> str:
    if s.payload.get("fixed"):
        return f"fixed by {s.actor} from its unparsed post, then routed"
    if s.payload.get("origin") == "outbound":
        return f"logged by {s.actor} as an outbound lead"
    source = s.after(s.text("source"), " from ")
    sourced = s.payload.get("sourced_by")
    sourced_by = f", sourced by {s.name(sourced)}" if sourced is not None else ""
    posted = f", posted by {s.actor}" if s.event.actor_id is not None and s.actor != BATON else ""
    return f"new lead{source}{posted}{sourced_by}"


def _assigned(s: _Sentence) -> str:
    how = s.payload.get("how")
    if how == "outbound":
        return f"worked by {s.owner}, who logged it"
    if how == "manager":
        return f"assigned to {s.owner}{s.by}"
    if how == "match":
        return f"assigned to {s.owner}{s.after(s.text('explanation'))}"
    rotation = s.payload.get("rotation")
    pool = rotation.get("pool") if isinstance(rotation, Mapping) else None
    by = f" by the {str(pool).replace('_', ' ')} rotation" if pool else " by the rotation"
    return f"assigned to {s.owner}{by}"


def _claimed(s: _Sentence) -> str:
    taken = s.payload.get("taken_from")
    return f"claimed by {s.actor}" + (f", taken over from {s.name(taken)}" if taken else "")


def _sla_missed(s: _Sentence) -> str:
    who = s.name(s.payload.get("missed_by"))
    minutes = s.text("minutes")
    sla = f"the {minutes}-minute claim SLA" if minutes else "the claim SLA"
    misses = s.payload.get("misses")
    count = f" (miss {misses})" if isinstance(misses, int) and misses > 1 else ""
    then = "it stays with them" if s.payload.get("kept") else "it moves on"
    return f"{who} missed {sla}{count}; {then}"


def _handed_off(s: _Sentence) -> str:
    role = str(s.payload.get("role") or "")
    start = f"handed from {s.name(s.payload.get('handed_from'))} to {s.owner}"
    if role == "qualifier":
        return f"{start} to qualify"
    return f"{start}{_ROLE_WORDS.get(role, '')}"


def _qualified(s: _Sentence) -> str:
    fields = ("budget", "authority", "need", "timeline", "notes")
    q = Qualification(**{k: s.text(k) or None for k in fields})
    return f"qualified by {s.actor}: {q.summary()}"


def _step(words: str, s: _Sentence) -> str:
    return f"{words}, logged{s.by}"


_WRITERS: dict[EventType, Callable[[_Sentence], str]] = {
    EventType.CREATED: _created,
    EventType.UNPARSED: lambda s: f"kept unparsed{s.after(s.text('reason'))}",
    EventType.QUEUED: lambda s: f"waiting in the queue{s.after(s.text('explanation'))}",
    EventType.ASSIGNED: _assigned,
    EventType.CLAIMED: _claimed,
    EventType.DECLINED: lambda s: f"passed on by {s.actor}",
    EventType.SLA_MISSED: _sla_missed,
    EventType.REASSIGNED: lambda s: (
        f"reassigned from {s.name(s.payload.get('reassigned_from'))} to {s.owner}{s.by}"
    ),
    EventType.QUALIFIED: _qualified,
    EventType.DISQUALIFIED: lambda s: f"disqualified{s.by}{s.after(s.text('reason'))}",
    EventType.HANDED_OFF: _handed_off,
    **{kind: partial(_step, words) for kind, words in _STEP_WORDS.items()},
    EventType.WON: lambda s: f"won{s.by}{s.after(s.money())}",
    EventType.LOST: lambda s: f"lost{s.by}{s.after(s.text('reason'))}",
    EventType.EXPANDED: lambda s: f"expanded{s.after(s.money(), ' by ')}, logged{s.by}",
    EventType.CHURNED: lambda s: f"churned, logged{s.by}{s.after(s.text('reason'))}",
    EventType.AMOUNT_SET: lambda s: f"deal amount set to {s.money()}{s.by}",
}
