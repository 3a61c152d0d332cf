"""Working time on a rep's own clock: when a number of their working minutes has passed, and
when they are next at work.

The claim SLA counts the assignee's working time (:func:`claim_deadline`), and a lead that waits
for its account's owner reads when they are back (:func:`next_working_moment`). Shifts are read
on the rep's wall clock, so a 09:00 start stays 09:00 across a daylight-saving change.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from routing.clock import zone
from routing.rotation.hours import WorkingHours

LOOKAHEAD_DAYS = 15
"""How far ahead to look for working time; hours that give none in two weeks fall back to the
wall clock rather than let a lead wait forever."""


def claim_deadline(
    assigned_at: datetime, minutes: int, hours: WorkingHours | None, timezone: str
) -> datetime:
    """When ``minutes`` of the assignee's working time have passed since ``assigned_at`` (UTC).

    Shifts are read on the rep's wall clock (``timezone``), so a 09:00 start stays 09:00 across a
    daylight-saving change; a lead assigned outside the rep's hours starts counting at their
    next shift.
    """
    start = assigned_at.astimezone(UTC)
    budget = timedelta(minutes=minutes)
    if hours is None or not hours.days:
        return start + budget
    for shift_start, shift_end in _shifts(hours, timezone, start):
        begin = max(shift_start, start)
        if shift_end <= begin:
            continue
        if shift_end - begin >= budget:
            return begin + budget
        budget -= shift_end - begin
    return start + timedelta(minutes=minutes)


def _shifts(
    hours: WorkingHours, timezone: str, since: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """The rep's shifts as UTC intervals, in order, from the one that may cover ``since``."""
    tz = zone(timezone)
    first = since.astimezone(tz).date() - timedelta(days=1)  # a night shift from the day before
    for offset in range(LOOKAHEAD_DAYS + 1):
        day = first + timedelta(days=offset)
        if day.weekday() not in hours.days:
            continue
        yield _utc(day, hours.start, timezone), _shift_end(day, hours, timezone)


def _shift_end(day: date, hours: WorkingHours, timezone: str) -> datetime:
    start, end = hours.start.replace(tzinfo=None), hours.end.replace(tzinfo=None)
    if start == end:  # round the clock: the whole local day
        return _utc(day + timedelta(days=1), time(0), timezone)
    if end < start:  # a night shift ends the next morning
        return _utc(day + timedelta(days=1), end, timezone)
    return _utc(day, end, timezone)


def _utc(day: date, clock: time, timezone: str) -> datetime:
    """A wall-clock time in the rep's zone as UTC; one skipped by DST reads on the old offset."""
    local = datetime.combine(day, clock.replace(tzinfo=None)).replace(tzinfo=zone(timezone))
    return local.astimezone(UTC)


def next_working_moment(moment: datetime, hours: WorkingHours | None, timezone: str) -> datetime:
    """``moment`` itself when the rep works then (or has no hours), else the start of their
    next shift."""
    return claim_deadline(moment, 0, hours, timezone)
