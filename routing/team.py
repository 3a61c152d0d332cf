"""The team: reps, the pools they rotate in, and how a rep is named in a message."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

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


@dataclass(frozen=True)
class Pool:
    name: str
    role: Role


@dataclass
class Membership:
    pool: str
    rep: Rep
    weight: int = 1
    cap: int | None = None
    credit: int = 0
    position: int = 0
    assigned_on: date | None = None
    assigned_count: int = 0

    @property
    def rep_id(self) -> int:
        return self.rep.id or 0

    def candidate(self) -> Candidate:
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
            assigned_on=self.assigned_on,
            assigned_count=self.assigned_count,
        )


_MENTION = re.compile(r"<rep:(\d+)\|([^>]*)>")


def mention_token(rep_id: int, name: str) -> str:
    return f"<rep:{rep_id}|{name.replace('>', '')}>"


def render_mentions(text: str, render: Callable[[int, str], str]) -> str:
    """Replace every mention token with ``render(rep_id, name)``."""
    return _MENTION.sub(lambda m: render(int(m.group(1)), m.group(2)), text)


def plain_mentions(text: str) -> str:
    return render_mentions(text, lambda _id, name: f"@{name}")
