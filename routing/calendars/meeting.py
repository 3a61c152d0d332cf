"""A first meeting booked for a lead after its hand-off (by cal.com, or a slot Baton proposed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class MeetingStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"
    MOVED = "moved"
    """Rescheduled: the booking that replaced it carries the new time."""


@dataclass
class Meeting:
    uid: str
    lead_id: int
    starts_at: datetime | None
    status: MeetingStatus
    source: str
    """``calcom``, or ``baton`` for a slot Baton proposed and a qualifier picked."""
    booked_at: datetime
    handed_off_at: datetime | None = None
    """When the lead was handed to its closer: hand-off → meeting is measured from here."""
    rep_id: int | None = None
    """The closer whose time a slot Baton proposed holds."""
