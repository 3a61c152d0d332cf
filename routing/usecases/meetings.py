"""The first meeting after a hand-off to a closer: who books it with which link, and what a
booking tool (cal.com) says was booked, cancelled or moved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from routing.calendars.booking import prefilled
from routing.calendars.calcom import BookingChange, BookingEvent
from routing.calendars.feed import RepCalendar
from routing.calendars.invitation import invitation
from routing.calendars.meeting import Meeting, MeetingStatus
from routing.calendars.slots import MEETING, free_slots
from routing.clock import zone
from routing.commands import parse_lead_id
from routing.errors import BatonError, InvalidInput, NotAllowed
from routing.events import EventType
from routing.lead import Lead
from routing.rotation.hours import local_now
from routing.rotation.wording import DAYS, clock_text, day_and_date
from routing.stages import Stage
from routing.team import Rep
from routing.usecases.context import Ctx, Outcome


@dataclass(frozen=True)
class Booking:
    """What the hand-off's messages say about the meeting."""

    reply: str
    """To the one handing off: the link to send the prospect."""
    closer_dm: str
    thread: str


def booking_at_handoff(ctx: Ctx, lead: Lead, closer: Rep, sender: str) -> Booking | None:
    """The closer's booking link prefilled with the prospect; without one, three free times
    from the closer's calendar to pick from; None when Baton has neither."""
    calendar = ctx.uow.calendars.get(closer.id or 0)
    if calendar is None:
        return None
    if not calendar.booking_url:
        return _proposals(ctx, lead, closer, calendar, sender)
    link = prefilled(calendar.booking_url, lead.name or lead.company, lead.email, lead.ref)
    return Booking(
        reply=f"Send the prospect {closer.mention}'s booking link: {link}",
        closer_dm=f"{sender} sends the prospect your booking link: {link}",
        thread=f"First meeting: {sender} sends the prospect {closer.mention}'s booking link.",
    )


CALCOM = "calcom"
BATON = "baton"


def proposed_slots(ctx: Ctx, closer: Rep, calendar: RepCalendar) -> list[datetime]:
    """The closer's free times now (none while their calendar is unknown)."""
    if calendar.url is None or calendar.unknown(ctx.now):
        return []
    holds = [
        (m.starts_at, m.starts_at + MEETING)
        for m in ctx.uow.meetings.held(closer.id or 0, ctx.now - MEETING)
        if m.starts_at is not None
    ]
    return free_slots(calendar.busy, holds, zone(closer.timezone), closer.hours, ctx.now)


def _proposals(
    ctx: Ctx, lead: Lead, closer: Rep, calendar: RepCalendar, sender: str
) -> Booking | None:
    slots = proposed_slots(ctx, closer, calendar)
    if not slots:
        return None
    listed = ", ".join(f"{n}) {_slot_text(closer, s)}" for n, s in enumerate(slots, 1))
    times = f"{closer.mention}'s free times for a first meeting: {listed} ({closer.timezone})"
    return Booking(
        reply=f"{times}. Pick one with the prospect: `/lead slot {lead.ref} 1`.",
        closer_dm=f"{times}; {sender} picks one with the prospect.",
        thread=f"First meeting: {sender} picks one of {closer.mention}'s free times.",
    )


def _slot_text(rep: Rep, moment: datetime) -> str:
    local = local_now(rep.timezone, moment)
    return f"{day_and_date(local, with_year=False)} {clock_text(local.time())}"


def book_slot(ctx: Ctx, lead_id: int, choice: int) -> Outcome:
    """`/lead slot <id> <n>`: hold the closer's n-th free time, plan the meeting on the lead,
    tell the closer, and give the one who picked it an invitation to send."""
    lead = ctx.lead(lead_id)
    if lead.stage is not Stage.WITH_CLOSER:
        raise InvalidInput(
            f"{lead.ref} is not with a closer: a first meeting is booked after a hand-off."
        )
    handed = [e for e in ctx.uow.leads.events(lead.id or 0) if e.type is EventType.HANDED_OFF]
    sender = handed[-1].actor_id if handed else None
    if ctx.actor.id not in (lead.owner_id, sender) and not ctx.is_manager():
        raise NotAllowed(
            f"Only whoever handed {lead.ref} off, its closer or a manager books its meeting."
        )
    closer = ctx.rep(lead.owner_id)
    calendar = ctx.uow.calendars.get(lead.owner_id or 0)
    slots = proposed_slots(ctx, closer, calendar) if closer and calendar else []
    if choice > len(slots):
        raise InvalidInput(f"{lead.ref}'s closer has {len(slots)} free time(s) to propose now.")
    assert closer is not None
    start = slots[choice - 1]
    uid = f"baton-{lead.ref}-{int(start.timestamp())}@baton"
    ctx.uow.meetings.save(
        Meeting(
            uid,
            lead.id or 0,
            start,
            MeetingStatus.BOOKED,
            BATON,
            ctx.now,
            handed[-1].at if handed else None,
            rep_id=closer.id,
        )
    )
    when = _slot_text(closer, start)
    ctx.tell_thread(lead, f"{lead.ref}: meeting planned for {when} with {closer.mention}.")
    ctx.tell(
        closer.id,
        f"{lead.ref} ({lead.title}): first meeting planned for {when}, held in "
        f"your time by Baton; {ctx.actor.mention} sends the prospect the invitation.",
    )
    summary = f"{lead.company or lead.title} × {closer.name}: first meeting"
    ics = invitation(uid, start, summary, ctx.now)
    return Outcome(
        f"Held {when} ({closer.timezone}) with {closer.mention} for {lead.ref}. Send the prospect "
        f"this invitation (save it as meeting.ics):\n```\n{ics}```",
        lead_id=lead.id,
        data={"ics": ics},
    )


def calcom_event(ctx: Ctx, event: BookingEvent, delivery: str) -> Outcome:
    """A booking made, cancelled or moved on cal.com, on its lead, once per delivery and once
    per booking: a replayed call (same bytes) changes nothing."""
    if not ctx.uow.deliveries.claim(CALCOM, delivery, ctx.now):
        return Outcome("A delivery seen before.", data={"status": "duplicate"})
    lead = _lead_of(ctx, event)
    if lead is None:
        return Outcome("No lead for this booking.", data={"status": "unmatched"})
    match event.change:
        case BookingChange.CREATED:
            return _booked(ctx, lead, event, "booked")
        case BookingChange.CANCELLED:
            return _cancelled(ctx, lead, event)
        case BookingChange.RESCHEDULED:
            old = ctx.uow.meetings.get(event.previous_uid) if event.previous_uid else None
            if old is not None and old.status is MeetingStatus.BOOKED:
                old.status = MeetingStatus.MOVED
                ctx.uow.meetings.save(old)
            return _booked(ctx, lead, event, "moved" if old else "booked")


def _lead_of(ctx: Ctx, event: BookingEvent) -> Lead | None:
    if event.lead_ref is not None:
        try:
            return ctx.lead(parse_lead_id(event.lead_ref), lock=True)
        except BatonError:
            pass
    for email in event.emails:
        found = ctx.uow.leads.find_open_match(email, None)
        if found is not None and found.id is not None:
            return ctx.lead(found.id, lock=True)
    return None


def _booked(ctx: Ctx, lead: Lead, event: BookingEvent, how: str) -> Outcome:
    if ctx.uow.meetings.get(event.uid) is not None:
        return Outcome("This booking is known.", data={"status": "known"})
    meeting = Meeting(
        uid=event.uid,
        lead_id=lead.id or 0,
        starts_at=event.starts_at,
        status=MeetingStatus.BOOKED,
        source=CALCOM,
        booked_at=ctx.now,
        handed_off_at=_handed_off_at(ctx, lead),
    )
    ctx.uow.meetings.save(meeting)
    when = _when(ctx, event.starts_at)
    said = f"meeting booked for {when}" if how == "booked" else f"meeting moved to {when}"
    ctx.tell_thread(lead, f"{lead.ref}: {said}.")
    ctx.tell(lead.owner_id, f"{lead.ref} ({lead.title}): {said}.")
    return Outcome(f"{lead.ref}: {said}.", lead_id=lead.id, data={"status": how})


def _cancelled(ctx: Ctx, lead: Lead, event: BookingEvent) -> Outcome:
    meeting = ctx.uow.meetings.get(event.uid)
    if meeting is None or meeting.status is not MeetingStatus.BOOKED:
        return Outcome("No booked meeting to cancel.", data={"status": "unknown"})
    meeting.status = MeetingStatus.CANCELLED
    ctx.uow.meetings.save(meeting)
    said = f"meeting for {_when(ctx, meeting.starts_at)} cancelled"
    ctx.tell_thread(lead, f"{lead.ref}: {said}.")
    ctx.tell(lead.owner_id, f"{lead.ref} ({lead.title}): {said}.")
    return Outcome(f"{lead.ref}: {said}.", lead_id=lead.id, data={"status": "cancelled"})


def _handed_off_at(ctx: Ctx, lead: Lead) -> datetime | None:
    handed = [e.at for e in ctx.uow.leads.events(lead.id or 0) if e.type is EventType.HANDED_OFF]
    return max(handed) if handed else None


def _when(ctx: Ctx, moment: datetime | None) -> str:
    """``Tue 10:30`` on the team's clock (``Tue 8 Dec 10:30`` when not within a week)."""
    if moment is None:
        return "a time cal.com did not say"
    local = local_now(ctx.config.timezone, moment)
    day = DAYS[local.weekday()]
    if not timedelta(0) <= moment - ctx.now < timedelta(days=6):
        day = day_and_date(
            local, with_year=local.year != local_now(ctx.config.timezone, ctx.now).year
        )
    return f"{day} {clock_text(local.time())}"
