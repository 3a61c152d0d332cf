"""The first meeting after a hand-off to a closer: who books it with which link, and what a
booking tool (cal.com) says was booked, cancelled or moved."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from routing.calendars.booking import prefilled
from routing.calendars.calcom import BookingChange, BookingEvent
from routing.calendars.feed import RepCalendar
from routing.calendars.invitation import ICS_TYPE, Person, invitation
from routing.calendars.meeting import Meeting, MeetingStatus
from routing.calendars.slots import MEETING, free_slots, still_free
from routing.chat.slots import SlotChoices, slot_choices, slot_label
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
from routing.usecases.rep_emails import calendar_address


@dataclass(frozen=True)
class Booking:
    """What the hand-off's messages say about the meeting."""

    reply: str
    """To the one handing off: the link to send the prospect, or the times to pick from."""
    closer_dm: str
    thread: str
    choices: SlotChoices | None = None
    """The free times as buttons under the reply (None with a booking link)."""


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
    return free_slots(
        calendar.busy, _holds(ctx, closer), zone(closer.timezone), closer.hours, ctx.now
    )


def _holds(ctx: Ctx, closer: Rep) -> list[tuple[datetime, datetime]]:
    return [
        (m.starts_at, m.starts_at + MEETING)
        for m in ctx.uow.meetings.held(closer.id or 0, ctx.now - MEETING)
        if m.starts_at is not None
    ]


def _proposals(
    ctx: Ctx, lead: Lead, closer: Rep, calendar: RepCalendar, sender: str
) -> Booking | None:
    slots = proposed_slots(ctx, closer, calendar)
    if not slots:
        return None
    choices = slot_choices(lead.id or 0, closer.timezone, slots)
    listed = ", ".join(f"{c.number}) {c.label}" for c in choices.choices)
    times = f"{closer.mention}'s free times for a first meeting: {listed} ({closer.timezone})"
    return Booking(
        reply=f"{times}. Pick one with the prospect: `/lead slot {lead.ref} 1`.",
        closer_dm=f"{times}; {sender} picks one with the prospect.",
        thread=f"First meeting: {sender} picks one of {closer.mention}'s free times.",
        choices=choices,
    )


def book_slot(ctx: Ctx, lead_id: int, choice: int) -> Outcome:
    """`/lead slot <id> <n>`: hold the closer's n-th free time, plan the meeting on the lead,
    tell the closer, and give the one who picked it an invitation to send."""
    lead, closer, handed = _pickable(ctx, lead_id)
    held = _held_for(ctx, lead, closer, handed)
    if held is not None:
        return _already(ctx, lead, closer, held)
    calendar = ctx.uow.calendars.get(closer.id or 0)
    slots = proposed_slots(ctx, closer, calendar) if calendar else []
    if choice > len(slots):
        raise InvalidInput(f"{lead.ref}'s closer has {len(slots)} free time(s) to propose now.")
    return _hold(ctx, lead, closer, handed, slots[choice - 1])


def book_slot_at(ctx: Ctx, lead_id: int, start: datetime) -> Outcome:
    """A time button: hold the closer's time starting at ``start`` as :func:`book_slot` does,
    once. A button clicked twice, or replayed, answers with the time held; a button gone stale
    (the time passed, or was taken in the closer's calendar or by another hand-off; the lead
    moved on) says so and holds nothing."""
    lead, closer, handed = _pickable(ctx, lead_id)
    held = _held_for(ctx, lead, closer, handed)
    if held is not None:
        return _already(ctx, lead, closer, held)
    label = slot_label(closer.timezone, start)
    again = f"`/lead slot {lead.ref} 1` books one of the free times now"
    if start <= ctx.now:
        raise InvalidInput(f"{label} has passed; {again}.")
    calendar = ctx.uow.calendars.get(closer.id or 0)
    if calendar is None or calendar.url is None or calendar.unknown(ctx.now):
        raise InvalidInput(f"{closer.mention}'s calendar is not known now: {label} cannot be held.")
    free = still_free(
        start, calendar.busy, _holds(ctx, closer), zone(closer.timezone), closer.hours, ctx.now
    )
    if not free:
        raise InvalidInput(f"{label} is no longer free in {closer.mention}'s time; {again}.")
    return _hold(ctx, lead, closer, handed, start)


def _pickable(ctx: Ctx, lead_id: int) -> tuple[Lead, Rep, list[datetime]]:
    """The lead, its closer and when it was handed off, once the actor may pick its time."""
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
    if closer is None:
        raise InvalidInput(f"{lead.ref} has no closer to meet.")
    return lead, closer, [e.at for e in handed]


def _held_for(ctx: Ctx, lead: Lead, closer: Rep, handed: list[datetime]) -> Meeting | None:
    """The time Baton holds for this lead since its last hand-off: one per hand-off."""
    since = handed[-1] if handed else None
    for meeting in ctx.uow.meetings.held(closer.id or 0, ctx.now - MEETING):
        mine = meeting.lead_id == lead.id and meeting.source == BATON
        if mine and (since is None or meeting.booked_at >= since):
            return meeting
    return None


def _already(ctx: Ctx, lead: Lead, closer: Rep, held: Meeting) -> Outcome:
    when = slot_label(closer.timezone, held.starts_at or ctx.now)
    return Outcome(
        f"{lead.ref}'s first meeting is already held for {when} ({closer.timezone}) with "
        f"{closer.mention}; its invitation went to whoever picked it.",
        card=ctx.card(lead),
        lead_id=lead.id,
        data={"status": "known"},
    )


def _hold(ctx: Ctx, lead: Lead, closer: Rep, handed: list[datetime], start: datetime) -> Outcome:
    uid = f"baton-{lead.ref}-{int(start.timestamp())}@baton"
    meeting = Meeting(
        uid,
        lead.id or 0,
        start,
        MeetingStatus.BOOKED,
        BATON,
        ctx.now,
        handed[-1] if handed else None,
        rep_id=closer.id,
    )
    if not ctx.uow.meetings.claim(meeting):
        return _already(ctx, lead, closer, ctx.uow.meetings.get(uid) or meeting)
    when = slot_label(closer.timezone, start)
    ctx.tell_thread(lead, f"{lead.ref}: meeting planned for {when} with {closer.mention}.")
    ctx.tell(
        closer.id,
        f"{lead.ref} ({lead.title}): first meeting planned for {when}, held in "
        f"your time by Baton; {ctx.actor.mention} sends the prospect the invitation.",
    )
    summary = f"{lead.company or lead.title} × {closer.name}: first meeting"
    calendar = ctx.uow.calendars.get(closer.id or 0)
    address = calendar_address(ctx.uow, closer.id or 0, calendar.url if calendar else None)
    ics = invitation(
        uid,
        start,
        summary,
        ctx.now,
        organizer=Person(closer.name, address),
        attendee=Person(lead.name or lead.company or lead.email or "", lead.email),
    )
    filename = f"meeting-{lead.ref}.ics"
    ctx.send_file(
        ctx.actor.id,
        f"{lead.ref}: the invitation for {when} ({closer.timezone}) with {closer.mention}, "
        "to send the prospect.",
        filename,
        ICS_TYPE,
        ics,
        lead,
    )
    return Outcome(
        f"Held {when} ({closer.timezone}) with {closer.mention} for {lead.ref}. I sent you the "
        f"invitation to send the prospect as {filename}.",
        card=ctx.card(lead),
        lead_id=lead.id,
        data={"ics": ics, "status": "held"},
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
    """The booking's lead: the one of the booking it cancels or moves when Baton knows it
    (cal.com's cancellation carries no ``metadata``, a reschedule only what its page's address
    carried), else the lead reference, else an attendee's email."""
    known_uid = event.previous_uid if event.change is BookingChange.RESCHEDULED else event.uid
    known = ctx.uow.meetings.get(known_uid) if known_uid else None
    if known is not None:
        try:
            return ctx.lead(known.lead_id, lock=True)
        except BatonError:
            pass
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
