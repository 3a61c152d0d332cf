"""``POST /leads``: leads from websites, Typeform, HubSpot, Zapier — anything that can POST.

The order is the point: the caller is authenticated (a bearer token, or an HMAC of the exact
bytes sent: Baton's own signature or Typeform's) before the body is inflated or parsed; the body
is read up to its limit and no further, and inflated (gzip, deflate) up to the same limit; it is
decoded and read into an arrival (:mod:`routing.arrival`) before the write transaction starts.
Answers are JSON (:mod:`bot.web.api`): 201 a new lead, 200 a retry of one already taken (same
lead id), 202 a payload kept for a manager because it has no email or phone, 400/401/413/415
with ``error`` saying what was wrong.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl

from aiohttp import web

from bot.baton import Baton
from bot.config import Settings
from bot.web.api import add_api_route, too_large
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
TYPEFORM_SIGNATURE = "Typeform-Signature"
"""Typeform's header: ``sha256=`` + base64 HMAC-SHA256 of the raw body, keyed with the webhook's
secret (typeform.com/developers/webhooks/secure-your-webhooks); the secret is a source's token."""
BATON_SIGNATURE = "X-Baton-Signature"
WRITE_THREADS = 4
ENCODINGS = {"identity": None, "gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS}
"""``Content-Encoding`` → zlib's window bits to inflate it with (``None``: as sent)."""
DEFLATE = "deflate"
"""Inflated as zlib data (RFC 9110), or as bare deflate data as some clients send it."""


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


def typeform_signature(secret: str, body: bytes) -> str:
    """``sha256=`` + base64 HMAC-SHA256 of the body, as Typeform signs a webhook call."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return SIGNATURE_PREFIX + base64.b64encode(digest).decode("ascii")


def _sent(header: str) -> bytes:
    """A header's bytes as they came (aiohttp keeps bytes that are not UTF-8 as surrogates)."""
    return header.encode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class Sources:
    """The configured senders and their tokens; every check compares in constant time, against
    every source (no early exit that would tell which came close)."""

    tokens: Mapping[str, str]

    def by_bearer(self, header: str) -> str | None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self._matching(_sent(token.strip()), lambda secret: secret.encode())

    def by_signature(self, sent: str, timestamp: str, body: bytes) -> str | None:
        return self._matching(
            _sent(sent), lambda secret: signature(secret, timestamp, body).encode()
        )

    def by_typeform_signature(self, sent: str, body: bytes) -> str | None:
        return self._matching(_sent(sent), lambda secret: typeform_signature(secret, body).encode())

    def _matching(self, sent: bytes, expected: Callable[[str], bytes]) -> str | None:
        found = None
        for name, secret in self.tokens.items():
            if hmac.compare_digest(sent, expected(secret)):
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
        headers = request.headers
        source = self.sources.by_bearer(headers.get("Authorization", ""))
        signed = BATON_SIGNATURE in headers or TYPEFORM_SIGNATURE in headers
        if source is None and not signed:
            raise _unauthorised(request, "no valid bearer token")
        sent = await read_bounded(request)
        if source is None:
            source = self._signed_source(request, sent)
        body = inflate(sent, headers.get("Content-Encoding", ""))
        payload = decode(body, request.content_type)
        raw = body.decode("utf-8", errors="replace")
        key = headers.get("Idempotency-Key") or None
        phones = self.baton.relay.config.phones
        return webhook_arrival(source, payload, raw, key, self.channel, phones=phones)

    def _signed_source(self, request: web.Request, body: bytes) -> str:
        """The source whose token signed ``body`` as sent: Baton's signature (with a fresh
        timestamp), else Typeform's (no timestamp: a replay is a retry of the same response,
        which its ``token`` makes create nothing)."""
        if BATON_SIGNATURE not in request.headers:
            sent = request.headers.get(TYPEFORM_SIGNATURE, "")
            source = self.sources.by_typeform_signature(sent, body)
            if source is None:
                raise _unauthorised(request, f"bad {TYPEFORM_SIGNATURE}")
            return source
        timestamp = request.headers.get("X-Baton-Timestamp", "")
        if not fresh_timestamp(timestamp, self.baton.clock()):
            raise _unauthorised(request, "missing or stale X-Baton-Timestamp")
        sent = request.headers.get(BATON_SIGNATURE, "")
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
        "unauthorised: send `Authorization: Bearer <token>`, sign the body "
        "(X-Baton-Timestamp, X-Baton-Signature: sha256=…), or set the source's token as the "
        "Typeform webhook's secret (Typeform-Signature)",
    )


async def read_bounded(request: web.Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body as sent, refused with 413 when it exceeds ``limit``: by its Content-Length
    before any byte is read, else by its size. The server itself refuses a larger
    Content-Length, and reads no more than its own cap within a time bound, before any handler
    runs (``bot.entrypoints.serve``)."""
    if request.content_length is not None and request.content_length > limit:
        raise Refused(413, too_large(limit))
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge as err:
        raise Refused(413, too_large(limit)) from err
    if len(body) > limit:
        raise Refused(413, too_large(limit))
    return body


def inflate(body: bytes, encoding: str, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body a ``Content-Encoding`` of :data:`ENCODINGS` or ``deflate`` names, inflated to
    at most ``limit`` bytes (a small bomb is refused at the limit, never inflated whole): 413
    past it, 400 for data that is not what the header says, 415 for another encoding."""
    name = encoding.strip().lower() or "identity"
    if name == DEFLATE:
        zlib_header = body[:1] and body[0] & 0x0F == 8
        return _inflated(body, name, zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS, limit)
    if name not in ENCODINGS:
        raise Refused(
            415,
            f"unsupported Content-Encoding {encoding[:40]!r}: send the body as it is, or "
            "compressed with gzip or deflate",
        )
    wbits = ENCODINGS[name]
    return body if wbits is None else _inflated(body, name, wbits, limit)


def _inflated(body: bytes, name: str, wbits: int, limit: int) -> bytes:
    inflater = zlib.decompressobj(wbits)
    try:
        inflated = inflater.decompress(body, limit + 1)
    except zlib.error as err:
        raise Refused(400, f"the body is not {name} data ({err})") from err
    if len(inflated) > limit:
        raise Refused(413, f"{too_large(limit)} once inflated")
    if not inflater.eof or inflater.unused_data:
        raise Refused(400, f"the body is not one whole {name} stream")
    return inflated


def decode(body: bytes, content_type: str) -> object:
    """A JSON object or form fields; 400 naming the problem for anything else."""
    try:
        text = body.decode("utf-8-sig")
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
    except ValueError as err:  # a number of more than 4,300 digits
        raise Refused(400, f"the body is not readable JSON: {str(err)[:120]}") from err
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
    add_api_route(app, LEADS_PATH, endpoint.handle, MAX_BODY_BYTES)
    close: Callable[[], None] = endpoint.close

    async def on_cleanup(_app: web.Application) -> None:
        await asyncio.get_running_loop().run_in_executor(None, close)

    app.on_cleanup.append(on_cleanup)
