"""``POST /calcom/events``: a self-hosted cal.com says a meeting was booked, cancelled or moved.

Verified before read: ``X-Cal-Signature-256`` is the hex HMAC-SHA256 of the raw body keyed with
``BATON_CALCOM_SECRET`` (cal.com's webhook secret), compared in constant time; without the
secret, a signature or a match the answer is 401 and nothing is parsed or written. A signed call
sent more than :data:`STALE_AFTER` ago (its ``createdAt``) is refused too (401). The same bytes
delivered again are a replay: 200, nothing done. What is not a booking Baton reads: 200, ignored.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from datetime import timedelta

from aiohttp import web

from bot.baton import Baton
from bot.web.api import add_api_route, json_refusal
from bot.web.webhook import Refused, read_bounded
from routing.calendars.calcom import booking_event

log = logging.getLogger(__name__)

CALCOM_PATH = "/calcom/events"
MAX_BODY_BYTES = 256 * 1024
SIGNATURE_HEADER = "X-Cal-Signature-256"
STALE_AFTER = timedelta(hours=1)


def calcom_signature(secret: str, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``body``, as cal.com signs a webhook call."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class CalcomEndpoint:
    def __init__(self, baton: Baton) -> None:
        self.baton = baton
        self.secret = baton.settings.baton_calcom_secret or ""

    async def handle(self, request: web.Request) -> web.Response:
        try:
            body = await read_bounded(request, MAX_BODY_BYTES)
        except Refused as refused:
            return json_refusal(refused.status, refused.error)
        if not self._verified(request.headers.get(SIGNATURE_HEADER, ""), body):
            return json_refusal(401, f"missing or wrong {SIGNATURE_HEADER}")
        try:
            parsed = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return json_refusal(400, "the body is not JSON")
        event = booking_event(parsed)
        if event is None:
            return web.json_response({"status": "ignored"})
        now = self.baton.clock()
        if event.sent_at is None or abs(now - event.sent_at) > STALE_AFTER:
            return json_refusal(401, "stale: createdAt is missing or more than an hour away")
        delivery = "sha256:" + hashlib.sha256(body).hexdigest()
        outcome = await asyncio.to_thread(self.baton.relay.calcom_event, event, delivery)
        status = outcome.data.get("status", "done")
        log.info("cal.com %s: %s", event.change.value, status)
        return web.json_response({"status": status, "lead": outcome.lead_id})

    def _verified(self, sent: str, body: bytes) -> bool:
        if not self.secret or not sent:
            return False
        expected = calcom_signature(self.secret, body).encode()
        return hmac.compare_digest(sent.strip().lower().encode("utf-8", "replace"), expected)


def mount_calcom(app: web.Application, baton: Baton) -> None:
    """Add ``POST /calcom/events``; with no ``BATON_CALCOM_SECRET`` every call is refused (401)."""
    add_api_route(app, CALCOM_PATH, CalcomEndpoint(baton).handle, MAX_BODY_BYTES)
