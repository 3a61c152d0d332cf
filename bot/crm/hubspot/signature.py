"""HubSpot's v3 request signature, checked on the raw bytes before anything is read.

``X-HubSpot-Signature-v3`` is the base64 HMAC-SHA256, keyed with the app's client secret, of
method + URI + body + ``X-HubSpot-Request-Timestamp`` (milliseconds); the URI is the public one
HubSpot called (``BATON_PUBLIC_URL`` + the path), with the characters HubSpot decodes decoded. A
timestamp more than five minutes away is refused, so a captured request cannot be replayed later
(developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

WINDOW_MS = 5 * 60 * 1000
SIGNATURE = "X-HubSpot-Signature-v3"
TIMESTAMP = "X-HubSpot-Request-Timestamp"
_DECODED = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}


def public_uri(public_url: str, path_qs: str) -> str:
    """The URI HubSpot signed: Baton's public base URL and the request's path and query."""
    uri = public_url.rstrip("/") + path_qs
    for encoded, char in _DECODED.items():
        uri = uri.replace(encoded, char).replace(encoded.lower(), char)
    return uri


def sign(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    source = method.encode() + uri.encode() + body + timestamp.encode()
    digest = hmac.new(secret.encode(), source, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verified(
    secret: str | None,
    method: str,
    uri: str,
    body: bytes,
    signature: str,
    timestamp: str,
    now: datetime,
) -> bool:
    """Whether HubSpot signed this very request within the last five minutes."""
    if not secret or not signature or not timestamp.isdigit() or len(timestamp) > 15:
        return False
    if abs(now.timestamp() * 1000 - int(timestamp)) > WINDOW_MS:
        return False
    expected = sign(secret, method, uri, body, timestamp)
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))
