"""The team: reps, the pools they rotate in, and how a rep is named in a message."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from routing.roles import Platform, Role
from routing.rotation import Candidate, WorkingHours


@dataclass
class Rep:
    platform: Platform
    user_id: str
    name: str
    timezone: str = "UTC"
    is_manager: bool = False
    away_until: datetime | None = None
    hours: WorkingHours | None = None
    away_note: str | None = None
    """Why the rep is away when it was not their own `/rotation away` (their Slack status)."""
    away_status: str | None = None
    """The chat status Baton last acted on, so it is not applied again after `/rotation back`."""
    id: int | None = None

    @property
    def mention(self) -> str:
        """A platform-neutral mention token; each renderer turns it into its own form."""
        return mention_token(self.id or 0, self.name)


class ClaimMode(StrEnum):
    """Who may claim a lead the rotation assigned and nobody has claimed yet."""

    ASSIGNED = "assigned"
    """Only the assignee (or a manager): no cherry-picking from a colleague's list."""
    OPEN = "open"
    """Any member of the pool: the first to claim wins, and the assignee is told."""


@dataclass(frozen=True)
class Pool:
    name: str
    role: Role
    claim_mode: ClaimMode | None = None
    """Set by `/rotation mode`; ``None``: the rules file's mode, else ``assigned``."""


@dataclass
class Membership:
    """A rep's place in one pool; ``credit``, ``seated`` and ``held`` are the rotation's state
    (see :mod:`routing.rotation.fairness`), ``note`` the last manual credit's reason."""

    pool: str
    rep: Rep
    weight: int = 1
    cap: int | None = None
    credit: int = 0
    position: int = 0
    max_open: int | None = None
    seated: bool = False
    held: int = 0
    last_assigned_at: datetime | None = None
    note: str | None = None

    @property
    def rep_id(self) -> int:
        return self.rep.id or 0

    def candidate(
        self, received_today: int | None = None, open_leads: int | None = None
    ) -> Candidate:
        return Candidate(
            rep_id=self.rep_id,
            name=self.rep.name,
            weight=self.weight,
            credit=self.credit,
            position=self.position,
            timezone=self.rep.timezone,
            away_until=self.rep.away_until,
            away_note=self.rep.away_note,
            hours=self.rep.hours,
            cap=self.cap,
            received_today=received_today,
            max_open=self.max_open,
            open_leads=open_leads,
            seated=self.seated,
            held=self.held,
            last_assigned_at=self.last_assigned_at,
            note=self.note,
        )


_MENTION = re.compile(r"<rep:(\d+)\|([^>]*)>")


def mention_token(rep_id: int, name: str) -> str:
    return f"<rep:{rep_id}|{name.replace('>', '')}>"


def render_mentions(text: str, render: Callable[[int, str], str]) -> str:
    """Replace every mention token with ``render(rep_id, name)``."""
    return _MENTION.sub(lambda m: render(int(m.group(1)), m.group(2)), text)


def plain_mentions(text: str) -> str:
    return render_mentions(text, lambda _id, name: f"@{name}")


@dataclass(frozen=True)
class RotationEvent:
    """A change to a rep's place in a pool made by a person, kept for the record."""

    pool: str
    rep_id: int
    at: datetime
    actor_id: int | None
    kind: str
    amount: int
    reason: str
