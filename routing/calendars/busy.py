"""What one calendar event means for a rep's time: free, busy, tentative or out of office.

The mapping is RFC 4791 §7.10's (as CalDAV servers such as Xandikos apply it) with Outlook's
``X-MICROSOFT-CDO-BUSYSTATUS`` on top: an event the rep declined, a cancelled one and a
transparent one are free; ``BUSYSTATUS`` says FREE, TENTATIVE, BUSY or OOF when present. Times
without a zone (floating, and all-day dates) are read on the rep's wall clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class BusyKind(StrEnum):
    FREE = "free"
    TENTATIVE = "tentative"
    BUSY = "busy"
    OOF = "oof"

    @property
    def blocks(self) -> bool:
        """Whether the time cannot be offered for a meeting."""
        return self is not BusyKind.FREE

    @property
    def away(self) -> bool:
        """Whether the time counts towards a day away (tentative does not)."""
        return self in (BusyKind.BUSY, BusyKind.OOF)


@dataclass(frozen=True)
class EventFacts:
    """One occurrence as a feed states it; the adapter interprets nothing.

    ``start``/``end`` are a ``date`` for an all-day event (``end`` exclusive), a naive datetime
    for floating time, or an aware one. Text fields are upper-cased iCalendar values or "".
    """

    start: date | datetime
    end: date | datetime | None
    transparency: str = ""
    status: str = ""
    busy_status: str = ""
    declined: bool = False


@dataclass(frozen=True)
class BusyInterval:
    """A span of a rep's time that is not free, in UTC."""

    start: datetime
    end: datetime
    kind: BusyKind


def kind_of(facts: EventFacts) -> BusyKind:
    """Free, tentative, busy or out of office, by the rules in this module's docstring."""
    if facts.declined or facts.status == "CANCELLED":
        return BusyKind.FREE
    marked = facts.busy_status
    if marked == "OOF":
        return BusyKind.OOF
    if marked == "FREE" or facts.transparency == "TRANSPARENT":
        return BusyKind.FREE
    if marked == "TENTATIVE" or facts.status == "TENTATIVE":
        return BusyKind.TENTATIVE
    return BusyKind.BUSY


def moment(value: date | datetime, zone: ZoneInfo) -> datetime:
    """An iCalendar start or end as aware UTC: dates and floating times on the rep's clock."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(0))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(UTC)


def _end_of(facts: EventFacts, zone: ZoneInfo) -> datetime:
    """RFC 5545 §3.6.1: no end means one day for a date, an instant for a date-time."""
    if facts.end is not None:
        return moment(facts.end, zone)
    if isinstance(facts.start, datetime):
        return moment(facts.start, zone)
    return moment(facts.start + timedelta(days=1), zone)


def busy_intervals(events: Iterable[EventFacts], zone: ZoneInfo) -> list[BusyInterval]:
    """The events that are not free, as UTC spans in start order; free events are dropped."""
    found = []
    for facts in events:
        kind = kind_of(facts)
        if not kind.blocks:
            continue
        start, end = moment(facts.start, zone), _end_of(facts, zone)
        if end > start:
            found.append(BusyInterval(start, end, kind))
    found.sort(key=lambda b: (b.start, b.end))
    return found
