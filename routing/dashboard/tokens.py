"""Dashboard link tokens: who, until when, signed with HMAC-SHA256 by a server secret.

A token is ``v1.<payload>.<signature>``, both parts unpadded base64url; the payload is the JSON
``{"sub": "slack:U123", "exp": 1767225600}``. The signature covers ``v1.<payload>`` and is
checked on those raw bytes before the payload is decoded, so nothing unsigned is ever parsed.
The key is derived from the secret with a context string, so a secret shared with another use
can never mint a dashboard token there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from routing.errors import BatonError

VERSION = "v1"
LINK_LIFETIME = timedelta(hours=24)
MAX_TOKEN_CHARS = 600  # TODO(routing/limits.py): move there once the limits module lands
MAX_SUBJECT_CHARS = 300
_CONTEXT = b"baton-dashboard-link-v1"


class InvalidToken(BatonError):
    """A missing, malformed, forged or expired link; ``why`` says which, for the logs."""

    def __init__(self, why: str) -> None:
        super().__init__(f"This dashboard link is not valid ({why}).")
        self.why = why


@dataclass(frozen=True)
class Grant:
    """What a verified token says: the user (``platform:id``) and when the link expires."""

    subject: str
    expires: datetime


def sign(subject: str, expires: datetime, secret: str) -> str:
    """The token for ``subject`` valid until ``expires`` (aware), signed with ``secret``."""
    if not subject or len(subject) > MAX_SUBJECT_CHARS:
        raise ValueError("a token's subject is 1 to 300 characters")
    claims = {"sub": subject, "exp": int(expires.timestamp())}
    return signed(VERSION, claims, _CONTEXT, secret)


def verify(token: str | None, secret: str, now: datetime) -> Grant:
    """The grant inside ``token``; :class:`InvalidToken` when it is missing, forged or expired."""
    if not token:
        raise InvalidToken("missing")
    claims = signed_claims(token, VERSION, _CONTEXT, secret, MAX_TOKEN_CHARS)
    if not (isinstance(claims.get("sub"), str) and _expiry(claims) is not None):
        raise InvalidToken("malformed")
    expires = datetime.fromtimestamp(claims["exp"], UTC)
    if now >= expires:
        raise InvalidToken("expired")
    return Grant(claims["sub"], expires)


def signed(version: str, claims: Mapping[str, Any], context: bytes, secret: str) -> str:
    """``<version>.<claims as JSON>.<HMAC-SHA256>``, both parts unpadded base64url, keyed by
    ``secret`` derived for ``context`` (one use's tokens never pass for another's)."""
    body = f"{version}.{_encode(json.dumps(claims, separators=(',', ':')).encode())}"
    return f"{body}.{_encode(_mac(body, context, secret))}"


def signed_claims(token: str, version: str, context: bytes, secret: str, limit: int) -> Any:
    """The claims of a :func:`signed` token, a JSON object; :class:`InvalidToken` when it is
    too long, not ASCII, of another version or use, forged, or not an object. The signature is
    checked on the raw bytes before anything is decoded."""
    if len(token) > limit or not token.isascii():
        raise InvalidToken("malformed")
    body, _, signature = token.rpartition(".")
    if not body.startswith(f"{version}.") or body.count(".") != 1:
        raise InvalidToken("malformed")
    expected = _encode(_mac(body, context, secret))
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise InvalidToken("bad signature")
    try:
        claims = json.loads(_decode(body.partition(".")[2]))
    except (ValueError, binascii.Error):
        raise InvalidToken("malformed") from None
    if not isinstance(claims, dict):
        raise InvalidToken("malformed")
    return claims


def _expiry(claims: Mapping[str, Any]) -> int | None:
    """The ``exp`` claim when it is a plausible Unix time (a signed odd payload is refused)."""
    expiry = claims.get("exp")
    return expiry if isinstance(expiry, int) and 0 < expiry < 2**40 else None


def _mac(body: str, context: bytes, secret: str) -> bytes:
    key = hmac.new(secret.encode(), context, hashlib.sha256).digest()
    return hmac.new(key, body.encode(), hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
