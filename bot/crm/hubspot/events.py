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
"""

from __future__ import annotations

import asyncio
import json
import logging
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
    ) -> None:
        self.inbound = inbound
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
        tally = await loop.run_in_executor(self.worker, self.handle_all, events[:MAX_EVENTS])
        if tally.again:
            return _refusal(503, "HubSpot did not answer Baton's read: send the events again")
        return web.json_response({"handled": tally.handled, "ignored": tally.ignored})

    def handle_all(self, events: Sequence[Any]) -> Tally:
        tally = Tally()
        for event in events:
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


def _refusal(status: int, error: str) -> web.Response:
    return web.json_response({"error": error}, status=status)
