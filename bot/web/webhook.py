"""``POST /leads``: leads from websites, Typeform, HubSpot, Zapier — anything that can POST.

The order is the point: the caller is authenticated (a bearer token, or an HMAC of the exact
bytes) before the body is parsed; the body is read up to its limit and no further; it is decoded
and read into an arrival (:mod:`routing.arrival`) before the write transaction starts. Answers
are JSON: 201 a new lead, 200 a retry of one already taken (same lead id), 202 a payload kept
for a manager because it has no email or phone, 400/401/413 with ``error`` saying what was
wrong.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl

from aiohttp import web

from bot.baton import Baton
from bot.config import Settings
from routing import limits
from routing.arrival import Arrival
from routing.inbound import MAX_PAIRS, webhook_arrival
from routing.lead import SourceRef
from routing.roles import Platform
from routing.stages import Stage
from routing.usecases.context import Outcome

log = logging.getLogger(__name__)

LEADS_PATH = "/leads"
MAX_BODY_BYTES = limits.WEBHOOK_BODY
SIGNATURE_PREFIX = "sha256="
WRITE_THREADS = 4


class Refused(Exception):
    """An answer other than success: the status and what to tell the caller."""

    def __init__(self, status: int, error: str) -> None:
        super().__init__(error)
        self.status = status
        self.error = error


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``timestamp + "." + body`` keyed with the source token."""
    signed = timestamp.encode("ascii", "replace") + b"." + body
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Sources:
    """The configured senders and their tokens; every check compares in constant time."""

    tokens: Mapping[str, str]

    def by_bearer(self, header: str) -> str | None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        found = None
        for name, expected in self.tokens.items():
            if hmac.compare_digest(token.strip().encode(), expected.encode()):
                found = name
        return found

    def by_signature(self, sent: str, timestamp: str, body: bytes) -> str | None:
        found = None
        for name, secret in self.tokens.items():
            if hmac.compare_digest(sent.encode(), signature(secret, timestamp, body).encode()):
                found = name
        return found


def fresh_timestamp(value: str, now: datetime) -> bool:
    try:
        sent = int(value)
    except ValueError:
        return False
    return abs(now.timestamp() - sent) <= limits.SIGNATURE_WINDOW_SECONDS


def intake_channel(settings: Settings) -> SourceRef | None:
    """Where a webhook lead's card goes: the webhook channel, else the first intake channel.

    A Teams id (``19:…``) names a Teams channel; with no source message, ``message_id`` is
    empty: the card is the first message and becomes the lead's thread.
    """
    if settings.baton_webhook_channel:
        channel = settings.baton_webhook_channel.strip()
        platform = Platform.TEAMS if channel.startswith("19:") else Platform.SLACK
        return SourceRef(platform.value, channel, "")
    for value, platform in (
        (settings.baton_intake_channels, Platform.SLACK),
        (settings.baton_teams_intake_channels, Platform.TEAMS),
    ):
        first = next((c.strip() for c in value.split(",") if c.strip()), None)
        if first:
            return SourceRef(platform.value, first, "")
    return None


class LeadsEndpoint:
    def __init__(self, baton: Baton) -> None:
        self.baton = baton
        self.sources = Sources(baton.settings.webhook_sources())
        self.channel = intake_channel(baton.settings)
        self.writer = ThreadPoolExecutor(WRITE_THREADS, thread_name_prefix="webhook")

    async def handle(self, request: web.Request) -> web.Response:
        try:
            arrival = await self._arrival(request)
        except Refused as refused:
            return web.json_response({"error": refused.error}, status=refused.status)
        loop = asyncio.get_running_loop()
        outcome = await loop.run_in_executor(self.writer, self.baton.relay.ingest, arrival)
        return _answer(outcome)

    async def _arrival(self, request: web.Request) -> Arrival:
        source = self.sources.by_bearer(request.headers.get("Authorization", ""))
        if source is None and "X-Baton-Signature" not in request.headers:
            raise _unauthorised(request, "no valid bearer token")
        body = await read_bounded(request)
        if source is None:
            source = self._signed_source(request, body)
        payload = decode(body, request.content_type)
        raw = body.decode("utf-8", errors="replace")
        key = request.headers.get("Idempotency-Key")
        return webhook_arrival(source, payload, raw, key, self.channel)

    def _signed_source(self, request: web.Request, body: bytes) -> str:
        timestamp = request.headers.get("X-Baton-Timestamp", "")
        if not fresh_timestamp(timestamp, self.baton.clock()):
            raise _unauthorised(request, "missing or stale X-Baton-Timestamp")
        sent = request.headers.get("X-Baton-Signature", "")
        source = self.sources.by_signature(sent, timestamp, body)
        if source is None:
            raise _unauthorised(request, "bad signature")
        return source

    def close(self) -> None:
        self.writer.shutdown(wait=True)


def _unauthorised(request: web.Request, why: str) -> Refused:
    log.warning("POST %s refused from %s: %s", LEADS_PATH, request.remote, why)
    return Refused(
        401,
        "unauthorised: send `Authorization: Bearer <token>` or sign the body "
        "(X-Baton-Timestamp, X-Baton-Signature: sha256=…)",
    )


async def read_bounded(request: web.Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, refused with 413 when it exceeds ``limit``: by its Content-Length before any
    byte is read, else by its size. The server itself reads no more than its own cap
    (``bot.entrypoints.serve.MAX_BODY_BYTES``), within a time bound, before any handler runs."""
    too_large = Refused(413, f"the body is larger than {limit // 1024} KB")
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge as err:
        raise too_large from err
    if len(body) > limit:
        raise too_large
    return body


def decode(body: bytes, content_type: str) -> object:
    """A JSON object or form fields; 400 naming the problem for anything else."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise Refused(400, f"the body is not UTF-8 text (byte {err.start})") from err
    if content_type == "application/x-www-form-urlencoded":
        return _form(text)
    if content_type in ("application/json", "") or content_type.endswith("+json"):
        return _json(text)
    raise Refused(
        400,
        f"unsupported Content-Type {content_type!r}: send application/json or "
        "application/x-www-form-urlencoded",
    )


def _json(text: str) -> object:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise Refused(
            400, f"the body is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}"
        ) from err
    except RecursionError as err:
        raise Refused(400, "the body is not valid JSON: nested too deeply") from err
    if not isinstance(value, dict):
        raise Refused(400, f"expected a JSON object with the lead's fields, got {_kind(value)}")
    return value


def _form(text: str) -> list[tuple[str, str]]:
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_PAIRS * 5)
    except ValueError as err:
        raise Refused(400, f"the form body is not readable: {err}") from err


def _kind(value: object) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _answer(outcome: Outcome) -> web.Response:
    lead_id = outcome.lead_id
    body: dict[str, object] = {"lead": f"L-{lead_id}" if lead_id else None, "id": lead_id}
    if outcome.data.get("duplicate"):
        return web.json_response({**body, "duplicate": True}, status=200)
    unparsed = outcome.data.get("stage") is Stage.UNPARSED
    body["status"] = "unparsed" if unparsed else "created"
    return web.json_response(body, status=202 if unparsed else 201)


def mount_webhook(app: web.Application, baton: Baton) -> None:
    """Add ``POST /leads``; with no ``BATON_WEBHOOK_SOURCES`` every call is refused (401)."""
    endpoint = LeadsEndpoint(baton)
    app.router.add_post(LEADS_PATH, endpoint.handle)
    close: Callable[[], None] = endpoint.close

    async def on_cleanup(_app: web.Application) -> None:
        await asyncio.get_running_loop().run_in_executor(None, close)

    app.on_cleanup.append(on_cleanup)
