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

from datetime import datetime, timedelta

from routing.dashboard.tokens import InvalidToken, signed, signed_claims
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
        "exp": int(expires.timestamp()),
    }
    return signed(VERSION, claims, _CONTEXT, secret)


def verify_chart(token: str, secret: str, now: datetime) -> Period:
    """The period a chart token names; :class:`InvalidToken` when it is malformed, forged or
    expired. Nothing of the payload is decoded before its signature is checked."""
    claims = signed_claims(token, VERSION, _CONTEXT, secret, MAX_CHART_TOKEN_CHARS)
    expiry = claims.get("exp")
    shaped = all(isinstance(claims.get(k), str) for k in ("s", "e", "l"))
    if not (shaped and claims.get("k") in _KINDS and isinstance(expiry, int) and expiry > 0):
        raise InvalidToken("malformed")
    if now.timestamp() >= expiry:
        raise InvalidToken("expired")
    try:
        start, end = datetime.fromisoformat(claims["s"]), datetime.fromisoformat(claims["e"])
        return Period(start, end, claims["l"], claims["k"])
    except ValueError:
        raise InvalidToken("malformed") from None
