"""HubSpot's answers as the CRM port's errors: what to do is decided by the kind, not here.

``hubspot-api-client`` raises a generated ``ApiException`` per API package (contacts, deals,
owners … each its own class), so they are read by shape: ``status``, ``body``, ``headers``.
Connection errors and timeouts come from urllib3 as they are.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from routing.crm.port import CrmError, CrmPaused, CrmRefused, CrmUnavailable

EXISTING_ID = re.compile(r"Existing ID: (\d+)")
"""HubSpot names the contact a create collided with only inside its 409 message."""
WINDOWS = {"SECONDLY": 1.0, "TEN_SECONDLY_ROLLING": 10.0}
"""Seconds to wait on a 429 of each ``policyName`` when no ``Retry-After`` says."""
BAD_TOKEN_WAIT = 300.0
"""A refused token is retried every five minutes: someone has to fix the setting."""


def status_of(err: BaseException) -> int | None:
    status = getattr(err, "status", None)
    return status if isinstance(status, int) else None


def body_of(err: BaseException) -> dict[str, Any]:
    """HubSpot's error body (every field optional), or {} when it is not JSON."""
    raw = getattr(err, "body", None)
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        data = json.loads(raw) if isinstance(raw, str) else None
    except (ValueError, RecursionError):
        return {}
    return data if isinstance(data, dict) else {}


def message_of(err: BaseException) -> str:
    body = body_of(err)
    message = body.get("message")
    status = status_of(err)
    if isinstance(message, str) and message:
        return f"HubSpot {status}: {message}"[:2000]
    return f"HubSpot {status}: {getattr(err, 'reason', None) or type(err).__name__}"


def existing_id(err: BaseException) -> str | None:
    """The contact id a 409 names (``Contact already exists. Existing ID: 123``)."""
    found = EXISTING_ID.search(str(body_of(err).get("message", "")))
    return found.group(1) if found else None


def _retry_after(err: BaseException) -> float | None:
    headers = getattr(err, "headers", None) or {}
    try:
        value = dict(headers).get("Retry-After") or dict(headers).get("retry-after")
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def translated(err: BaseException, now: datetime) -> CrmError:
    """The port's error for a failed call."""
    status = status_of(err)
    if status is None:
        return CrmUnavailable(f"HubSpot did not answer: {type(err).__name__}: {err}"[:2000])
    if status == 429:
        policy = str(body_of(err).get("policyName", ""))
        if policy == "DAILY":
            return CrmPaused(message_of(err), next_midnight(now))
        return CrmUnavailable(message_of(err), _retry_after(err) or WINDOWS.get(policy, 10.0))
    if status in (401, 403):
        return CrmUnavailable(message_of(err), BAD_TOKEN_WAIT)
    if status in (408, 423) or status >= 500:
        return CrmUnavailable(message_of(err), _retry_after(err))
    if status == 409:
        return Conflict(message_of(err), existing_id(err))
    category = str(body_of(err).get("category", "")) or f"HTTP {status}"
    return CrmRefused(message_of(err), kind=category)


def next_midnight(now: datetime) -> datetime:
    """The next UTC midnight. HubSpot resets the daily limit at the portal's midnight; if that is
    later, the first call after this one is refused again and the lane pauses once more."""
    day = now.astimezone(UTC).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


class Conflict(CrmRefused):
    """409: the record exists (a contact with this email HubSpot made, or Baton made before a
    crash); ``existing_id`` names it when HubSpot said."""

    def __init__(self, message: str, existing: str | None) -> None:
        super().__init__(message, kind="CONFLICT")
        self.existing_id = existing
