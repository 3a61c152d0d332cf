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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

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
    body = f"{VERSION}.{encode_part(json.dumps(claims, separators=(',', ':')).encode())}"
    return f"{body}.{encode_part(_mac(body, secret))}"


def verify(token: str | None, secret: str, now: datetime) -> Grant:
    """The grant inside ``token``; :class:`InvalidToken` when it is missing, forged or expired."""
    if not token:
        raise InvalidToken("missing")
    if len(token) > MAX_TOKEN_CHARS or not token.isascii():
        raise InvalidToken("malformed")
    body, _, signature = token.rpartition(".")
    if not body.startswith(f"{VERSION}.") or body.count(".") != 1:
        raise InvalidToken("malformed")
    if not hmac.compare_digest(signature.encode(), encode_part(_mac(body, secret)).encode()):
        raise InvalidToken("bad signature")
    subject, expiry = _claims(body.partition(".")[2])
    expires = datetime.fromtimestamp(expiry, UTC)
    if now >= expires:
        raise InvalidToken("expired")
    return Grant(subject, expires)


def _claims(payload: str) -> tuple[str, int]:
    """Decoded signed claims; a signed but odd payload (an old format) is still refused cleanly."""
    try:
        claims = json.loads(decode_part(payload))
    except (ValueError, binascii.Error):
        raise InvalidToken("malformed") from None
    if not (
        isinstance(claims, dict)
        and isinstance(claims.get("sub"), str)
        and isinstance(claims.get("exp"), int)
    ):
        raise InvalidToken("malformed")
    subject, expiry = claims["sub"], claims["exp"]
    if not 0 < expiry < 2**40:
        raise InvalidToken("malformed")
    return subject, expiry


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _CONTEXT, hashlib.sha256).digest()


def _mac(body: str, secret: str) -> bytes:
    return hmac.new(_key(secret), body.encode(), hashlib.sha256).digest()


def encode_part(raw: bytes) -> str:
    """Unpadded base64url, as a token's parts are written."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_part(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
