"""Who sees what: managers see the whole team, a rep only their own leads and numbers.

The rule is applied in one place for every surface (overview, leads table, lead page, exports):
a rep's filters always name the rep as owner, whatever the query string says, and a rep's
figures are computed from the histories of the leads they have held.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from routing.dashboard.filters import LeadFilters
from routing.errors import NotAllowed
from routing.events import LeadEvent

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


def scoped_events(viewer: Viewer, events: Sequence[LeadEvent]) -> list[LeadEvent]:
    """The events of the leads ``viewer`` has held (owned at some event), for their figures."""
    if viewer.sees_all:
        return list(events)
    held = _held_by(viewer.rep_id, events)
    return [e for e in events if e.lead_id in held]


def _held_by(rep_id: int, events: Iterable[LeadEvent]) -> set[int]:
    return {e.lead_id for e in events if e.owner_id == rep_id or e.actor_id == rep_id}
