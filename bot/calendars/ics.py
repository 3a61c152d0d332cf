"""An ICS feed read into :class:`routing.calendars.EventFacts` with ``icalendar`` and
``recurring-ical-events``: RRULE, RDATE, EXDATE, moved instances (RECURRENCE-ID), Windows zone
names, Google's ``X-WR-TIMEZONE``. The domain decides what each occurrence means; this module only
reads. It is CPU work (a 20,000-event feed takes seconds): callers run it in a thread.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta

import icalendar
import recurring_ical_events
from icalendar.timezone import tzp

from routing.calendars import EventFacts
from routing.calendars.feed import EMAIL, feed_address


class FeedUnreadable(Exception):
    """The body is not an iCalendar document we can read (an HTML login page, garbage)."""


def owner_addresses(calendar_name: str, url: str, known: Iterable[str] = ()) -> frozenset[str]:
    """The feed owner's addresses, lower case: what the feed tells — Google names a primary
    calendar after its address (``X-WR-CALNAME``) and puts the calendar id in the secret
    address's path (:func:`routing.calendars.feed.feed_address`) — and the addresses Baton
    knows for the rep (``known``: their email from their chat or a manager), which is all there
    is for an Outlook published link or a CalDAV export."""
    found = {calendar_name.strip().lower()} if EMAIL.fullmatch(calendar_name.strip()) else set()
    address = feed_address(url)
    if address:
        found.add(address)
    found.update(a.strip().lower() for a in known if a.strip())
    return frozenset(found)


def read_feed(
    body: bytes, start: datetime, end: datetime, url: str = "", known: Iterable[str] = ()
) -> list[EventFacts]:
    """The occurrences of every VEVENT overlapping [start, end), as facts; ``known`` are the
    rep's addresses Baton knows beyond what the feed tells (an invitation they declined is
    free)."""
    calendar = _calendar(windowed(body, start.date(), end.date()))
    owners = owner_addresses(str(calendar.get("X-WR-CALNAME", "")), url, known)
    try:
        query = recurring_ical_events.of(calendar, components=["VEVENT"], skip_bad_series=True)
        return _occurrences(query.between(start, end), end, owners)
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as err:
        raise FeedUnreadable(f"the feed's events could not be read ({type(err).__name__})") from err


_VEVENT = re.compile(rb"BEGIN:VEVENT\r?\n.*?END:VEVENT\r?\n?", re.S)
_VTIMEZONE = re.compile(rb"BEGIN:VTIMEZONE\r?\n.*?END:VTIMEZONE\r?\n?", re.S)
_TZID = re.compile(rb"^TZID:([^\r\n]+)", re.M)
_FOLD = re.compile(rb"\r?\n[ \t]")
_RRULE = re.compile(rb"^RRULE[;:]", re.M)
_DAY = re.compile(rb"^(DTSTART|DTEND)[^:\r\n]*:(\d{8})", re.M)
_REPEATS = re.compile(rb"^(RRULE|RDATE|RECURRENCE-ID|DURATION)[;:]", re.M)
_TOO_OFTEN = re.compile(
    rb"^RRULE[;:][^\r\n]*(FREQ=(SECONDLY|MINUTELY|HOURLY)|BYSECOND=|BY(MINUTE|HOUR)=[^;\r\n]*,[^;\r\n]*,)",
    re.M | re.I,
)
MAX_SERIES = 2000
"""The most recurring events a feed may hold in the window's reach: each is expanded over the
window, so they bound the work (a busy rep has tens)."""
MAX_OCCURRENCES = 20_000
"""The most occurrences read from one feed's window (a busy rep has a few hundred)."""
MARGIN = timedelta(days=2)


def windowed(body: bytes, first: date, last: date) -> bytes:
    """``body`` without the single events that end before ``first`` or start after ``last``
    (two days' margin for any zone), found by their dates alone: parsing is the slow part of a
    long-used calendar, and most of its events are years away. Recurring events, moved
    instances and events with a DURATION are kept whole; events repeating every second or
    minute or hour, or at more than two hours or minutes of a day, are dropped (cal.com's ICS
    reader skips hourly and minutely rules too), and a feed with more than :data:`MAX_SERIES`
    recurring events is refused: expanding them is the work that could run away.

    A VTIMEZONE whose TZID names a zone the zone database knows (``Europe/Berlin``, or a Windows
    name such as ``W. Europe Standard Time`` through icalendar's CLDR map) is dropped, so that
    zone is used: Outlook's definitions start in 1601, and computing offsets from them walks
    every year since (seconds per feed), where the zone database is exact and fast."""
    body = _VTIMEZONE.sub(_unless_known_zone, body)
    body = _VEVENT.sub(lambda found: _kept(found[0], first - MARGIN, last + MARGIN), body)
    if len(_RRULE.findall(body)) > MAX_SERIES:
        raise FeedUnreadable(f"more than {MAX_SERIES:,} recurring events")
    return body


def _unless_known_zone(found: re.Match[bytes]) -> bytes:
    name = _TZID.search(_FOLD.sub(b"", found[0]))
    if name is None:
        return found[0]
    try:
        known = tzp.timezone(name[1].decode("utf-8").strip()) is not None
    except (UnicodeDecodeError, ValueError, KeyError):
        known = False
    return b"" if known else found[0]


def _kept(event: bytes, first: date, last: date) -> bytes:
    unfolded = _FOLD.sub(b"", event)
    if _TOO_OFTEN.search(unfolded):
        return b""  # every second or minute is no meeting (cal.com's ICS reader skips them too)
    if _REPEATS.search(unfolded):
        return event
    days = {name: _day(value) for name, value in _DAY.findall(unfolded)}
    begins, ends = days.get(b"DTSTART"), days.get(b"DTEND") or days.get(b"DTSTART")
    if begins is None or ends is None:
        return event
    return b"" if ends < first or begins > last else event


def _day(digits: bytes) -> date | None:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def _occurrences(
    found: Iterable[icalendar.cal.Component], end: datetime, owners: frozenset[str]
) -> list[EventFacts]:
    """The occurrences as facts, at most :data:`MAX_OCCURRENCES` of them."""
    facts = []
    for event in itertools.islice(found, MAX_OCCURRENCES):
        one = _facts(event, owners)
        if _after(one.start, end):
            break
        facts.append(one)
    return facts


def _after(start: date | datetime, end: datetime) -> bool:
    """Whether an occurrence starting at ``start`` begins after ``end`` in any zone."""
    if not isinstance(start, datetime):
        return start > end.date() + timedelta(days=1)
    if start.tzinfo is None:
        return start > end.replace(tzinfo=None) + timedelta(days=1)
    return start > end


def _calendar(body: bytes) -> icalendar.Calendar:
    if b"BEGIN:VCALENDAR" not in body[:4096]:
        raise FeedUnreadable("not an iCalendar document")
    try:
        return icalendar.Calendar.from_ical(body)
    except (ValueError, IndexError, KeyError) as err:
        raise FeedUnreadable(f"not an iCalendar document ({type(err).__name__})") from err


def _facts(event: icalendar.cal.Component, owners: frozenset[str]) -> EventFacts:
    return EventFacts(
        start=_when(event.get("DTSTART")),
        end=_end(event),
        transparency=_text(event, "TRANSP"),
        status=_text(event, "STATUS"),
        busy_status=_text(event, "X-MICROSOFT-CDO-BUSYSTATUS"),
        declined=_declined(event.get("ATTENDEE"), owners),
    )


def _end(event: icalendar.cal.Component) -> date | datetime | None:
    if event.get("DTEND") is not None:
        return _when(event.get("DTEND"))
    length = getattr(event.get("DURATION"), "dt", None)
    if isinstance(length, timedelta):
        return _when(event.get("DTSTART")) + length
    return None


def _when(prop: object) -> date | datetime:
    value = getattr(prop, "dt", prop)
    if not isinstance(value, date):
        raise ValueError("an event without a start")
    return value


def _text(event: icalendar.cal.Component, name: str) -> str:
    value = event.get(name)
    return str(value).strip().upper() if value is not None else ""


def _declined(attendees: object, owners: frozenset[str]) -> bool:
    if not owners or attendees is None:
        return False
    for attendee in _listed(attendees):
        address = str(attendee).strip().lower().removeprefix("mailto:")
        params = getattr(attendee, "params", {})
        if address in owners and str(params.get("PARTSTAT", "")).upper() == "DECLINED":
            return True
    return False


def _listed(value: object) -> Iterator[object]:
    if isinstance(value, list | tuple):
        yield from value
    else:
        yield value
