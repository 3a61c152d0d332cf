"""Time zones and working hours: when a rep takes leads, on their own wall clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routing.errors import InvalidInput
from routing.rotation.wording import clock_text, describe_days

AWAY_FOREVER_YEAR = 9999
"""``away_until`` in this year means away with no end date, until `/rotation back`."""


@lru_cache(maxsize=512)
def rep_zone(name: str) -> tzinfo:
    """The rep's zone; a name the zone database does not know falls back to UTC.

    A typo in a profile must never stop the rotation, so an invalid name is not an error here.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: e.g. a directory like "Europe"
        return UTC


def zone_label(name: str) -> str:
    """The zone name shown to people: the IANA key, or ``UTC`` when the name was invalid."""
    zone = rep_zone(name)
    return zone.key if isinstance(zone, ZoneInfo) else "UTC"


def as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive value is read as UTC (SQLite hands stored datetimes back naive)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local_now(timezone: str, now: datetime) -> datetime:
    """``now`` on the wall clock of the zone named ``timezone``."""
    return as_utc(now).astimezone(rep_zone(timezone))


def local_midnight(timezone: str, now: datetime) -> datetime:
    """The start of the rep's current local day, as an aware datetime in their zone."""
    local = local_now(timezone, now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class WorkingHours:
    """When a rep takes leads, on their own wall clock.

    ``days`` are the days a shift *starts* (0 = Monday). ``end`` before ``start`` is a night shift
    that ends the next morning, so Friday's 22:00–06:00 shift still covers Saturday 02:00.
    ``start == end`` means round the clock on those days; no days means never. Comparing wall
    clocks keeps a 09:00 start at 09:00 local across daylight-saving changes.
    """

    start: time
    end: time
    days: frozenset[int]

    def __post_init__(self) -> None:
        if not self.days <= frozenset(range(7)):
            raise InvalidInput("Working days are 0 (Monday) to 6 (Sunday).")

    def contains(self, local: datetime) -> bool:
        """Whether the wall-clock moment ``local`` (already in the rep's zone) is in a shift."""
        clock = local.time()
        weekday = local.weekday()
        start, end = self.start.replace(tzinfo=None), self.end.replace(tzinfo=None)
        if start == end:
            return weekday in self.days
        if start < end:
            return weekday in self.days and start <= clock < end
        if clock >= start:
            return weekday in self.days
        return clock < end and (weekday - 1) % 7 in self.days

    def describe(self) -> str:
        """``09:00–17:30 Mon–Fri``."""
        span = (
            "all day"
            if self.start == self.end
            else f"{clock_text(self.start)}–{clock_text(self.end)}"
        )
        return f"{span} {describe_days(self.days)}"
