"""The calendar job: read every feed that is due and hand what it said to the domain.

It runs in the scheduler's thread pool, so fetching and parsing (seconds for a 20,000-event
feed) never block the event loop that answers chat. A failure is recorded as an error in words
(never the feed's address) and changes nobody's availability.
"""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.calendars.fetch import FetchFailed, FetchPolicy, fetch
from bot.calendars.ics import FeedUnreadable, read_feed
from bot.ops.logs import REDACTOR
from bot.ops.metrics import CALENDAR_FETCH_ERRORS
from routing import limits
from routing.calendars import BusyInterval, DueFeed, FetchResult, busy_intervals
from routing.calendars.feed import MAX_INTERVALS, WINDOW_AFTER, WINDOW_BEFORE
from routing.clock import zone
from routing.relay import Relay

log = logging.getLogger(__name__)


def refresh_calendars(relay: Relay, policy: FetchPolicy, now: datetime) -> int:
    """Fetch the feeds due now; returns how many were fetched. One feed's trouble is its own:
    it is recorded as that feed's error and the next feed is read."""
    due = relay.calendars_due()
    for feed in due:
        REDACTOR.hide(feed.url)  # a secret address: never in a log line, whatever logs it
        result = read_due(feed, policy, now)
        if result.error:
            CALENDAR_FETCH_ERRORS.inc()
            log.warning("calendar feed of rep %s not read: %s", feed.rep_id, result.error)
        try:
            relay.record_calendar(feed.rep_id, feed.url, result)
        except Exception:  # a database hiccup: the feed is read again at its next time
            log.exception("could not keep the calendar reading of rep %s", feed.rep_id)
    return len(due)


def read_due(feed: DueFeed, policy: FetchPolicy, now: datetime) -> FetchResult:
    """What fetching and reading ``feed`` gave; never raises (the address never in errors)."""
    try:
        return _read(feed, policy, now)
    except FetchFailed as err:
        return FetchResult(error=limits.fitted_text(str(err), limits.FEED_ERROR))
    except Exception as err:  # noqa: BLE001 - whatever a hostile server or feed finds: said
        log.warning("calendar feed of rep %s failed: %s", feed.rep_id, type(err).__name__)
        return FetchResult(error=f"could not be read ({type(err).__name__})")


def _read(feed: DueFeed, policy: FetchPolicy, now: datetime) -> FetchResult:
    fetched = fetch(feed.url, feed.etag, feed.last_modified, policy)
    etag = _validator(fetched.etag)
    modified = _validator(fetched.last_modified)
    if fetched.body is None:
        return FetchResult(not_modified=True, etag=etag, last_modified=modified)
    try:
        busy = parse(fetched.body, zone(feed.timezone), now, feed.url, feed.addresses)
    except FeedUnreadable as err:
        return FetchResult(error=limits.fitted_text(f"not a calendar: {err}", limits.FEED_ERROR))
    return FetchResult(busy=busy, etag=etag, last_modified=modified)


def parse(
    body: bytes,
    rep_zone: ZoneInfo,
    now: datetime,
    url: str = "",
    known: tuple[str, ...] = (),
) -> tuple[BusyInterval, ...]:
    """The busy spans of a feed body in the kept window (CPU work: call it off the loop);
    ``known`` are the rep's addresses Baton knows (their declined invitations are free)."""
    facts = read_feed(body, now - WINDOW_BEFORE, now + WINDOW_AFTER, url, known)
    return tuple(busy_intervals(facts, rep_zone)[:MAX_INTERVALS])


def _validator(value: str | None) -> str | None:
    """A validator worth sending back: printable ASCII that fits; anything else is dropped."""
    if not value or len(value) > limits.FEED_VALIDATOR:
        return None
    return value if all(" " <= ch <= "~" for ch in value) else None
