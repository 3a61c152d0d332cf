"""``POST /hubspot/events``: HubSpot's webhook calls, verified on the raw bytes, each event once.

The v3 signature is checked before a byte is parsed (401 and nothing else otherwise). The body
is a JSON array of events; each ``eventId`` is taken once (``crm_inbox``), so HubSpot's retries
change nothing. ``contact.creation``: the contact is read back from HubSpot (never trusted from
the event) and routed as an inbound lead of source ``hubspot``, its card in the webhook channel;
a contact whose HubSpot owner is a rep in a rotation stays with them. ``deal.propertyChange`` of
``dealstage`` to the won or lost stage: the deal is read back and the lead recorded won (its
amount) or lost (its reason), once. ``contact.merge``/``deal.merge`` repoint Baton's links to
the surviving record, ``*.deletion`` stops Baton writing to the record, ``*.restore`` resumes it
and ``contact.privacyDeletion`` also erases the contact's lead in Baton (``routing.crm.links``;
``inbound.py`` is the path the poll shares). A malformed event is logged and ignored. Baton's
own writes come back as events and change nothing:
a contact that already carries ``baton_lead_id`` is Baton's, and a lead already won or lost is
left alone. When HubSpot does not answer the read, the event is let go and 503 asks HubSpot to
send it again.

HubSpot waits for an answer for ``X-HubSpot-Timeout-Millis`` (10 s) and then counts the call as
failed. Reading a hundred contacts back under a busy rate limit can take longer, so the events
are worked through within a budget a few seconds short of that; those left when it runs out are
not taken, and 503 asks HubSpot to send the delivery again (it retries any answer but 400, 401,
403, 404 and 405): the events already handled are then ignored by their ``eventId``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aiohttp import web

from bot.crm.hubspot.inbound import HubSpotInbound
from bot.crm.hubspot.signature import SIGNATURE, TIMESTAMP, public_uri, verified
from routing.crm.links import record_event
from routing.crm.port import CrmRefused, CrmUnavailable
from routing.limits import fitted_key

log = logging.getLogger(__name__)

EVENTS_PATH = "/hubspot/events"
MAX_BODY_BYTES = 1024 * 1024
"""HubSpot sends at most 100 events a request, each well under 1 KiB."""
MAX_EVENTS = 500
TIMEOUT_HEADER = "X-HubSpot-Timeout-Millis"
HUBSPOT_TIMEOUT_SECONDS = 10.0
"""How long HubSpot waits for an answer when it does not say (its documented 10 s)."""
MARGIN_SECONDS = 3.0
"""Kept for answering in time: the last event's work, the response, the network."""


class Inbox(Protocol):
    def claim(self, event_id: str, now: datetime) -> bool: ...
    def forget(self, event_id: str) -> None: ...


@dataclass
class Tally:
    handled: int = 0
    ignored: int = 0
    again: bool = False


class HubSpotEvents:
    def __init__(
        self,
        *,
        inbound: HubSpotInbound,
        inbox: Inbox,
        secret: str | None,
        public_url: str,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inbound = inbound
        self.monotonic = monotonic
        self.inbox = inbox
        self.secret = secret
        self.public_url = public_url
        self.clock = clock
        self.worker = ThreadPoolExecutor(2, thread_name_prefix="hubspot-events")

    async def handle(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
            return _refusal(413, f"the body is larger than {MAX_BODY_BYTES:,} bytes")
        try:
            body = await request.read()  # the server caps what it reads (``client_max_size``)
        except web.HTTPRequestEntityTooLarge:
            return _refusal(413, f"the body is larger than {MAX_BODY_BYTES:,} bytes")
        if len(body) > MAX_BODY_BYTES:
            return _refusal(413, f"the body is larger than {MAX_BODY_BYTES:,} bytes")
        uri = public_uri(self.public_url, request.rel_url.raw_path_qs)
        headers = request.headers
        if not verified(
            self.secret,
            request.method,
            uri,
            body,
            headers.get(SIGNATURE, ""),
            headers.get(TIMESTAMP, ""),
            self.clock(),
        ):
            log.warning(
                "POST %s refused from %s: bad or stale signature", EVENTS_PATH, request.remote
            )
            return _refusal(
                401, f"unauthorised: a valid {SIGNATURE} within five minutes is required"
            )
        try:
            events = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: arrays nested past Python's stack
            return _refusal(400, "the body is not JSON: HubSpot sends a JSON array of events")
        if not isinstance(events, list):
            return _refusal(400, "expected a JSON array of events")
        loop = asyncio.get_running_loop()
        deadline = self.monotonic() + budget_seconds(headers.get(TIMEOUT_HEADER, ""))
        tally = await loop.run_in_executor(
            self.worker, self.handle_all, events[:MAX_EVENTS], deadline
        )
        if tally.again:
            return _refusal(503, "not every event could be handled in time: send them again")
        return web.json_response({"handled": tally.handled, "ignored": tally.ignored})

    def handle_all(self, events: Sequence[Any], deadline: float = float("inf")) -> Tally:
        """Each event once, until ``deadline`` (on ``monotonic``): the rest are left untaken and
        ``again`` asks for the delivery once more."""
        tally = Tally()
        for event in events:
            if self.monotonic() >= deadline:
                log.warning("HubSpot events: out of time, the rest will be sent again")
                tally.again = True
                break
            if not isinstance(event, dict) or event.get("eventId") is None:
                log.warning("HubSpot event without an eventId ignored")
                tally.ignored += 1
                continue
            key = fitted_key(f"hubspot:{event['eventId']}")
            if not self.inbox.claim(key, self.clock()):
                tally.ignored += 1  # a redelivery
                continue
            try:
                done = self._one(event)
            except CrmUnavailable as err:
                log.warning("HubSpot event %s: will be sent again: %s", key, err)
                self.inbox.forget(key)
                tally.again = True
                continue
            except CrmRefused as err:
                log.warning("HubSpot event %s ignored: %s", key, err)
                done = False
            tally.handled += int(done)
            tally.ignored += int(not done)
        return tally

    def _one(self, event: dict[str, Any]) -> bool:
        kind = str(event.get("subscriptionType") or "")
        read = record_event(event)
        if isinstance(read, str):
            log.warning("HubSpot event %s ignored: %s", event.get("eventId"), read)
            return False
        if read is not None:
            return self.inbound.record(read)
        object_id = str(event.get("objectId") or "")
        if not object_id.isdigit():
            return False
        if kind == "contact.creation":
            return self.inbound.read_contact(object_id)
        if kind == "deal.propertyChange" and event.get("propertyName") == "dealstage":
            return self.inbound.read_deal(object_id)
        return False

    def close(self) -> None:
        self.worker.shutdown(wait=True)


def budget_seconds(timeout_header: str) -> float:
    """Seconds to work on a delivery: HubSpot's stated wait (milliseconds; 10 s when absent or
    unreadable, never more) less :data:`MARGIN_SECONDS`, and at least one second."""
    text = timeout_header.strip()
    waits = int(text) / 1000 if text.isascii() and text.isdigit() and len(text) <= 9 else 0.0
    wait = min(waits, HUBSPOT_TIMEOUT_SECONDS) if waits > 0 else HUBSPOT_TIMEOUT_SECONDS
    return max(wait - MARGIN_SECONDS, 1.0)


def _refusal(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)
