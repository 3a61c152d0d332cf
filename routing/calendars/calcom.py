"""A cal.com webhook call read into a booking change (pure: the JSON already parsed).

cal.com posts ``{"triggerEvent", "createdAt", "payload": {uid, startTime, attendees[{email}],
metadata{…}, responses{…}, rescheduleUid|fromReschedule}}``. The lead is found by Baton's
reference in the booking's ``metadata.lead`` (the prefilled link put it there), else in a
response (``notes`` says "Baton lead L-42"), else by an attendee's email. Anything that is not a
booking Baton knows how to read is ignored, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from routing import limits


class BookingChange(StrEnum):
    CREATED = "BOOKING_CREATED"
    CANCELLED = "BOOKING_CANCELLED"
    RESCHEDULED = "BOOKING_RESCHEDULED"


@dataclass(frozen=True)
class BookingEvent:
    change: BookingChange
    uid: str
    starts_at: datetime | None
    sent_at: datetime | None
    lead_ref: str | None
    emails: tuple[str, ...]
    previous_uid: str | None = None


_LEAD_REF = re.compile(r"(?<![\w-])L-(\d{1,10})(?!\w)")
MAX_ATTENDEES = 20


def booking_event(body: object) -> BookingEvent | None:
    """The booking change in a webhook's JSON, or None when it is not one Baton reads."""
    if not isinstance(body, Mapping):
        return None
    try:
        change = BookingChange(str(body.get("triggerEvent", "")))
    except ValueError:
        return None
    payload = body.get("payload")
    if not isinstance(payload, Mapping):
        return None
    uid = _text(payload.get("uid"))
    if not uid:
        return None
    previous = _text(payload.get("rescheduleUid")) or _text(payload.get("fromReschedule"))
    return BookingEvent(
        change=change,
        uid=limits.fitted_key(uid),
        starts_at=_moment(payload.get("startTime")),
        sent_at=_moment(body.get("createdAt")),
        lead_ref=_lead_ref(payload),
        emails=_emails(payload.get("attendees")),
        previous_uid=limits.fitted_key(previous) if previous else None,
    )


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _moment(value: object) -> datetime | None:
    text = _text(value)[:40]
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _lead_ref(payload: Mapping[str, object]) -> str | None:
    metadata = payload.get("metadata")
    if isinstance(metadata, Mapping):
        found = _LEAD_REF.search(_text(metadata.get("lead"))[:40])
        if found:
            return f"L-{found[1]}"
    responses = payload.get("responses")
    texts = [_text(payload.get("description"))[:2000]]
    if isinstance(responses, Mapping):
        for answer in list(responses.values())[:50]:
            value = answer.get("value") if isinstance(answer, Mapping) else answer
            texts.append(_text(value)[:2000])
    for text in texts:
        found = _LEAD_REF.search(text) if "Baton lead" in text else None
        if found:
            return f"L-{found[1]}"
    return None


def _emails(attendees: object) -> tuple[str, ...]:
    if not isinstance(attendees, list):
        return ()
    found = []
    for attendee in attendees[:MAX_ATTENDEES]:
        email = _text(attendee.get("email")) if isinstance(attendee, Mapping) else ""
        if email and len(email) <= limits.EMAIL:
            found.append(email.lower())
    return tuple(found)
