"""Slack's request signature, checked on the raw bytes before anything reads them.

``X-Slack-Signature`` is ``v0=`` + HMAC-SHA256(signing secret, ``v0:<timestamp>:<raw body>``) and
``X-Slack-Request-Timestamp`` the Unix time Slack signed it at. Bolt's own check runs ``int()`` on
the timestamp and raises on ``abc`` or ``12.5``; this one answers "unverified" for every header
it cannot read, so an unverifiable request never reaches a parser, a handler or a ``response_url``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

from routing import limits

MAX_AGE_SECONDS = limits.SIGNATURE_WINDOW_SECONDS
"""Slack's replay window: a request signed longer ago (or ahead) than this is refused."""
TIMESTAMP_HEADER = "X-Slack-Request-Timestamp"
SIGNATURE_HEADER = "X-Slack-Signature"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
"""ASCII digits only: ``str.isdigit`` and ``int()`` also take ``١٢`` and ``1_000``."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def unverified_because(
    secret: str, headers: Mapping[str, str], body: bytes, now: float
) -> str | None:
    """Why this request is not verifiably from Slack, or None when it is."""
    if not secret:
        return "no signing secret is configured"
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    given = headers.get(SIGNATURE_HEADER, "")
    if not _TIMESTAMP.fullmatch(timestamp):
        return "the timestamp header is missing or not a whole number"
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return "the timestamp is outside the 5-minute window"
    expected = sign(secret, timestamp, body).encode("ascii")
    if not hmac.compare_digest(expected, given.encode("utf-8", "replace")):
        return "the signature does not match"
    return None
