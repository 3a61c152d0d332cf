"""Report periods: ``Period``, ``period_for``, ``previous`` and their labels in local time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from routing.errors import InvalidInput

PeriodKind = Literal["today", "day", "week", "month", "days"]
PeriodUnit = Literal["day", "week", "month", "days"]


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
"""Spelled out here so that no process-wide ``setlocale`` can translate a digest's labels."""

TICK = timedelta(microseconds=1)
"""The clock's resolution. A period "until now" ends one tick after ``now``, so that what was
logged at ``now`` itself (the expansion logged at 18:11 read by ``/funnel today`` at 18:11) is
inside it: ``until 18:11`` means up to and including that moment."""


@dataclass(frozen=True)
class Period:
    """The half-open interval ``[start, end)`` a report counts, in UTC, and how to name it.

    ``kind`` tells :func:`previous` which calendar unit the period steps by.
    """

    start: datetime
    end: datetime
    label: str
    kind: PeriodUnit = "days"

    def __post_init__(self) -> None:
        _require_aware(self.start, "a period's start")
        _require_aware(self.end, "a period's end")
        if self.end < self.start:
            raise ValueError(f"a period cannot end ({self.end}) before it starts ({self.start})")

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def period_for(
    kind: PeriodKind,
    now: datetime,
    tz: ZoneInfo,
    days: int | None = None,
    *,
    previous_complete: bool = False,
) -> Period:
    """The period of ``kind`` that contains ``now`` in ``tz``, up to ``now``.

    With ``previous_complete`` it is instead the last *complete* one, which is what a scheduled
    digest reports: the daily digest at 08:00 covers the whole previous local day, the Monday
    digest the whole previous ISO week. ``today`` and ``day`` are the same unit; ``week`` starts
    on Monday 00:00 local; ``month`` is the calendar month; ``days`` is the last ``days`` days
    ending now (or, complete, the ``days`` whole local days before today). Local midnights are
    resolved with zoneinfo, so a local day is 23 or 25 hours long across a DST change.
    """
    _require_aware(now, "now")
    today = now.astimezone(tz).date()
    if kind in ("today", "day"):
        first = today - timedelta(days=1) if previous_complete else today
        return _calendar_period("day", first, first + timedelta(days=1), now, tz, previous_complete)
    if kind == "week":
        monday = today - timedelta(days=today.weekday())
        if previous_complete:
            monday -= timedelta(weeks=1)
        return _calendar_period(
            "week", monday, monday + timedelta(weeks=1), now, tz, previous_complete
        )
    if kind == "month":
        first = _add_months(today.replace(day=1), -1 if previous_complete else 0)
        return _calendar_period("month", first, _add_months(first, 1), now, tz, previous_complete)
    if kind == "days":
        return _last_days(_day_count(days), now, tz, previous_complete)
    raise ValueError(f"unknown period kind {kind!r}")


def previous(period: Period, tz: ZoneInfo) -> Period:
    """The period just before ``period``, like for like, for the change figures of a digest.

    Days, weeks and months step back one calendar unit in local time, keeping the same part of it:
    a complete ISO week gives the previous ISO week, a complete month the previous calendar month,
    and "this week up to Tuesday 10:00" gives "last week up to Tuesday 10:00" (comparing a week so
    far with a whole week would make every partial week look like a collapse). A month so far
    that runs past the end of the previous month (31 March 10:00 → February) is compared with the
    whole previous month. ``days`` periods step back by their own number of local days.
    """
    start = period.start.astimezone(tz)
    end = period.end.astimezone(tz)
    if period.kind == "month":
        new_start, new_end = _previous_month(period, start, end, tz)
    elif period.kind == "days" and start.time() != end.time():
        new_start, new_end = period.start - period.length, period.start
    else:
        step = timedelta(days=_unit_days(period.kind, start, end))
        new_start, new_end = _wall(start - step, tz), _wall(end - step, tz)
    return _period(period.kind, new_start, new_end, tz)


def _calendar_period(
    kind: PeriodUnit, first: date, after: date, now: datetime, tz: ZoneInfo, complete: bool
) -> Period:
    end = _midnight(after, tz) if complete else now + TICK
    return _period(kind, _midnight(first, tz), end, tz)


def _last_days(count: int, now: datetime, tz: ZoneInfo, complete: bool) -> Period:
    if complete:
        today = now.astimezone(tz).date()
        end = _midnight(today, tz)
        return _period("days", _midnight(today - timedelta(days=count), tz), end, tz)
    end = (now + TICK).astimezone(tz)
    return _period("days", _wall(end - timedelta(days=count), tz), end, tz)


def _period(kind: PeriodUnit, start: datetime, end: datetime, tz: ZoneInfo) -> Period:
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    return Period(start_utc, end_utc, _label(kind, start_utc, end_utc, tz), kind)


def _day_count(days: int | None) -> int:
    if days is None or days < 1:
        raise InvalidInput(f"the number of days must be at least 1, not {days}")
    return days


def _unit_days(kind: PeriodUnit, start: datetime, end: datetime) -> int:
    if kind == "day":
        return 1
    if kind == "week":
        return 7
    return max((end.date() - start.date()).days, 1)


def _previous_month(
    period: Period, start: datetime, end: datetime, tz: ZoneInfo
) -> tuple[datetime, datetime]:
    first = _add_months(start.date().replace(day=1), -1)
    new_start = _midnight(first, tz)
    if _is_complete("month", start, end, tz):
        return new_start, period.start
    try:
        same_point = _add_months(end.date(), -1, clamp=False)
    except ValueError:  # 31 March has no twin in February: compare with all of February
        return new_start, period.start
    return new_start, datetime.combine(same_point, end.timetz().replace(tzinfo=tz))


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``tz``, even where a DST gap swallows 00:00."""
    return _wall(datetime.combine(day, time(0), tzinfo=tz), tz)


def _wall(local: datetime, tz: ZoneInfo) -> datetime:
    """``local`` read as wall-clock time in ``tz`` (fold 0: the first of a repeated hour)."""
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


def _add_months(day: date, months: int, *, clamp: bool = True) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not clamp:
        return day.replace(year=year, month=month + 1)
    last = _days_in_month(year, month + 1)
    return date(year, month + 1, min(day.day, last))


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _is_complete(kind: PeriodUnit, start: datetime, end: datetime, tz: ZoneInfo) -> bool:
    first = start.date()
    if kind == "day":
        return end == _midnight(first + timedelta(days=1), tz)
    if kind == "week":
        return end == _midnight(first + timedelta(weeks=1), tz)
    if kind == "month":
        return end == _midnight(_add_months(first, 1), tz)
    return start.time() == time(0) and end.time() == time(0)


def _label(kind: PeriodUnit, start_utc: datetime, end_utc: datetime, tz: ZoneInfo) -> str:
    start, end = start_utc.astimezone(tz), end_utc.astimezone(tz)
    first = start.date()
    complete = _is_complete(kind, start, end, tz)
    last = (end - TICK).date() if end > start else first
    until = end - TICK  # the last moment inside: "until 18:11" includes 18:11 itself
    if kind == "day":
        base = _day_name(first)
    elif kind == "week":
        iso = first.isocalendar()
        base = f"week {iso.week} of {iso.year}"
        if complete:
            base += f" ({_span(first, last)})"
    elif kind == "month":
        base = f"{_MONTHS[first.month - 1]} {first.year}"
    else:
        count = (end.date() - first).days if start.time() == end.time() else None
        if complete and count is not None:
            return f"{_plural(count, 'day')}, {_span(first, last)}"
        base = f"{_plural(count, 'day')}" if count is not None else f"from {_moment(start)}"
        return f"{base} to {_moment(until)}"
    if complete:
        return base
    return f"{base} until {until:%H:%M}" if kind == "day" else f"{base} until {_moment(until)}"


def _moment(moment: datetime) -> str:
    return f"{_day_name(moment.date())} {moment:%H:%M}"


def _day_name(day: date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day} {_short_month(day)} {day.year}"


def _short_month(day: date) -> str:
    return _MONTHS[day.month - 1][:3]


def _span(first: date, last: date) -> str:
    """``2–8 Mar 2026``, ``28 Feb – 6 Mar 2026``, ``29 Dec 2025 – 4 Jan 2026``."""
    end = f"{last.day} {_short_month(last)} {last.year}"
    if first == last:
        return end
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{end}"
    if first.year == last.year:
        return f"{first.day} {_short_month(first)} – {end}"
    return f"{first.day} {_short_month(first)} {first.year} – {end}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, not {moment!r}")
