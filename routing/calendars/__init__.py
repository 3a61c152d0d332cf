"""Calendars, read in the domain: which events make a rep busy or away, and free time for meetings.

Adapters (``bot/calendars/``) read a feed into :class:`EventFacts`; everything that decides what
those facts mean for the rotation lives here, without I/O.
"""

from routing.calendars.away import (
    CALENDAR_NOTE,
    DEFAULT_WINDOW,
    AwayPeriod,
    away_days,
    away_periods,
    current_period,
)
from routing.calendars.busy import BusyInterval, BusyKind, EventFacts, busy_intervals, kind_of
from routing.calendars.feed import DueFeed, FetchResult, RepCalendar

__all__ = [
    "CALENDAR_NOTE",
    "DEFAULT_WINDOW",
    "AwayPeriod",
    "BusyInterval",
    "BusyKind",
    "DueFeed",
    "EventFacts",
    "FetchResult",
    "RepCalendar",
    "away_days",
    "away_periods",
    "busy_intervals",
    "current_period",
    "kind_of",
]
