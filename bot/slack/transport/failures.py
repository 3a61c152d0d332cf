"""Slack's failures sorted into "try again later" and "give up", for every call the outbox makes.

One module below the notifier and the digest lookup, so both sort a ``SlackApiError`` the same
way without importing each other.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.outbox.port import PermanentDeliveryError, TransientDeliveryError

DEFAULT_RETRY_AFTER = 1.0
TRANSIENT_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def delivery_error(err: SlackApiError) -> Exception:
    """429 and 5xx (and Slack's "try later" errors) come back; anything else is a refusal."""
    response = err.response
    code = getattr(response, "status_code", 0) or 0
    error = str(response.get("error", "")) if response is not None else ""
    if code == 429 or error == "ratelimited":
        return TransientDeliveryError(f"Slack rate limit: {error}", retry_after=_retry_after(err))
    if code >= 500 or error in TRANSIENT_ERRORS:
        return TransientDeliveryError(f"Slack {code}: {error or 'server error'}")
    return PermanentDeliveryError(f"Slack refused ({code} {error})")


def _retry_after(err: SlackApiError) -> float:
    headers = getattr(err.response, "headers", None) or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return max(0.0, float(value)) if value is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER
