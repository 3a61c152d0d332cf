"""Who can take a lead right now, and if not, why: away, outside hours, at the cap, too busy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum

from routing.errors import InvalidInput
from routing.rotation.hours import (
    AWAY_FOREVER_YEAR,
    WorkingHours,
    as_utc,
    local_now,
    zone_label,
)
from routing.rotation.wording import clock_text, day_and_date

SCALE = 1_000_000
"""Credit is counted in millionths of a lead, so shares of a lead stay exact integers."""


class SkipReason(StrEnum):
    """Why a rep sat out a turn; the digest counts them by these names."""

    AWAY = "away"
    HOURS = "hours"
    CAP = "cap"
    OPEN_LIMIT = "open_limit"


@dataclass(frozen=True)
class Candidate:
    """One member of a pool as the rotation sees them at the moment of a pick.

    ``credit`` is the rep's lag behind their fair share, in 1/``SCALE`` leads: every turn they
    could take adds their weighted share of that lead, every lead they get takes one away.
    ``seated``: they could take the previous turn (so their credit is current); ``held``: the
    part of a positive credit a manager granted, which survives an absence. ``received_today``
    counts every lead that reached them on their local day, however it came; ``open_leads``
    those they hold assigned or working. Both are ``None`` when no limit needs them.
    """

    rep_id: int
    name: str
    weight: int
    credit: int
    position: int
    timezone: str
    away_until: datetime | None = None
    away_note: str | None = None
    """Why they are away when it is not their own `/rotation away` (their chat status)."""
    hours: WorkingHours | None = None
    cap: int | None = None
    received_today: int | None = None
    max_open: int | None = None
    open_leads: int | None = None
    seated: bool = True
    held: int = 0
    last_assigned_at: datetime | None = None
    note: str | None = None

    def __post_init__(self) -> None:
        if self.weight < 1:
            raise InvalidInput(f"{self.name}'s weight must be at least 1, not {self.weight}.")
        if self.cap is not None and self.cap < 0:
            raise InvalidInput(f"{self.name}'s daily cap can't be negative ({self.cap}).")
        if self.max_open is not None and self.max_open < 0:
            raise InvalidInput(f"{self.name}'s open-lead limit can't be negative.")


def _away(candidate: Candidate, now: datetime) -> str | None:
    if candidate.away_until is None or as_utc(now) >= as_utc(candidate.away_until):
        return None
    note = candidate.away_note
    if candidate.away_until.year >= AWAY_FOREVER_YEAR:
        return f"away ({note})" if note else "away until they're back"
    back = local_now(candidate.timezone, candidate.away_until)
    other_year = back.year != local_now(candidate.timezone, now).year
    when = day_and_date(back, with_year=other_year)
    if back.time() != time(0, 0):
        when = f"{when} {clock_text(back.time())}"
    return f"away ({note} until {when})" if note else f"away until {when}"


def _hours(candidate: Candidate, now: datetime) -> str | None:
    hours = candidate.hours
    if hours is None or hours.contains(local_now(candidate.timezone, now)):
        return None
    return f"outside working hours ({hours.describe()}, {zone_label(candidate.timezone)})"


def _cap(candidate: Candidate, now: datetime) -> str | None:
    if candidate.cap is None:
        return None
    count = candidate.received_today or 0
    return f"at daily cap {count}/{candidate.cap}" if count >= candidate.cap else None


def _open_limit(candidate: Candidate, now: datetime) -> str | None:
    if candidate.max_open is None:
        return None
    count = candidate.open_leads or 0
    if count < candidate.max_open:
        return None
    return f"{count} open lead{'' if count == 1 else 's'} (limit {candidate.max_open})"


_CHECKS = (
    (SkipReason.AWAY, _away),
    (SkipReason.HOURS, _hours),
    (SkipReason.CAP, _cap),
    (SkipReason.OPEN_LIMIT, _open_limit),
)


def skip_reason(c: Candidate, now: datetime) -> tuple[SkipReason, str] | None:
    """Why ``c`` can't take a lead at ``now`` (the kind, and words for chat), or ``None``.

    Away beats working hours beats the cap beats the open-lead limit: the first reason is the
    one a person acts on.
    """
    for kind, check in _CHECKS:
        words = check(c, now)
        if words is not None:
            return kind, words
    return None


def unavailable_reason(c: Candidate, now: datetime) -> str | None:
    """Why ``c`` can't take a lead at ``now``, in words for chat, or ``None`` when they can."""
    found = skip_reason(c, now)
    return found[1] if found else None
