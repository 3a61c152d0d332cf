"""Who sees what: managers see the whole team, a rep only their own leads and numbers.

The rule is applied in one place for every surface (overview, leads table, lead page, exports):
a rep's filters always name the rep as owner, whatever the query string says, and a rep's
figures are computed from the histories of the leads that are theirs for the period: owned by
them before it ended, or acted on by them during it (the overview and the trend alike).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from routing.dashboard.filters import LeadFilters
from routing.errors import NotAllowed
from routing.events import LeadEvent
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
    """``filters`` as ``viewer`` may run them: a rep's owner filter is always the rep."""
    return filters if viewer.sees_all else filters.with_owner(viewer.rep_id)


def may_see_lead(viewer: Viewer, owner_id: int | None) -> bool:
    return viewer.sees_all or owner_id == viewer.rep_id


def scoped_events(viewer: Viewer, events: Sequence[LeadEvent], period: Period) -> list[LeadEvent]:
    """The events of the leads that are ``viewer``'s for ``period``, for their figures: see
    :func:`is_theirs`. ``events`` are the histories the period's report reads (up to its end)."""
    if viewer.sees_all:
        return list(events)
    owned = {e.lead_id for e in events if e.owner_id == viewer.rep_id}
    acted = {e.lead_id for e in events if e.actor_id == viewer.rep_id and period.contains(e.at)}
    return [e for e in events if e.lead_id in owned or e.lead_id in acted]


@dataclass(frozen=True)
class Involvement:
    """A rep's part in leads: when each was first theirs (owned), and when they acted on
    leads they did not own, within some window."""

    owned_since: Mapping[int, datetime]
    acted_at: Mapping[int, Sequence[datetime]]

    def is_theirs(self, lead_id: int, period: Period) -> bool:
        """A lead is a rep's for a period when they owned it before the period ended, or acted
        on it (posted it, handed it on) during the period: the rule of :func:`scoped_events`."""
        since = self.owned_since.get(lead_id)
        if since is not None and since < period.end:
            return True
        return any(period.contains(at) for at in self.acted_at.get(lead_id, ()))
