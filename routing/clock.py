"""Time helpers that keep the domain honest about timezones."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo:
    """The named timezone, or UTC when the name is empty or unknown (a rep's profile may lie)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_date(moment: datetime, tz_name: str | None) -> date:
    return moment.astimezone(zone(tz_name)).date()


def short_datetime(moment: datetime, tz_name: str | None) -> str:
    """``Mon 24 Nov 14:05`` in the given timezone: how reps read times in chat."""
    return moment.astimezone(zone(tz_name)).strftime("%a %d %b %H:%M")
