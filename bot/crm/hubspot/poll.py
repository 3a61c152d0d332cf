"""The poll: where HubSpot's webhooks cannot reach Baton, Baton asks HubSpot what is new.

Contacts created since the cursor (CRM search, ``createdate`` GTE the cursor, oldest first, 100
a page) are routed exactly as ``contact.creation`` is, and deals at the won or lost stage
modified since theirs are recorded as the webhook records them: the same path
(``inbound.py``), so a contact seen by the webhook and by the poll is one lead (its intake key),
and a deal recorded twice changes nothing the second time. Each cursor is stored after its page
is handled: a crash re-reads that page (each record once all the same), it never skips one. The
cursor is the last record's time and the search is GTE, so records sharing that instant are read
again rather than missed. HubSpot stops a search at 10,000 results, so a run follows at most
:data:`MAX_PAGES` pages and the next run starts from the moved cursor.

Every search takes a slot of HubSpot's search limit (4 a second) and one of the shared bucket
the writes use; HubSpot down makes this lane wait for its next run, nothing else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from bot.crm.hubspot.adapter import LONGEST_SLEEP, HubSpotCrm, _plain
from bot.crm.hubspot.inbound import CONTACT_PROPERTIES, DEAL_PROPERTIES, HubSpotInbound
from routing.crm.outbox import RateBucket
from routing.crm.port import CrmUnavailable

log = logging.getLogger(__name__)

PAGE = 100
"""Results a search page asks for (HubSpot allows up to 200)."""
MAX_PAGES = 50
"""Pages one run follows: 5,000 results, under HubSpot's 10,000 a query."""
CONTACTS = "hubspot:poll:contacts"
DEALS = "hubspot:poll:deals"
JOB = "hubspot:poll:slot"


class Cursors(Protocol):
    def get(self, name: str) -> str | None: ...
    def set(self, name: str, value: str, now: datetime) -> None: ...


@dataclass
class PollTally:
    contacts: int = 0
    deals: int = 0
    pages: int = 0


@dataclass(frozen=True)
class Stream:
    """One search the poll follows: which objects, by which time property, handled how."""

    cursor: str
    objects: str
    stamp: str
    properties: Sequence[str]
    handle: Callable[[str, Mapping[str, Any]], bool]
    filters: Sequence[dict[str, Any]] = ()


class HubSpotPoll:
    def __init__(
        self,
        crm: HubSpotCrm,
        inbound: HubSpotInbound,
        cursors: Cursors,
        search_bucket: RateBucket,
        clock: Callable[[], datetime],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.crm = crm
        self.inbound = inbound
        self.cursors = cursors
        self.search_bucket = search_bucket
        self.clock = clock
        self.sleep = sleep

    def streams(self) -> list[Stream]:
        closed = [s for s in (self.crm.stages.get("won"), self.crm.stages.get("lost")) if s]
        return [
            Stream(
                CONTACTS,
                "contacts",
                "createdate",
                CONTACT_PROPERTIES,
                self.inbound.contact,
            ),
            Stream(
                DEALS,
                "deals",
                "hs_lastmodifieddate",
                DEAL_PROPERTIES,
                lambda _id, props: self.inbound.deal(props),
                ({"propertyName": "dealstage", "operator": "IN", "values": closed},),
            ),
        ]

    def run_once(self) -> PollTally:
        """Follow every stream from its cursor; HubSpot not answering ends the run (the next
        one picks up where the cursors are)."""
        tally = PollTally()
        for stream in self.streams():
            handled = self._follow(stream, tally)
            if stream.cursor == CONTACTS:
                tally.contacts += handled
            else:
                tally.deals += handled
        return tally

    def _follow(self, stream: Stream, tally: PollTally) -> int:
        since = self._since(stream.cursor)
        handled, after = 0, None
        for _page in range(MAX_PAGES):
            answer = self._search(stream, since, after)
            results = [r for r in answer.get("results") or [] if isinstance(r, dict)]
            tally.pages += 1
            newest = since
            for found in results:
                props = found.get("properties") or {}
                handled += int(stream.handle(str(found.get("id") or ""), props))
                newest = max(newest, _millis(props.get(stream.stamp)) or newest)
            if newest > since:  # only after the whole page is handled
                self.cursors.set(stream.cursor, str(newest), self.clock())
            after = ((answer.get("paging") or {}).get("next") or {}).get("after")
            if not results or not after:
                break
        return handled

    def _since(self, name: str) -> int:
        """The stored cursor; the first run starts now (nothing from before the poll was on)."""
        stored = self.cursors.get(name)
        if stored is not None and stored.isdigit():
            return int(stored)
        start = int(self.clock().timestamp() * 1000)
        self.cursors.set(name, str(start), self.clock())
        return start

    def _search(self, stream: Stream, since: int, after: str | None) -> dict[str, Any]:
        filters = [
            {"propertyName": stream.stamp, "operator": "GTE", "value": str(since)},
            *stream.filters,
        ]
        body: dict[str, Any] = {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": stream.stamp, "direction": "ASCENDING"}],
            "properties": [*stream.properties, stream.stamp],
            "limit": PAGE,
        }
        if after:
            body["after"] = after
        self._search_slot()
        api = getattr(self.crm.client.crm, stream.objects).search_api
        return _plain(self.crm.call(api.do_search, body))

    def _search_slot(self) -> None:
        for _ in range(100):
            wait = self.search_bucket.take(self.clock())
            if wait <= 0:
                return
            if wait > LONGEST_SLEEP:
                raise CrmUnavailable("HubSpot's search limit is paused", retry_after=wait)
            self.sleep(wait)
        raise CrmUnavailable("over HubSpot's search limit", retry_after=1.0)


def _millis(value: object) -> int | None:
    """HubSpot's time property (ISO 8601, or epoch milliseconds) as epoch milliseconds."""
    if value in (None, ""):
        return None
    text = str(value)
    if text.isdigit():
        return int(text)
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return int(at.timestamp() * 1000)
