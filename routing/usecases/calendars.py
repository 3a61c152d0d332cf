"""Reps' calendars: set a feed or a booking link, take in what a fetch read, and keep the
rotation in step — away for an away period, back (level, as `/rotation back`) when it ends early.

A failed fetch changes nobody: the last good reading keeps counting for 24 hours, then the
calendar is unknown and the rep available (as HubSpot treats a disconnected calendar); the rep
and managers are told once. A rep's own `/rotation back` overrides the calendar for the rest of
that period (``overridden_key``); an away set by hand or by a chat status is left alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from routing.calendars import (
    CALENDAR_NOTE,
    AwayPeriod,
    DueFeed,
    FetchResult,
    RepCalendar,
    away_periods,
    current_period,
)
from routing.calendars.feed import STALE_AFTER, WINDOW_AFTER, WINDOW_BEFORE
from routing.clock import zone
from routing.commands import UserRef
from routing.commands.web_address import mask
from routing.rotation.hours import as_utc, local_now
from routing.rotation.wording import DAYS, clock_text, day_and_date
from routing.team import Rep
from routing.usecases.context import Ctx, Outcome
from routing.usecases.rep_emails import known_addresses
from routing.usecases.team import return_to_rotation, subject

REREAD_AFTER = timedelta(hours=12)
"""A feed is read in full (no validators) at least this often, so its window moves on."""


def set_calendar(ctx: Ctx, user: UserRef | None, url: str | None) -> Outcome:
    """`/rotation calendar [@user] <URL>|off` (the rep, or a manager for anyone)."""
    rep = subject(ctx, user, "set someone else's calendar")
    calendar = ctx.uow.calendars.get(rep.id or 0) or RepCalendar(rep.id or 0)
    whose = "your" if rep.id == ctx.actor.id else f"{rep.mention}'s"
    if url is None:
        _forget_feed(calendar)
        ctx.uow.calendars.save(calendar)
        back = ""
        if _away_by_calendar(ctx, rep):
            drained = return_to_rotation(ctx, rep)
            back = f" {'You are' if rep.id == ctx.actor.id else 'They are'} back in the rotation."
            back += drained
        return Outcome(f"Calendar feed removed from {whose} profile.{back}")
    if calendar.url == url:
        # the same address again (pasted twice): its reading still holds; read it again now
        # rather than forgetting it, which would bring a rep away by it back until the read
        calendar.checked_at = None
    else:
        _forget_feed(calendar)
        calendar.url = url
    ctx.uow.calendars.save(calendar)
    minutes = ctx.config.calendar_refresh_minutes
    return Outcome(
        f"Calendar feed set for {whose} profile: {mask(url)}. Baton reads it now and every "
        f"{minutes} min; whole working days out of office there keep "
        f"{'you' if rep.id == ctx.actor.id else 'them'} out of the rotation. "
        "Event titles are never shown to anyone."
    )


def set_booking(ctx: Ctx, user: UserRef | None, url: str | None) -> Outcome:
    """`/rotation booking [@user] <URL>|off`: the link a hand-off sends to book a meeting."""
    rep = subject(ctx, user, "set someone else's booking link")
    calendar = ctx.uow.calendars.get(rep.id or 0) or RepCalendar(rep.id or 0)
    calendar.booking_url = url
    ctx.uow.calendars.save(calendar)
    whose = "your" if rep.id == ctx.actor.id else f"{rep.mention}'s"
    if url is None:
        return Outcome(f"Booking link removed from {whose} profile.")
    return Outcome(
        f"Booking link set for {whose} profile: {url}. Hand-offs to "
        f"{'you' if rep.id == ctx.actor.id else 'them'} carry it, prefilled with the prospect."
    )


def _forget_feed(calendar: RepCalendar) -> None:
    calendar.url = calendar.etag = calendar.last_modified = None
    calendar.checked_at = calendar.fetched_at = calendar.failing_since = calendar.read_at = None
    calendar.error, calendar.busy, calendar.stale_told = None, (), False


def claim_due(ctx: Ctx) -> Outcome:
    """The feeds to fetch now (each claimed by this process), after applying every calendar
    to the rotation as the clock has moved (a period that starts at midnight)."""
    apply_all(ctx)
    every = timedelta(minutes=ctx.config.calendar_refresh_minutes)
    claimed = ctx.uow.calendars.claim_due(ctx.now - every + timedelta(seconds=5), ctx.now)
    due = [feed for feed in (_due(ctx, calendar) for calendar in claimed) if feed is not None]
    return Outcome(f"{len(due)} calendar feed(s) due.", data={"due": due})


def _due(ctx: Ctx, calendar: RepCalendar) -> DueFeed | None:
    rep = ctx.rep(calendar.rep_id)
    if rep is None or calendar.url is None:
        return None
    recent = calendar.read_at is not None and ctx.now - calendar.read_at < REREAD_AFTER
    return DueFeed(
        calendar.rep_id,
        calendar.url,
        rep.timezone,
        calendar.etag if recent else None,
        calendar.last_modified if recent else None,
        known_addresses(ctx.uow, calendar.rep_id),
    )


def apply_all(ctx: Ctx) -> None:
    for calendar in ctx.uow.calendars.with_feeds():
        rep = ctx.rep(calendar.rep_id)
        if rep is not None:
            _apply(ctx, rep, calendar)


def record_fetch(ctx: Ctx, rep_id: int, url: str, result: FetchResult) -> Outcome:
    """Keep what a fetch of ``url`` gave, then apply the calendar; a stale answer (the feed
    was changed or removed meanwhile) is dropped."""
    calendar = ctx.uow.calendars.get(rep_id)
    rep = ctx.rep(rep_id)
    if calendar is None or rep is None or calendar.url != url:
        return Outcome("The calendar feed changed meanwhile; this reading is dropped.")
    first = calendar.fetched_at is None and calendar.failing_since is None
    if result.error is not None:
        calendar.failing_since = calendar.failing_since or ctx.now
        calendar.error = result.error
        if first:
            ctx.tell(rep.id, _unreadable_text(calendar, result.error))
    else:
        _keep_reading(ctx, calendar, result)
    ctx.uow.calendars.save(calendar)
    _apply(ctx, rep, calendar)
    if first and result.error is None:
        ctx.tell(rep.id, _connected_text(ctx, rep, calendar))
    return Outcome(f"Calendar of {rep.mention}: {result.error or 'read'}.")


def _keep_reading(ctx: Ctx, calendar: RepCalendar, result: FetchResult) -> None:
    if result.busy is not None:
        calendar.busy, calendar.read_at = result.busy, ctx.now
    calendar.etag = result.etag if result.etag is not None else calendar.etag
    calendar.last_modified = result.last_modified or calendar.last_modified
    calendar.fetched_at = ctx.now
    calendar.failing_since, calendar.error, calendar.stale_told = None, None, False


def periods_of(ctx: Ctx, rep: Rep, calendar: RepCalendar) -> list[AwayPeriod]:
    """The rep's away periods by their calendar; none while it is unknown."""
    if calendar.unknown(ctx.now):
        return []
    first = local_now(rep.timezone, ctx.now).date() - timedelta(days=WINDOW_BEFORE.days - 1)
    days = (WINDOW_BEFORE + WINDOW_AFTER).days - 2
    return away_periods(calendar.busy, zone(rep.timezone), rep.hours, first, days)


def _apply(ctx: Ctx, rep: Rep, calendar: RepCalendar) -> None:
    _tell_once_when_unknown(ctx, rep, calendar)
    period = current_period(periods_of(ctx, rep, calendar), ctx.now)
    if period is None or period.key == calendar.overridden_key:
        if _away_by_calendar(ctx, rep):
            return_to_rotation(ctx, rep)
            ctx.tell(rep.id, "Your calendar no longer says you're away: back in the rotation.")
        return
    if _away_by_calendar(ctx, rep) and as_utc(rep.away_until or ctx.now) == as_utc(period.end):
        return
    if _away_otherwise(ctx, rep):
        return
    rep.away_until, rep.away_note = period.end, CALENDAR_NOTE
    ctx.uow.reps.save(rep)
    if ctx.uow.calendars.claim_applied(calendar.rep_id, period.key):
        ctx.tell(
            rep.id,
            f"Your calendar says you're out of office until {_day(rep, period.end)}: no new "
            "leads until then. Working after all? `/rotation back`.",
        )
    calendar.applied_key = period.key


def _tell_once_when_unknown(ctx: Ctx, rep: Rep, calendar: RepCalendar) -> None:
    since = calendar.fetched_at or calendar.failing_since
    if calendar.stale_told or calendar.failing_since is None or since is None:
        return
    if ctx.now - since <= timedelta(hours=24):
        return
    calendar.stale_told = True
    if not ctx.uow.calendars.claim_stale_notice(calendar.rep_id):
        return
    error = calendar.error or "no answer"
    where = mask(calendar.url or "")
    ctx.tell(
        rep.id,
        f"Baton has not been able to read your calendar feed ({where}) for 24 hours ({error}): "
        "it no longer counts, so you are in the rotation as usual. Set it again with "
        "`/rotation calendar <URL>`, or `/rotation calendar off`.",
    )
    ctx.tell_managers(
        f"{rep.mention}'s calendar feed has not been readable for 24 hours ({error}): it no "
        "longer counts, and they are in the rotation as usual."
    )


def _away_by_calendar(ctx: Ctx, rep: Rep) -> bool:
    return rep.away_note == CALENDAR_NOTE and _away(ctx, rep)


def _away_otherwise(ctx: Ctx, rep: Rep) -> bool:
    return _away(ctx, rep) and rep.away_note != CALENDAR_NOTE


def _away(ctx: Ctx, rep: Rep) -> bool:
    return rep.away_until is not None and as_utc(rep.away_until) > as_utc(ctx.now)


def _day(rep: Rep, moment: datetime) -> str:
    return day_and_date(local_now(rep.timezone, moment), with_year=False)


def _unreadable_text(calendar: RepCalendar, error: str) -> str:
    return (
        f"Baton could not read your calendar feed ({mask(calendar.url or '')}): {error}. "
        "It keeps trying; until it reads it, your calendar doesn't count."
    )


def _connected_text(ctx: Ctx, rep: Rep, calendar: RepCalendar) -> str:
    ahead = [p for p in periods_of(ctx, rep, calendar) if as_utc(p.end) > as_utc(ctx.now)]
    if not ahead:
        said = "no whole working days out of office in the next two months"
    else:
        first = ahead[0]
        said = f"out of office {_day(rep, first.start)} until {_day(rep, first.end)}"
        if len(ahead) > 1:
            said += f" (and {len(ahead) - 1} more period{'s' if len(ahead) > 2 else ''})"
    return f"Your calendar is connected (as of {as_of(rep, calendar, ctx.now)}): {said}."


def as_of(rep: Rep, calendar: RepCalendar, now: datetime | None = None) -> str:
    """``09:15`` on the rep's clock; ``Thu 20:00`` when the reading is not from ``now``'s day
    (a feed failing since last evening is not as fresh as its hour alone would say)."""
    if calendar.fetched_at is None:
        return "never read"
    read = local_now(rep.timezone, calendar.fetched_at)
    hour = clock_text(read.time())
    if now is None or read.date() == local_now(rep.timezone, now).date():
        return hour
    return f"{DAYS[read.weekday()]} {hour}"


FEEDS = "feeds"
"""``Outcome.data`` key of :func:`feeds_health`: (feeds, failing now, unknown for 24 h)."""


def feeds_health(ctx: Ctx) -> Outcome:
    """How the reps' calendar feeds read (``baton doctor``): how many there are, how many failed
    their last fetch, and how many have gone unknown (no good fetch for 24 h, not counted)."""
    feeds = ctx.uow.calendars.with_feeds()
    failing = sum(1 for c in feeds if c.failing_since is not None)
    unknown = sum(1 for c in feeds if _gone_unknown(c, ctx.now))
    return Outcome("", data={FEEDS: (len(feeds), failing, unknown)})


def _gone_unknown(calendar: RepCalendar, now: datetime) -> bool:
    """Unknown for want of a good read, not merely not read yet: a feed set a minute ago is
    waiting for its first fetch, not broken."""
    if calendar.fetched_at is not None:
        return calendar.unknown(now)
    return calendar.failing_since is not None and now - calendar.failing_since > STALE_AFTER
