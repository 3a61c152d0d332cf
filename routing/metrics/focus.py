"""Role focus: how much of each rep's logged work, per week, was outside their role's work.

Specialisation pays only if prospectors prospect: the seeds ask that non-prospecting work stay
under 10–20% of a prospector's time, and the same of closers. Baton counts it from events: each
event a rep *acted* (``actor_id``) is one piece of logged work of a kind (:func:`work_kind`);
Baton's own steps (assignments, SLA misses, queueing) and managers' reassignments are nobody's
work. A rep's role's kinds are their work; any other kind is outside it. A rep in the pools of
several roles (a prospector who also takes inbound leads, say) is taken, each week, as the role
most of that week's work belongs to: the rest is outside it. Above :data:`FOCUS_LIMIT` a week is
flagged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from routing.events import EventType, LeadEvent
from routing.metrics.periods import Period
from routing.metrics.sources import Origin
from routing.roles import Role
from routing.stages import Stage

__all__ = [
    "FOCUS_LIMIT",
    "ROLE_WORK",
    "WORK_KINDS",
    "Focus",
    "focus_rows",
    "work_kind",
]

FOCUS_LIMIT = 0.2
"""Outside work above this share of a week's logged work is flagged (the seeds' 10–20%)."""

LOGGING = "logging new leads"
QUALIFYING_INBOUND = "qualifying inbound leads"
QUALIFYING_OUTBOUND = "qualifying outbound leads"
CLOSING = "closing deals"
ACCOUNT_CARE = "working customers"
WORK_KINDS = (LOGGING, QUALIFYING_INBOUND, QUALIFYING_OUTBOUND, CLOSING, ACCOUNT_CARE)

ROLE_WORK: Mapping[str, frozenset[str]] = {
    Role.QUALIFIER.value: frozenset({QUALIFYING_INBOUND, QUALIFYING_OUTBOUND}),
    Role.PROSPECTOR.value: frozenset({LOGGING, QUALIFYING_OUTBOUND}),
    Role.CLOSER.value: frozenset({CLOSING}),
    Role.ACCOUNT_MANAGER.value: frozenset({ACCOUNT_CARE}),
}
"""The kinds of work that are each role's own; a manager's work is not counted."""

_QUALIFYING = frozenset(
    {EventType.CLAIMED, EventType.DECLINED, EventType.QUALIFIED, EventType.DISQUALIFIED}
)
_CLOSING = frozenset(
    {
        EventType.MEETING,
        EventType.PROPOSAL_REQUESTED,
        EventType.PROPOSAL_PRESENTED,
        EventType.WON,
        EventType.LOST,
        EventType.AMOUNT_SET,
    }
)


def work_kind(event: LeadEvent, outbound: bool) -> str | None:
    """What kind of work ``event`` was for the rep who acted it; None when it is nobody's work.

    ``outbound``: the lead is a prospector's (its ``created`` event says so).
    """
    kind = event.type
    if kind is EventType.CREATED:
        return LOGGING
    if kind in _QUALIFYING:
        return QUALIFYING_OUTBOUND if outbound else QUALIFYING_INBOUND
    if kind is EventType.HANDED_OFF:
        if event.to_stage is Stage.CUSTOMER or event.payload.get("role") == "account_manager":
            return CLOSING  # a closer passes their won deal on
        return QUALIFYING_OUTBOUND if outbound else QUALIFYING_INBOUND
    if kind in _CLOSING:
        return CLOSING
    if kind in (EventType.EXPANDED, EventType.CHURNED):
        return ACCOUNT_CARE
    return None


@dataclass(frozen=True)
class Focus:
    """One rep's week: logged work, how much was outside their role, and of which kinds."""

    rep_id: int
    name: str
    week: Period
    role: str
    """The role the week is measured against (see the module docstring)."""
    logged: int
    outside: tuple[tuple[str, int], ...]
    """Outside kinds with their counts, the largest first."""

    @property
    def outside_count(self) -> int:
        return sum(count for _kind, count in self.outside)

    @property
    def share(self) -> float:
        return self.outside_count / self.logged if self.logged else 0.0

    @property
    def flagged(self) -> bool:
        return self.share > FOCUS_LIMIT


def focus_rows(
    events: Iterable[LeadEvent],
    weeks: Sequence[Period],
    origins: Mapping[int, Origin],
    rep_roles: Mapping[int, frozenset[str]],
    rep_names: Mapping[int, str],
) -> tuple[Focus, ...]:
    """A row per rep with a working role and logged work, per week of ``weeks``; by week, then
    the largest outside share first."""
    counts: dict[tuple[int, int], Counter[str]] = {}
    for event in events:
        rep = event.actor_id
        roles = rep_roles.get(rep) if rep is not None else None
        if not roles or not _works(roles):
            continue
        week = _week_of(event, weeks)
        if week is None:
            continue
        origin = origins.get(event.lead_id)
        kind = work_kind(event, origin is not None and origin.outbound)
        if kind is not None:
            counts.setdefault((week, rep or 0), Counter())[kind] += 1
    rows = [
        _focus(rep, rep_names.get(rep, f"rep {rep}"), weeks[week], rep_roles[rep], kinds)
        for (week, rep), kinds in counts.items()
    ]
    return tuple(sorted(rows, key=lambda f: (f.week.start, -f.share, f.name.casefold())))


def _works(roles: frozenset[str]) -> bool:
    return any(role in ROLE_WORK for role in roles)


def _week_of(event: LeadEvent, weeks: Sequence[Period]) -> int | None:
    for index, week in enumerate(weeks):
        if week.contains(event.at):
            return index
    return None


def _focus(rep: int, name: str, week: Period, roles: frozenset[str], kinds: Counter[str]) -> Focus:
    working = [role for role in ROLE_WORK if role in roles]
    role = max(working, key=lambda r: sum(kinds[k] for k in ROLE_WORK[r]))  # first on a tie
    own = ROLE_WORK[role]
    outside = sorted(
        ((kind, count) for kind, count in kinds.items() if kind not in own),
        key=lambda item: (-item[1], WORK_KINDS.index(item[0])),
    )
    return Focus(rep, name, week, role, kinds.total(), tuple(outside))
