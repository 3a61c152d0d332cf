"""The scheduler inside ``baton serve``: each digest on its schedule, the SLA sweep every minute.

One in-memory APScheduler ``BackgroundScheduler`` per process, never a shared job store (two
schedulers on one store run every job twice). Several processes may therefore run the same job
at the same minute; that is safe because the jobs are idempotent in the database: a digest run
claims ``(digest, period)`` in ``digest_runs`` in the transaction that queues its messages, and
the sweep re-reads each lead under its lock before moving it.

The jobs never trust APScheduler's idea of *which* run this is: the period is derived from the
clock in the team's timezone (``routing.usecases.digests``). Missed runs are not left to
APScheduler's misfire handling either: at start-up a catch-up job sends every schedule's latest
due period unless ``digest_runs`` has it, so a digest missed while the server was down goes out
once when it comes back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.baton import Baton
from bot.calendars.fetch import FetchPolicy
from bot.calendars.refresh import refresh_calendars
from bot.config import Settings
from bot.entrypoints.calendar_emails import CalendarEmails
from bot.entrypoints.crm_worker import poll_job
from routing.clock import zone
from routing.relay import SYSTEM
from routing.usecases.context import Outcome
from routing.usecases.digests import (
    DigestSchedule,
    DigestUnit,
    last_complete_period,
    schedules,
    send_digest,
    send_due,
)
from routing.usecases.funnel import Digest, build_digest

__all__ = [
    "NoDigestChannel",
    "build_scheduler",
    "catch_up",
    "digest_now",
    "digest_schedules",
    "digest_trigger",
    "run_digest",
    "run_nudges",
    "run_retention",
    "run_sweep",
    "send_now",
    "start_scheduler",
]

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60
NUDGE_SECONDS = 3600
RETENTION_SECONDS = 3600
"""How often the retention job looks whether today's run is done: it runs once a day (claimed
in ``digest_runs``), in the first hour any server is up."""

CALENDAR_SECONDS = 30
"""How often the calendar job looks for feeds due (each is read every
``BATON_CALENDAR_REFRESH_MINUTES``; a feed just set is read at the next look)."""
"""How often stalled leads are looked for: a stall is days long, an hour late is nothing."""
DIGEST_GRACE_SECONDS = 3600
"""A digest job that starts late (a busy or suspended host) still runs within the hour."""
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def digest_schedules(settings: Settings) -> list[DigestSchedule]:
    """Daily and weekly digests to ``BATON_DIGEST_CHANNEL`` and ``BATON_TEAMS_DIGEST_CHANNEL``."""
    return schedules(
        settings.baton_digest_time,
        settings.baton_timezone,
        settings.baton_digest_channel,
        settings.baton_teams_digest_channel,
    )


# --- the jobs -----------------------------------------------------------------------------------


def run_digest(baton: Baton, schedule: DigestSchedule) -> Outcome:
    """Send ``schedule``'s due period, unless this or another process already has."""
    outcome = baton.relay.run(SYSTEM, lambda ctx: send_due(ctx, schedule))
    log.info("digest %s: %s", schedule.name, outcome.reply)
    return outcome


def catch_up(baton: Baton, schedules_: Sequence[DigestSchedule]) -> list[str]:
    """At start: send what came due while no server ran; returns the period keys sent."""
    sent: list[str] = []
    for schedule in schedules_:
        keys = run_digest(baton, schedule).data.get("sent")
        if isinstance(keys, list):
            sent.extend(f"{schedule.name}:{key}" for key in keys)
    return sent


def run_nudges(baton: Baton) -> Outcome:
    """DM the owners of stalled leads; each stall is claimed once, so replicas nudge once."""
    return baton.relay.nudge_stalled()


def run_retention(baton: Baton) -> Outcome | None:
    """Clear old raw texts and delivered payloads (``BATON_RETENTION_DAYS``), once a day however
    many processes run it; None when retention is off."""
    outcome = baton.relay.purge_old()
    if outcome is not None and outcome.data.get("ran"):
        log.info("%s", outcome.reply)
    return outcome


def run_calendars(baton: Baton, emails: CalendarEmails | None = None) -> int:
    """Read the calendar feeds that are due, in this job's thread (never on the event loop);
    first ask Slack for the emails of reps with a feed whose email Baton lacks (``emails``)."""
    if emails is not None:
        emails.fill_quietly()
    policy = FetchPolicy(allow_private=baton.settings.baton_calendar_allow_private)
    return refresh_calendars(baton.relay, policy, baton.clock())


def run_sweep(baton: Baton) -> Outcome:
    """Move SLA misses on and give queued leads to whoever became available."""
    return baton.relay.sweep()


# --- the scheduler ------------------------------------------------------------------------------


def digest_trigger(schedule: DigestSchedule) -> CronTrigger:
    """Fires at ``schedule.at`` on the team's wall clock (weekly: on its weekday), DST and all."""
    days = _DAYS[schedule.weekday] if schedule.kind == "week" else "*"
    return CronTrigger(
        day_of_week=days,
        hour=schedule.at.hour,
        minute=schedule.at.minute,
        second=schedule.at.second,
        timezone=_zone(schedule.timezone),
    )


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown timezone %r (BATON_TIMEZONE); digests run on UTC", name)
        return zone("UTC")


def build_scheduler(
    baton: Baton, schedules_: Sequence[DigestSchedule] | None = None
) -> BackgroundScheduler:
    """A scheduler with the digest, sweep and catch-up jobs, not yet started."""
    chosen = list(digest_schedules(baton.settings) if schedules_ is None else schedules_)
    scheduler = BackgroundScheduler(timezone=UTC)
    for schedule in chosen:
        scheduler.add_job(
            _logged(f"digest {schedule.name}", run_digest),
            digest_trigger(schedule),
            args=(baton, schedule),
            id=f"digest:{schedule.name}",
            coalesce=True,
            max_instances=1,
            misfire_grace_time=DIGEST_GRACE_SECONDS,
        )
    emails = CalendarEmails(baton)  # who was asked, for this process's life

    def run_calendar_job(baton: Baton) -> int:
        return run_calendars(baton, emails)

    jobs: list[tuple[str, str, Callable[[Baton], object], int]] = [
        ("sla-sweep", "SLA sweep", run_sweep, SWEEP_SECONDS),
        ("stall-nudges", "stalled-lead nudges", run_nudges, NUDGE_SECONDS),
        ("calendar-refresh", "calendar refresh", run_calendar_job, CALENDAR_SECONDS),
    ]
    if baton.relay.config.retention_days:
        jobs.append(("retention", "retention", run_retention, RETENTION_SECONDS))
    poll = poll_job(baton)
    if poll is not None:
        jobs.append(
            ("hubspot-poll", "HubSpot poll", lambda _b: poll(), baton.settings.poll_minutes() * 60)
        )
    for job_id, what, job, seconds in jobs:
        scheduler.add_job(
            _logged(what, job),
            IntervalTrigger(seconds=seconds, timezone=UTC),
            args=(baton,),
            id=job_id,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=seconds,
        )
    scheduler.add_job(
        _logged("digest catch-up", catch_up),
        "date",
        run_date=datetime.now(UTC),
        args=(baton, chosen),
        id="digest-catch-up",
        misfire_grace_time=None,
    )
    return scheduler


def _logged(what: str, job: Callable[..., object]) -> Callable[..., None]:
    """Log a failed run with its traceback and carry on; the next run tries again."""

    def run(*args: object) -> None:
        try:
            job(*args)
        except Exception:
            log.exception("%s failed; it runs again at its next time", what)

    run.__name__ = job.__name__
    return run


def start_scheduler(baton: Baton) -> Callable[[], None]:
    """A ``bot.entrypoints.serve.Worker``: start the jobs; returns the stop."""
    scheduler = build_scheduler(baton)
    scheduler.start()
    log.info(
        "scheduler started: %s; SLA sweep every %ss",
        ", ".join(job.id for job in scheduler.get_jobs()),
        SWEEP_SECONDS,
    )

    def stop() -> None:
        scheduler.shutdown(wait=False)

    return stop


# --- ``baton digest`` -----------------------------------------------------------------------------


class NoDigestChannel(Exception):
    """``--send`` with no digest channel configured: there is nowhere to send it."""


def digest_now(baton: Baton, kind: DigestUnit) -> Digest:
    """The last complete day's or week's digest, as the schedule would send it now."""
    settings = baton.settings
    period = last_complete_period(kind, baton.clock(), settings.baton_timezone)
    outcome = baton.relay.run(
        SYSTEM, lambda ctx: Outcome("", data={"digest": build_digest(ctx, period)})
    )
    digest = outcome.data["digest"]
    assert isinstance(digest, Digest)
    return digest


def send_now(baton: Baton, kind: DigestUnit) -> Outcome:
    """Claim and queue the last complete period of the ``kind`` schedule, unless already sent.

    It uses the schedule's own name, so the scheduler will not send the same period again.
    """
    schedule = next((s for s in digest_schedules(baton.settings) if s.kind == kind), None)
    if schedule is None:
        raise NoDigestChannel("set BATON_DIGEST_CHANNEL or BATON_TEAMS_DIGEST_CHANNEL first")
    period = last_complete_period(kind, baton.clock(), schedule.timezone)
    outcome = baton.relay.run(SYSTEM, lambda ctx: send_digest(ctx, schedule, period))
    if outcome.data.get("sent"):
        return Outcome(
            f"{outcome.reply} A running `baton serve` posts it from the outbox.", data=outcome.data
        )
    return outcome
