"""Dates, clock times and weekdays as reps type them for ``/rotation away`` and ``hours``."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from routing.commands.tokens import _Args

_MONTHS = {
    name: number
    for number, full in enumerate(
        (
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ),
        start=1,
    )
    for name in (full, full[:3], *(("sept",) if number == 9 else ()))
}
_WEEKDAYS = {
    name: number
    for number, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
    for name in (full, full[:3])
} | {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_DAY_MONTH = re.compile(r"([0-9]{1,2})[/.]([0-9]{1,2})(?:[/.]([0-9]{2}|[0-9]{4}))?\.?")
_DAY_NAME = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?\.?\s+([a-z]+)\.?(?:,?\s+([0-9]{4}))?")
_NAME_DAY = re.compile(r"([a-z]+)\.?\s+([0-9]{1,2})(?:st|nd|rd|th)?(?:,?\s+([0-9]{4}))?")
_PAST_WORDS = frozenset({"yesterday", "last week", "last month"})


def _date_forms(today: date) -> str:
    """The ways of writing a date, shown with next week's date (never one in the past)."""
    ahead = today + timedelta(days=7)
    month, weekday = f"{ahead:%b}", f"{ahead:%A}".lower()
    return (
        f"{ahead.isoformat()}, {ahead.day} {month}, {month} {ahead.day}, "
        f"{ahead.day}/{ahead.month}, {weekday} or tomorrow"
    )


def _resolve_date(text: str, args: _Args) -> date:
    """The date a rep means; a date in the past is refused."""
    spoken = text.strip().lower()
    if spoken == "tomorrow":
        return args.today + timedelta(days=1)
    if spoken in _PAST_WORDS:
        args.fail(f"`{spoken}` is in the past — give today or a later day, like tomorrow")
    if spoken in _WEEKDAYS:
        ahead = (_WEEKDAYS[spoken] - args.today.weekday() - 1) % 7 + 1
        return args.today + timedelta(days=ahead)
    day, month, year = _date_parts(spoken, args)
    if year is None:
        return _not_past(_nearest_occurrence(day, month, text, args), text, args)
    return _not_past(_real_date(year, day, month, text, args), text, args)


def _date_parts(spoken: str, args: _Args) -> tuple[int, int, int | None]:
    """(day, month, year or None) of a written date."""
    if match := _ISO_DATE.fullmatch(spoken):
        return int(match[3]), int(match[2]), int(match[1])
    if match := _DAY_MONTH.fullmatch(spoken):
        return int(match[1]), int(match[2]), _full_year(match[3])
    named = _DAY_NAME.fullmatch(spoken) or _NAME_DAY.fullmatch(spoken)
    if named is not None:
        day_first = named.re is _DAY_NAME
        day, month = (named[1], named[2]) if day_first else (named[2], named[1])
        if month in _MONTHS:
            return int(day), _MONTHS[month], _full_year(named[3])
    return args.fail(f"`{spoken}` is not a date — use {_date_forms(args.today)}")


def _full_year(text: str | None) -> int | None:
    if text is None:
        return None
    return int(text) + 2000 if len(text) == 2 else int(text)


def _real_date(year: int, day: int, month: int, text: str, args: _Args) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        return args.fail(f"`{text}` is not a real date")


def _nearest_occurrence(day: int, month: int, text: str, args: _Args) -> date:
    """The date without a year that a rep most likely means.

    ``5 Jan`` typed in December is next January, but ``10 Nov`` typed on 20 November is a
    mistake, not a year away: dates up to half a year back stay in this year (and then count
    as past). 29 February without a year is the next leap year's.
    """
    horizon = args.today - timedelta(days=183)
    for year in range(args.today.year, args.today.year + 9):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= horizon:
            return candidate
    return args.fail(f"`{text}` is not a real date")


def _not_past(when: date, text: str, args: _Args) -> date:
    if when < args.today:
        args.fail(f"`{text}` is in the past — give today or a later day, like tomorrow")
    return when


_TIME = r"[0-9]{1,2}(?:[:.h][0-9]{2})?\s*(?:am|pm)?"
_HOURS = re.compile(
    rf"(?P<start>{_TIME})\s*(?:-|–|—|\bto\b)\s*(?P<end>{_TIME})(?:\s+(?P<days>.+))?",
    re.IGNORECASE,
)
_CLOCK = re.compile(r"([0-9]{1,2})(?:[:.h]([0-9]{2}))?\s*(am|pm)?", re.IGNORECASE)


def _clock(text: str, args: _Args) -> time:
    """``9``, ``09:00``, ``17.30``, ``5:30pm``; ``24:00`` is midnight at the end of a shift."""
    match = _CLOCK.fullmatch(text.strip())
    hour, minute = (int(match[1]), int(match[2] or 0)) if match else (99, 99)
    meridiem = (match[3] or "").lower() if match else ""
    if meridiem and 1 <= hour <= 12:
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif meridiem:
        hour = 99
    if (hour, minute) == (24, 0):
        return time(0, 0)
    if hour > 23 or minute > 59:
        args.fail(f"`{text.strip()}` is not a time of day — use 24-hour times like 09:00 or 17:30")
    return time(hour, minute)


def _may_be_twelve_hour(start_text: str, end_text: str, start: time) -> bool:
    """``9-5`` means nine to five, not a night shift; refuse to guess rather than store 09–05.

    ``22:00-06:00`` is a night shift all right, and ``10:00-24:00`` ends at midnight.
    """
    meridiem = re.search(r"[ap]m", f"{start_text}{end_text}", re.IGNORECASE)
    end_hour = int(re.findall(r"[0-9]+", end_text)[0])
    return meridiem is None and start.hour <= 12 and 1 <= end_hour < start.hour


_DAY_SETS = {
    "weekdays": range(5),
    "weekends": range(5, 7),
    "weekend": range(5, 7),
    "daily": range(7),
    "everyday": range(7),
    "all": range(7),
}


def _weekdays(text: str, args: _Args) -> frozenset[int]:
    """``mon-fri``, ``mon,wed,fri``, ``sat-mon``, ``weekdays``, ``every day``."""
    spec = re.sub(r"\s*(?:[-–—]|\bto\b)\s*", "-", text.strip().lower())
    spec = spec.replace("every day", "everyday")
    days: set[int] = set()
    for item in filter(None, re.split(r"[\s,]+", spec)):
        days.update(_day_item(item, args))
    return frozenset(days)


def _day_item(item: str, args: _Args) -> range | list[int]:
    if item in _DAY_SETS:
        return _DAY_SETS[item]
    first, dash, last = item.partition("-")
    if first not in _WEEKDAYS or (dash and last not in _WEEKDAYS):
        args.fail(f"`{item}` is not a day — use mon-fri, sat-sun, mon,wed,fri or weekdays")
    start = _WEEKDAYS[first]
    length = (_WEEKDAYS[last] - start) % 7 + 1 if dash else 1
    return [(start + offset) % 7 for offset in range(length)]
