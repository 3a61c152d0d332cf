"""Free times to propose for a first meeting, from a closer's busy times (cal.com's way).

Day windows in the closer's zone (their working hours, else 09:00–17:00 Monday to Friday) over
the next ``days`` working days (today when time is left in it); busy time (busy, out of office,
tentative) and Baton's own holds subtracted; nothing sooner than two hours' notice; starts
snapped to :00 and :30 on the closer's clock. One slot per day first, so the prospect gets a
choice of days, then the next free ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from routing.calendars.away import DEFAULT_WINDOW, working_window
from routing.calendars.busy import BusyInterval
from routing.rotation.hours import WorkingHours, as_utc

MEETING = timedelta(minutes=30)
NOTICE = timedelta(hours=2)
STEP = timedelta(minutes=30)
LOOKAHEAD_DAYS = 14
"""How many calendar days to look through for the working days (hours on few days a week)."""


def free_slots(
    busy: Sequence[BusyInterval],
    holds: Sequence[tuple[datetime, datetime]],
    zone: ZoneInfo,
    hours: WorkingHours | None,
    now: datetime,
    *,
    days: int = 3,
    count: int = 3,
) -> list[datetime]:
    """Up to ``count`` free meeting starts (aware UTC), in time order."""
    taken = _taken(busy, holds)
    per_day = [
        _day_slots(day_window, taken, zone, now) for day_window in _windows(hours, zone, now, days)
    ]
    chosen = [slots[0] for slots in per_day if slots][:count]
    rest = sorted(s for slots in per_day for s in slots[1:])
    for slot in rest:
        if len(chosen) >= count:
            break
        chosen.append(slot)
    return sorted(chosen)


def still_free(
    start: datetime,
    busy: Sequence[BusyInterval],
    holds: Sequence[tuple[datetime, datetime]],
    zone: ZoneInfo,
    hours: WorkingHours | None,
    now: datetime,
) -> bool:
    """Whether a time proposed earlier can still be held now: at least the notice ahead, within
    the look-ahead, a time Baton would propose (on :00 or :30 of the closer's clock, inside their
    working hours: a button's value is untrusted, so a forged 03:17 on a Sunday is not one), and
    clear of busy time and holds (a button may be clicked hours later)."""
    start = as_utc(start)
    if not as_utc(now) + NOTICE <= start <= as_utc(now) + timedelta(days=LOOKAHEAD_DAYS):
        return False
    if _snapped(start, zone) != start or not _in_hours(start, zone, hours or DEFAULT_WINDOW):
        return False
    end = start + MEETING
    return not any(s < end and start < e for s, e in _taken(busy, holds))


def _in_hours(start: datetime, zone: ZoneInfo, hours: WorkingHours) -> bool:
    """Whether a meeting at ``start`` fits in one shift (a night shift began the day before)."""
    day = start.astimezone(zone).date()
    for shift_day in (day - timedelta(days=1), day):
        if shift_day.weekday() not in hours.days:
            continue
        begin, end = working_window(shift_day, hours, zone)
        if begin <= start and start + MEETING <= end:
            return True
    return False


def _taken(
    busy: Sequence[BusyInterval], holds: Sequence[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    return sorted(
        [(as_utc(b.start), as_utc(b.end)) for b in busy if b.kind.blocks]
        + [(as_utc(s), as_utc(e)) for s, e in holds]
    )


def _windows(
    hours: WorkingHours | None, zone: ZoneInfo, now: datetime, days: int
) -> list[tuple[datetime, datetime]]:
    hours = hours or DEFAULT_WINDOW
    today = as_utc(now).astimezone(zone).date()
    found = []
    for offset in range(LOOKAHEAD_DAYS):
        day = today + timedelta(days=offset)
        if day.weekday() not in hours.days:  # start == end: round the clock, 24 h from it
            continue
        window = working_window(day, hours, zone)
        if window[1] >= as_utc(now) + NOTICE + MEETING:  # a day already over does not count
            found.append(window)
        if len(found) == days:
            break
    return found


def _day_slots(
    window: tuple[datetime, datetime],
    taken: list[tuple[datetime, datetime]],
    zone: ZoneInfo,
    now: datetime,
) -> list[datetime]:
    begin, end = window
    start = _snapped(max(begin, as_utc(now) + NOTICE), zone)
    slots = []
    while start + MEETING <= end:
        if not any(s < start + MEETING and start < e for s, e in taken):
            slots.append(start)
        start += STEP
    return slots


def _snapped(moment: datetime, zone: ZoneInfo) -> datetime:
    """The first :00 or :30 on the closer's clock at or after ``moment``."""
    local = moment.astimezone(zone)
    floor = local.replace(minute=0 if local.minute < 30 else 30, second=0, microsecond=0)
    snapped = floor if floor == local else floor + STEP
    return as_utc(snapped)
