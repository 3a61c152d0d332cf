"""Who sees what: managers see the whole team, a rep their own leads and their own part of them.

One rule for every surface (overview, role tables, trend, leads table, lead page, exports):

- **A rep's leads** are the leads they have owned at some moment (assigned, claimed, handed to
  them), before the period's end when a period is chosen. The leads table, the spreadsheets and
  the lead pages show exactly these; a lead they qualified and handed on stays theirs to read.
- **A rep's figures** count, over their leads, the events that are theirs: the ones they own
  or did (an event belongs to its owner and to its actor), the claim SLAs they missed, and the
  arrival (``created``) of each lead that was theirs before that period ended. So their
  overview's claimed, qualified, won… are the claims, qualifications and wins of their own row.
- **Their rows** in the role tables are the team's own rows for them (the manager's view), so
  a fair share is computed over every turn of the rotation, not only the turns that gave them
  a lead; and they see the tables of the roles they are in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from routing.dashboard.filters import LeadFilters
from routing.errors import NotAllowed
from routing.events import EventType, LeadEvent
from routing.metrics import Period

NO_LINK = (
    "The dashboard is for managers and for reps in a rotation. "
    "Ask a manager to add you with /rotation add."
)


@dataclass(frozen=True)
class Viewer:
    """Who is looking: their rep id, name, and whether they see everyone's leads."""

    rep_id: int
    name: str
    sees_all: bool

    @property
    def own_id(self) -> int | None:
        """The owner every query is pinned to, or ``None`` for a manager."""
        return None if self.sees_all else self.rep_id


def viewer_for(rep_id: int, name: str, *, is_manager: bool, in_rotation: bool) -> Viewer:
    """The viewer a person may be; people in no rotation who are not managers get nothing."""
    if not (is_manager or in_rotation):
        raise NotAllowed(NO_LINK)
    return Viewer(rep_id, name, sees_all=is_manager)


def scoped_filters(viewer: Viewer, filters: LeadFilters) -> LeadFilters:
    """``filters`` as ``viewer`` may run them: a rep's are always their own leads (whatever the
    query string says of owners)."""
    if viewer.sees_all:
        return filters
    return replace(filters, owner_id=None, held_by=viewer.rep_id)


def may_see_lead(viewer: Viewer, history: Iterable[LeadEvent]) -> bool:
    """Managers see every lead; a rep a lead they have owned at some moment of its ``history``."""
    return viewer.sees_all or any(e.owner_id == viewer.rep_id for e in history)


def owned_since(rep_id: int, events: Iterable[LeadEvent]) -> dict[int, datetime]:
    """When each lead of ``events`` was first the rep's (owned by them)."""
    since: dict[int, datetime] = {}
    for event in events:
        if event.owner_id == rep_id:
            known = since.get(event.lead_id)
            if known is None or event.at < known:
                since[event.lead_id] = event.at
    return since


def is_theirs(
    rep_id: int, event: LeadEvent, owned: Mapping[int, datetime], periods: Sequence[Period]
) -> bool:
    """Whether ``event`` counts in the rep's figures (the module's rule): a lead's arrival when
    they owned the lead before the end of the period it arrived in (any time before, for an
    arrival outside ``periods``: a claim in the period still needs its post); any other event
    they own, did, or (a claim SLA) missed."""
    if event.type in ARRIVALS:
        since = owned.get(event.lead_id)
        if since is None:
            return False
        end = next((p.end for p in periods if p.contains(event.at)), None)
        return end is None or since < end
    if event.owner_id == rep_id or event.actor_id == rep_id:
        return True
    return event.type is EventType.SLA_MISSED and event.payload.get("missed_by") == rep_id


def scoped_events(
    viewer: Viewer, events: Sequence[LeadEvent], periods: Sequence[Period]
) -> list[LeadEvent]:
    """The events that are ``viewer``'s for their figures over ``periods`` (a period and the one
    it is compared with): :func:`is_theirs`. ``events`` are the histories the report reads."""
    if viewer.sees_all:
        return list(events)
    owned = owned_since(viewer.rep_id, events)
    return [e for e in events if is_theirs(viewer.rep_id, e, owned, periods)]


ARRIVALS = frozenset({EventType.CREATED, EventType.UNPARSED})
"""The events a lead arrives with: counted for a rep when the lead was theirs (see above)."""
