"""The free times proposed at a hand-off, as buttons: decided once here, laid out by each platform.

A hand-off with no booking link offers the closer's free times (:mod:`routing.calendars.slots`).
Each becomes a button labelled with the time on the closer's clock (``Tue 8 Dec 10:30``) that
carries the lead and the slot's start, not its number: the proposals move on as the calendar
changes and others book, so a click names the very time it showed, and the domain checks that
time is still free (a stale button is answered, never acted on blindly). The typed fallback
``/lead slot L-12 1`` stays on every platform and is said next to the buttons.

Wire value: ``L-12@1764931800`` (the start as Unix seconds, UTC). Slack carries it as the button's
``value`` under ``action_id`` ``slot:<n>``; Teams as ``{"baton": "slot", "lead": 12, "start":
1764931800}``. Buttons stored in an old message are read the same way whatever came since.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from routing.commands.types import LeadSlotAt
from routing.commands.words import parse_lead_id
from routing.errors import UsageError
from routing.lead import format_lead_id
from routing.notices import SLOT_CHOICES, Notice
from routing.rotation.hours import as_utc, local_now
from routing.rotation.wording import clock_text, day_and_date

__all__ = [
    "SLOT_ACTION",
    "SLOT_USAGE",
    "SlotChoice",
    "SlotChoices",
    "notice_slots",
    "slot_button_command",
    "slot_choices",
    "slot_command",
    "slot_label",
    "slot_value",
]

SLOT_ACTION = "slot"
"""The word a slot button carries (Teams ``baton``, Slack's ``action_id`` prefix ``slot:``)."""
SLOT_USAGE = "/lead slot <id> 1|2|3"

_VALUE_LENGTH = 64
"""Longer than any value Baton puts on a button: anything longer is cut before it is read."""
_FIRST_START = 946_684_800  # 2000-01-01: a start before it is no button of Baton's
_LAST_START = 4_102_444_800  # 2100-01-01


@dataclass(frozen=True)
class SlotChoice:
    """One proposed time: its number in the typed fallback, its start (aware UTC), its label."""

    number: int
    start: datetime
    label: str


@dataclass(frozen=True)
class SlotChoices:
    """The times offered for a lead's first meeting, in the closer's zone."""

    lead_id: int
    timezone: str
    choices: tuple[SlotChoice, ...]

    @property
    def ref(self) -> str:
        return format_lead_id(self.lead_id)

    @property
    def prompt(self) -> str:
        """What stands above the buttons."""
        return f"Pick a time with the prospect ({self.timezone}):"

    @property
    def typed(self) -> str:
        """The fallback where there are no buttons (or they fail): ``/lead slot L-12 1``."""
        return f"or type `/lead slot {self.ref} 1`"

    def value(self, choice: SlotChoice) -> str:
        return slot_value(self.lead_id, choice.start)

    def as_data(self) -> dict[str, Any]:
        """As stored with a queued message (JSON)."""
        return {
            "lead": self.lead_id,
            "timezone": self.timezone,
            "starts": [int(choice.start.timestamp()) for choice in self.choices],
        }

    @classmethod
    def from_data(cls, data: object) -> SlotChoices | None:
        """Read back :meth:`as_data`; None for anything else (a message of another version)."""
        if not isinstance(data, Mapping):
            return None
        lead, timezone, starts = data.get("lead"), data.get("timezone"), data.get("starts")
        if not isinstance(lead, int) or not isinstance(timezone, str):
            return None
        if not isinstance(starts, list) or not all(_plausible(s) for s in starts):
            return None
        moments = [datetime.fromtimestamp(s, UTC) for s in starts]
        return slot_choices(lead, timezone, moments)


def notice_slots(notice: Notice) -> SlotChoices | None:
    """The free times a queued message offers, if any."""
    return SlotChoices.from_data(notice.data.get(SLOT_CHOICES))


def slot_label(timezone: str, start: datetime) -> str:
    """``Tue 8 Dec 10:30`` on the clock of ``timezone``."""
    local = local_now(timezone, start)
    return f"{day_and_date(local, with_year=False)} {clock_text(local.time())}"


def slot_choices(lead_id: int, timezone: str, starts: Sequence[datetime]) -> SlotChoices:
    """The buttons for ``starts`` (in time order, as proposed), numbered from 1."""
    choices = tuple(
        SlotChoice(number, as_utc(start), slot_label(timezone, start))
        for number, start in enumerate(starts, 1)
    )
    return SlotChoices(lead_id, timezone, choices)


def slot_value(lead_id: int, start: datetime) -> str:
    """``L-12@1764931800``: what a button carries."""
    return f"{format_lead_id(lead_id)}@{int(as_utc(start).timestamp())}"


def slot_command(lead: object, start: object) -> LeadSlotAt:
    """The command a slot button stands for, from its lead and start as a platform carried them
    (text or numbers, untrusted): a UsageError for anything that is not a button of Baton's."""
    lead_id = parse_lead_id(str(lead if lead is not None else ""), SLOT_USAGE)
    seconds = _seconds(start)
    if seconds is None:
        raise UsageError("That time button is not one of Baton's", SLOT_USAGE)
    return LeadSlotAt(lead_id, datetime.fromtimestamp(seconds, UTC))


def slot_button_command(value: object) -> LeadSlotAt:
    """The command of a button value ``L-12@1764931800`` (Slack's)."""
    text = str(value if value is not None else "")[:_VALUE_LENGTH]
    lead, _, start = text.partition("@")
    return slot_command(lead, start)


def _seconds(start: object) -> int | None:
    if isinstance(start, bool):
        return None
    if isinstance(start, int):
        seconds = start
    elif isinstance(start, str) and _ascii_digits(start.strip()) and len(start.strip()) <= 11:
        seconds = int(start.strip())
    else:
        return None
    return seconds if _plausible(seconds) else None


def _ascii_digits(text: str) -> bool:
    """``0``–``9`` only: :meth:`str.isdigit` (and :func:`int`) also take ``١٧٦٤`` and ``²``,
    which no button of Baton's carries."""
    return text.isascii() and text.isdigit()


def _plausible(seconds: object) -> bool:
    return (
        isinstance(seconds, int)
        and not isinstance(seconds, bool)
        and _FIRST_START <= seconds < _LAST_START
    )
