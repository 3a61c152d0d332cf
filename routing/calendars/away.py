"""When a calendar says a rep is away: whole working days, and the periods they make.

A working day is away when out-of-office or opaque busy events, together, cover the rep's whole
working window that day (Google's out-of-office events are timed, not all-day; Outlook's are
``BUSYSTATUS:OOF``). A partial block — a morning off, a day of meetings with a gap — is not away,
as in Chili Piper. Reps without working hours are read with ``DEFAULT_WINDOW`` (09:00–17:00
Monday to Friday, cal.com's fallback). Days off (weekends) neither start nor end a period: away
Friday and Monday is one period, back on Tuesday. Days are the rep's wall-clock days, so a
daylight-saving change moves nothing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from routing.calendars.busy import BusyInterval
from routing.rotation.hours import WorkingHours, as_utc

CALENDAR_NOTE = "calendar: out of office"
"""How an explanation names the reason: ``bob: away (calendar: out of office until Tue 8 Dec)``."""
DEFAULT_WINDOW = WorkingHours(time(9), time(17), frozenset(range(5)))


@dataclass(frozen=True)
class AwayPeriod:
    """Away from ``start`` (the local midnight of the first away day) to ``end`` (the local
    midnight of the first working day that is not away), both aware."""

    start: datetime
    end: datetime

    @property
    def key(self) -> str:
        """What identifies the period for a `/rotation back` that overrides it: the day the rep
        is back. Not its first day: busy times are kept from 8 days back only, so the start of
        a vacation that began earlier moves with the window, day by day, and a rep's own
        `/rotation back` would be undone the next morning."""
        return self.end.date().isoformat()


def working_window(day: date, hours: WorkingHours, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The shift that starts on ``day``, in UTC; a night shift ends the next morning."""
    start = datetime.combine(day, hours.start.replace(tzinfo=None), zone)
    end_day = day if hours.start < hours.end else day + timedelta(days=1)
    end = datetime.combine(end_day, hours.end.replace(tzinfo=None), zone)
    return as_utc(start), as_utc(end)


def _merged(intervals: Sequence[BusyInterval]) -> tuple[list[datetime], list[datetime]]:
    """The union of the spans that count towards away, as sorted starts and their ends."""
    starts: list[datetime] = []
    ends: list[datetime] = []
    for span in sorted((i for i in intervals if i.kind.away), key=lambda i: i.start):
        if ends and span.start <= ends[-1]:
            ends[-1] = max(ends[-1], span.end)
        else:
            starts.append(span.start)
            ends.append(span.end)
    return starts, ends


def _covered(starts: list[datetime], ends: list[datetime], begin: datetime, end: datetime) -> bool:
    at = bisect_right(starts, begin) - 1
    return at >= 0 and ends[at] >= end


def away_days(
    intervals: Sequence[BusyInterval],
    zone: ZoneInfo,
    hours: WorkingHours | None,
    first: date,
    days: int,
) -> list[date]:
    """The working days from ``first`` (``days`` of them, counting days off) that are away."""
    hours = hours or DEFAULT_WINDOW
    starts, ends = _merged(intervals)
    found = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day.weekday() in hours.days and _covered(
            starts, ends, *working_window(day, hours, zone)
        ):
            found.append(day)
    return found


def away_periods(
    intervals: Sequence[BusyInterval],
    zone: ZoneInfo,
    hours: WorkingHours | None,
    first: date,
    days: int,
) -> list[AwayPeriod]:
    """Runs of away working days, bridged over days off, from ``first`` for ``days`` days."""
    hours = hours or DEFAULT_WINDOW
    away = set(away_days(intervals, zone, hours, first, days))
    periods: list[AwayPeriod] = []
    run_start: date | None = None
    for offset in range(days + 1):
        day = first + timedelta(days=offset)
        working = day.weekday() in hours.days or offset == days
        if not working:
            continue
        if day in away and offset < days:
            run_start = run_start or day
        elif run_start is not None:
            periods.append(AwayPeriod(_midnight(run_start, zone), _midnight(day, zone)))
            run_start = None
    return periods


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def current_period(periods: Sequence[AwayPeriod], now: datetime) -> AwayPeriod | None:
    """The period ``now`` falls in, if any."""
    moment = as_utc(now)
    return next((p for p in periods if as_utc(p.start) <= moment < as_utc(p.end)), None)
