"""Meetings booked at hand-off: of a period's hand-offs to a closer, how many have their first
meeting booked, and the median time from the hand-off to that meeting's start.

The hand-offs are the period's opportunities (:func:`routing.metrics.lifecycle.flow_step`), so
"of N hand-offs" is the numbers' and the funnel's "handed to closers" of the same period. A
meeting belongs to the hand-off it was booked after: the latest hand-off to a closer of its lead
in the period at or before the meeting's ``handed_off_at``. A hand-off counts as booked when:

- one of its meetings still stands (``booked``): a cancelled one does not count, and a moved one
  counts once, through the booking that replaced it (the old row says ``moved``);
- and it was first booked by the report's moment (``as_of``, the same moment as the open
  pipeline's: now, or the end of a past period), the earliest booking of a moved chain counting.

Bookings are kept with their current status only (no time of cancellation), so a booking
cancelled since a period ended no longer counts in it.

The time to the meeting runs from the hand-off to the standing meeting's **start** (a moved one's
new time; the earliest if several stand), over the booked hand-offs whose start is known (cal.com
may leave it out); like every other duration of the numbers, its median is in days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from routing.calendars.meeting import Meeting, MeetingStatus
from routing.events import LeadEvent
from routing.metrics.lifecycle import flow_step
from routing.metrics.quantiles import percentile

__all__ = ["OPPORTUNITY_STEP", "MeetingsAtHandoff", "meetings_at_handoff"]

OPPORTUNITY_STEP = 2
"""A hand-off to a closer: the opportunity step of :data:`routing.metrics.lifecycle.STEPS`."""
DAY = 86_400.0
_BOOKED_ONCE = frozenset({MeetingStatus.BOOKED, MeetingStatus.MOVED})


@dataclass(frozen=True)
class MeetingsAtHandoff:
    """The period's hand-offs to closers and the first meetings booked after them."""

    handoffs: int
    booked: int
    """Hand-offs with a first meeting booked (and standing) by the report's moment."""
    timed: int
    """Booked hand-offs whose meeting's start is known: the median is over these."""
    median_days: float | None
    """Median time from the hand-off to the meeting's start, in days."""

    @property
    def rate(self) -> float | None:
        return self.booked / self.handoffs if self.handoffs else None


NO_MEETINGS = MeetingsAtHandoff(0, 0, 0, None)


def meetings_at_handoff(
    within: Iterable[LeadEvent], meetings: Sequence[Meeting], as_of: datetime
) -> MeetingsAtHandoff:
    """The figure of the hand-offs among ``within`` (a period's events), from ``meetings`` (any
    meetings; those of other leads or hand-offs are left out) as of ``as_of``."""
    handoffs: dict[int, list[datetime]] = defaultdict(list)
    for event in within:
        if flow_step(event) == OPPORTUNITY_STEP:
            handoffs[event.lead_id].append(event.at)
    chains: dict[tuple[int, datetime], list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        handed = _handoff_of(meeting, handoffs.get(meeting.lead_id, ()))
        if handed is not None:
            chains[(meeting.lead_id, handed)].append(meeting)
    booked = 0
    waits: list[float] = []
    for (_lead, handed), chain in chains.items():
        standing = _standing(chain, as_of)
        if not standing:
            continue
        booked += 1
        starts = [m.starts_at for m in standing if m.starts_at is not None]
        if starts:
            waits.append(max((min(starts) - handed).total_seconds(), 0.0) / DAY)
    count = sum(len(times) for times in handoffs.values())
    return MeetingsAtHandoff(count, booked, len(waits), percentile(waits, 0.5))


def _handoff_of(meeting: Meeting, handed: Sequence[datetime]) -> datetime | None:
    """The latest of its lead's hand-offs at or before the one the meeting was booked after."""
    if meeting.handed_off_at is None:
        return None
    before = [at for at in handed if at <= meeting.handed_off_at]
    return max(before, default=None)


def _standing(chain: Sequence[Meeting], as_of: datetime) -> list[Meeting]:
    """The hand-off's meetings that stand now, if it was first booked by ``as_of`` (else none)."""
    first = min((m.booked_at for m in chain if m.status in _BOOKED_ONCE), default=None)
    if first is None or first > as_of:
        return []
    return [m for m in chain if m.status is MeetingStatus.BOOKED]
