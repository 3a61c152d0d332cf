"""A rep's calendar as Baton keeps it: the feed's address (a secret), the last good reading and
how its fetches went, and what Baton already did with it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import unquote

from routing.calendars.busy import BusyInterval

STALE_AFTER = timedelta(hours=24)
"""With no good fetch for this long a calendar is unknown: the rep counts as available."""
WINDOW_BEFORE = timedelta(days=8)
WINDOW_AFTER = timedelta(days=62)
"""The span of a feed that is read and kept: a week back (a period that began before the
weekend), two months ahead."""
MAX_INTERVALS = 5000
"""The most busy spans kept per rep; a feed with more is kept up to the last that fits."""

EMAIL = re.compile(r"[^@\s/:]+@[^@\s/]+\.[^@\s/]+")
_GOOGLE_ID = re.compile(r"/calendar/ical/([^/]+)/")


def feed_address(url: str | None) -> str | None:
    """The owner's address a feed's URL names: Google puts the calendar id (a primary calendar's
    is its owner's email) in the secret address's path; other feeds name nobody."""
    match = _GOOGLE_ID.search(url or "")
    if match and EMAIL.fullmatch(unquote(match[1])):
        return unquote(match[1]).lower()
    return None


@dataclass
class RepCalendar:
    rep_id: int
    url: str | None = None
    """The ICS feed's address: a password in all but name; shown masked, never logged."""
    booking_url: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    checked_at: datetime | None = None
    """When a fetch was last started (claimed by one process)."""
    fetched_at: datetime | None = None
    """When the feed was last read successfully: what "calendar as of 09:15" shows."""
    read_at: datetime | None = None
    """When the kept busy spans were read (a "not modified" answer does not move their window,
    so validators are sent only while they are recent)."""
    failing_since: datetime | None = None
    error: str | None = None
    busy: tuple[BusyInterval, ...] = field(default_factory=tuple)
    applied_key: str | None = None
    """The away period Baton last sent the rep away for."""
    overridden_key: str | None = None
    """The away period the rep's own `/rotation back` overrode."""
    stale_told: bool = False
    """Whether the rep and managers were told the calendar went unknown (once per outage)."""

    def unknown(self, now: datetime) -> bool:
        """No good reading, or none for :data:`STALE_AFTER`."""
        return self.fetched_at is None or now - self.fetched_at > STALE_AFTER


@dataclass(frozen=True)
class DueFeed:
    """A feed claimed for a fetch: where, the validators to send, and the rep's zone (floating
    times and all-day dates are on their clock)."""

    rep_id: int
    url: str
    timezone: str
    etag: str | None = None
    last_modified: str | None = None
    addresses: tuple[str, ...] = ()
    """The rep's addresses Baton knows (their email, lower case): with what the feed itself
    tells, they recognise the rep's own ``ATTENDEE`` line, so an invitation they declined is
    free."""


@dataclass(frozen=True)
class FetchResult:
    """What one fetch gave: a new reading, "not modified", or an error (never the address)."""

    busy: tuple[BusyInterval, ...] | None = None
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
