"""The first meeting at a hand-off to a closer: who books it, and with which link."""

from __future__ import annotations

from dataclasses import dataclass

from routing.calendars.booking import prefilled
from routing.lead import Lead
from routing.team import Rep
from routing.usecases.context import Ctx


@dataclass(frozen=True)
class Booking:
    """What the hand-off's messages say about the meeting."""

    reply: str
    """To the one handing off: the link to send the prospect."""
    closer_dm: str
    thread: str


def booking_at_handoff(ctx: Ctx, lead: Lead, closer: Rep, sender: str) -> Booking | None:
    """The closer's booking link prefilled with the prospect, or None without a link."""
    calendar = ctx.uow.calendars.get(closer.id or 0)
    if calendar is None or not calendar.booking_url:
        return None
    link = prefilled(calendar.booking_url, lead.name or lead.company, lead.email, lead.ref)
    return Booking(
        reply=f"Send the prospect {closer.mention}'s booking link: {link}",
        closer_dm=f"{sender} sends the prospect your booking link: {link}",
        thread=f"First meeting: {sender} sends the prospect {closer.mention}'s booking link.",
    )
