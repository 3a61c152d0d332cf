"""Chart links: the digest's funnel chart served by Baton at a signed, expiring address.

A Teams card that carries its chart inline spends about 12 KB of its 28 KB on it; a link costs
about 300 bytes, so one card holds the figures and the tables of 60 reps. Teams fetches the image
itself, without any Baton session, so the address is its own credential: ``/charts/funnel/
<token>.png`` where the token is ``c1.<payload>.<signature>``, the payload the JSON of the period
(start, end, kind, label) and an expiry, the signature HMAC-SHA256 under a key derived from the
dashboard's secret with its own context (a chart token can never pass as a dashboard link, nor
the other way round). It names no person, lead or figure: only which period to draw. The
signature is checked on the raw bytes before the payload is decoded, the expiry before anything
is read, and the chart is drawn from the event log as the digest of that period.
"""

from __future__ import annotations

import binascii
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from routing.dashboard.tokens import InvalidToken, decode_part, encode_part
from routing.metrics import Period

CHART_PATH = "/charts/funnel"
CHART_LINK_LIFETIME = timedelta(days=30)
"""How long a digest's chart stays visible in the chat it was sent to."""
VERSION = "c1"
MAX_CHART_TOKEN_CHARS = 600
_CONTEXT = b"baton-chart-link-v1"
_KINDS = frozenset({"day", "week", "month", "days"})


def chart_url(base_url: str, period: Period, now: datetime, secret: str) -> str:
    """The chart of ``period`` under ``base_url`` (``BATON_PUBLIC_URL``), valid for 30 days."""
    token = sign_chart(period, now + CHART_LINK_LIFETIME, secret)
    return f"{base_url.rstrip('/')}{CHART_PATH}/{token}.png"


def sign_chart(period: Period, expires: datetime, secret: str) -> str:
    claims = {
        "s": period.start.isoformat(),
        "e": period.end.isoformat(),
        "k": period.kind,
        "l": period.label,
        "x": int(expires.timestamp()),
    }
    body = f"{VERSION}.{encode_part(json.dumps(claims, separators=(',', ':')).encode())}"
    return f"{body}.{encode_part(_mac(body, secret))}"


def verify_chart(token: str, secret: str, now: datetime) -> Period:
    """The period a chart token names; :class:`InvalidToken` when it is malformed, forged or
    expired. Nothing of the payload is decoded before its signature is checked."""
    if not token or len(token) > MAX_CHART_TOKEN_CHARS or not token.isascii():
        raise InvalidToken("malformed")
    body, _, signature = token.rpartition(".")
    if not body.startswith(f"{VERSION}.") or body.count(".") != 1:
        raise InvalidToken("malformed")
    if not hmac.compare_digest(signature.encode(), encode_part(_mac(body, secret)).encode()):
        raise InvalidToken("bad signature")
    claims = _claims(body.partition(".")[2])
    if now >= datetime.fromtimestamp(claims["x"], UTC):
        raise InvalidToken("expired")
    try:
        start, end = datetime.fromisoformat(claims["s"]), datetime.fromisoformat(claims["e"])
        return Period(start, end, claims["l"], claims["k"])
    except ValueError:
        raise InvalidToken("malformed") from None


def _claims(payload: str) -> Any:
    """The signed claims, checked for their shape (a signed odd payload is still refused)."""
    try:
        claims = json.loads(decode_part(payload))
    except (ValueError, binascii.Error):
        raise InvalidToken("malformed") from None
    if not (
        isinstance(claims, dict)
        and all(isinstance(claims.get(k), str) for k in ("s", "e", "l"))
        and claims.get("k") in _KINDS
        and isinstance(claims.get("x"), int)
        and 0 < claims["x"] < 2**40
    ):
        raise InvalidToken("malformed")
    return claims


def _mac(body: str, secret: str) -> bytes:
    key = hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()
    return hmac.new(key, body.encode(), hashlib.sha256).digest()
