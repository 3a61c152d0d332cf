"""The frozen results of parsing a command, and the ``Command`` union of them all."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from types import MappingProxyType
from typing import Literal, TypeAlias


@dataclass(frozen=True)
class UserRef:
    """A mentioned user: Slack ``U123ABC``, Teams ``29:1abc…`` or a console name."""

    user_id: str
    name: str | None = None


@dataclass(frozen=True)
class NewLead:
    company: str
    email: str
    name: str | None = None
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)


@dataclass(frozen=True)
class Fix:
    """``/lead fix <id> email=… company=… [name=…] [phone=…] [key=value…]``: a manager gives an
    unparsed lead its contact; other keys become the lead's fields."""

    lead_id: int
    company: str | None = None
    email: str | None = None
    name: str | None = None
    phone: str | None = None
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)


@dataclass(frozen=True)
class Claim:
    lead_id: int


@dataclass(frozen=True)
class Qualify:
    lead_id: int
    budget: str | None = None
    authority: str | None = None
    need: str | None = None
    timeline: str | None = None
    notes: str | None = None
    words_as_notes: bool = field(default=False, compare=False)
    """The notes are words typed without a ``key=`` (the answer says so); how it was typed,
    so not part of the command's value."""
    words_after: str | None = field(default=None, compare=False)
    """The ``key=`` those words came right after (``need=lead routing``): it may have meant
    them, and the answer shows how to quote them."""

    @property
    def open_form(self) -> bool:
        """Nothing was typed after the id, so the rep gets the qualification form instead."""
        given = (self.budget, self.authority, self.need, self.timeline, self.notes)
        return all(value is None for value in given)


@dataclass(frozen=True)
class Disqualify:
    lead_id: int
    reason: str


@dataclass(frozen=True)
class Handoff:
    lead_id: int
    target: UserRef | None = None
    to_qualifiers: bool = False
    """`/lead handoff L-5 qualifier`: a prospector's outbound lead into the qualifier rotation."""


@dataclass(frozen=True)
class LogMeeting:
    lead_id: int


@dataclass(frozen=True)
class LogProposal:
    lead_id: int
    status: Literal["requested", "presented"]


@dataclass(frozen=True)
class Won:
    lead_id: int
    amount: Decimal


@dataclass(frozen=True)
class Lost:
    lead_id: int
    reason: str


@dataclass(frozen=True)
class Expand:
    lead_id: int
    amount: Decimal


@dataclass(frozen=True)
class Churn:
    lead_id: int
    reason: str | None = None


@dataclass(frozen=True)
class Reassign:
    lead_id: int
    target: UserRef


@dataclass(frozen=True)
class Show:
    lead_id: int


@dataclass(frozen=True)
class Mine:
    pass


@dataclass(frozen=True)
class Decline:
    """The "Not mine" button, typed: hand the lead back to the rotation."""

    lead_id: int


@dataclass(frozen=True)
class Help:
    command: str


@dataclass(frozen=True)
class RotationShow:
    role: str | None = None


@dataclass(frozen=True)
class RotationAdd:
    user: UserRef
    role: str
    weight: int = 1
    cap: int | None = None
    pool: str | None = None
    max_open: int | None = None
    email: str | None = None
    """``email=``: the rep's email, which finds their owner in the CRM (HubSpot)."""


@dataclass(frozen=True)
class RotationOwner:
    """``/rotation owner @user <owner id or email>``: the rep's owner in the CRM (managers)."""

    user: UserRef
    owner: str


@dataclass(frozen=True)
class RotationMode:
    """``/rotation mode <pool> assigned|open``."""

    pool: str
    mode: str


@dataclass(frozen=True)
class RotationCredit:
    """``/rotation credit @user +N|-N <reason>``: positive moves the rep's next lead sooner."""

    user: UserRef
    leads: int
    reason: str
    pool: str | None = None


@dataclass(frozen=True)
class RotationPreview:
    """``/rotation preview <lead post text>``: who would get it now, changing nothing."""

    text: str


@dataclass(frozen=True)
class RotationRemove:
    user: UserRef
    role: str
    pool: str | None = None


@dataclass(frozen=True)
class RotationAway:
    """``user`` None means the person typing; ``until`` None means until they say they are back."""

    user: UserRef | None = None
    until: date | None = None


@dataclass(frozen=True)
class RotationBack:
    user: UserRef | None = None


@dataclass(frozen=True)
class RotationJoin:
    role: str


@dataclass(frozen=True)
class RotationLeave:
    role: str


@dataclass(frozen=True)
class RotationHours:
    """Working hours on the rep's wall clock; ``start``/``end`` None (and no days) clears them.

    ``end`` before ``start`` is a night shift, as :class:`routing.rotation.WorkingHours` reads it.
    """

    user: UserRef | None
    start: time | None
    end: time | None
    days: frozenset[int]


@dataclass(frozen=True)
class RotationCalendar:
    """``/rotation calendar [@user] <URL>|off``: a calendar feed (a secret); None clears it."""

    user: UserRef | None
    url: str | None


@dataclass(frozen=True)
class RotationBooking:
    """``/rotation booking [@user] <URL>|off``: a closer's booking link; None clears it."""

    user: UserRef | None
    url: str | None


@dataclass(frozen=True)
class Funnel:
    period: Literal["today", "week", "month", "days"] = "today"
    days: int | None = None


@dataclass(frozen=True)
class FunnelSpend:
    """``/funnel spend <source> <amount> [YYYY-MM]``; no source lists what was entered."""

    source: str | None = None
    amount: Decimal | None = None
    month: str | None = None
    """``YYYY-MM``; None: this month."""


@dataclass(frozen=True)
class FunnelCost:
    """``/funnel cost <role> <amount>/month [YYYY-MM]``; no role lists the costs entered."""

    role: str | None = None
    amount: Decimal | None = None
    month: str | None = None
    """From which month on; None: this month."""


@dataclass(frozen=True)
class LeadAmount:
    """``/lead amount <id> <amount>``: the open deal's expected value."""

    lead_id: int
    amount: Decimal


@dataclass(frozen=True)
class LeadErase:
    """``/lead erase <id>``: erase the lead's contact's details everywhere (managers)."""

    lead_id: int


@dataclass(frozen=True)
class LeadSlot:
    """``/lead slot <id> <1|2|3>``: book one of the closer's free times proposed at hand-off."""

    lead_id: int
    choice: int


@dataclass(frozen=True)
class LeadSlotAt:
    """A time button under a hand-off's reply: book the closer's free time starting at ``start``
    (aware UTC), named by its time rather than its number so a stale button cannot book another."""

    lead_id: int
    start: datetime


@dataclass(frozen=True)
class FunnelLink:
    """``/funnel link``: a personal dashboard link, answered only to the one who asked."""


Command: TypeAlias = (
    NewLead
    | Fix
    | Claim
    | Qualify
    | Disqualify
    | Handoff
    | LogMeeting
    | LogProposal
    | Won
    | Lost
    | Expand
    | Churn
    | Reassign
    | Show
    | Mine
    | Decline
    | Help
    | RotationShow
    | RotationAdd
    | RotationRemove
    | RotationAway
    | RotationBack
    | RotationJoin
    | RotationLeave
    | RotationHours
    | RotationCalendar
    | RotationBooking
    | RotationMode
    | RotationOwner
    | RotationCredit
    | RotationPreview
    | Funnel
    | FunnelLink
    | FunnelSpend
    | FunnelCost
    | LeadAmount
    | LeadErase
    | LeadSlot
    | LeadSlotAt
)
