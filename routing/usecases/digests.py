"""Scheduled digests, exactly once: which period is due, and claiming it before it is sent.

A schedule is data (name, unit, local send time, destinations), so a team can later get one per
channel without new code. The period a run reports is derived here from ``now`` in the team's
timezone, never from the scheduler's idea of when it fired: whoever runs the job (the cron job,
the catch-up at start, ``baton digest --send``, a second replica) computes the same period and the
same key, and the ``digest_runs`` claim lets exactly one of them write the messages. The claim
and the outbox rows are written in one transaction, so a crash can't leave a claimed digest that
is never sent, nor a sent one that is not claimed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from routing.clock import zone
from routing.metrics import Period, period_for
from routing.notices import Notice, NoticeKind
from routing.usecases.context import Ctx, Outcome
from routing.usecases.funnel import Digest, build_digest

__all__ = [
    "DAILY",
    "WEEKLY",
    "Destination",
    "DigestSchedule",
    "DigestSource",
    "NoPeriod",
    "due_periods",
    "last_complete_period",
    "latest_send_time",
    "period_data",
    "period_from_data",
    "period_key",
    "rebuild_digest",
    "rebuilt",
    "schedules",
    "send_digest",
    "send_due",
]

log = logging.getLogger(__name__)

DigestUnit = Literal["day", "week"]
DAILY = "daily"
WEEKLY = "weekly"
MONDAY = 0
LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)
"""``due_periods``' default first lead: before any period, so only ``last_sent`` decides."""


@dataclass(frozen=True)
class Destination:
    """Where a digest goes: a channel (Slack ``C…``, Teams conversation id) on a platform."""

    platform: str
    channel: str


@dataclass(frozen=True)
class DigestSchedule:
    """Send the last complete ``kind`` at ``at`` local time (weekly: on ``weekday``, 0 = Monday).

    ``name`` is the digest's identity in ``digest_runs``: two schedules with one name would share
    their claims, so give each schedule its own.
    """

    name: str
    kind: DigestUnit
    at: time
    timezone: str
    destinations: tuple[Destination, ...]
    weekday: int = MONDAY

    def __post_init__(self) -> None:
        if self.kind not in ("day", "week"):
            raise ValueError(f"a digest schedule is daily or weekly, not {self.kind!r}")
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday is 0 (Monday) to 6 (Sunday), not {self.weekday}")


def schedules(
    at: time,
    timezone: str,
    slack_channel: str | None = None,
    teams_channel: str | None = None,
) -> list[DigestSchedule]:
    """The team's schedules: daily at ``at``, and weekly on Monday at ``at`` for the week before.

    No channel configured means no schedule: nothing would be sent, so nothing is claimed.
    """
    destinations = tuple(
        Destination(platform, channel)
        for platform, channel in (("slack", slack_channel), ("teams", teams_channel))
        if channel
    )
    if not destinations:
        return []
    return [
        DigestSchedule(DAILY, "day", at, timezone, destinations),
        DigestSchedule(WEEKLY, "week", at, timezone, destinations, weekday=MONDAY),
    ]


# --- which period, and its key -----------------------------------------------------------------


def period_key(kind: DigestUnit, period: Period, timezone: str) -> str:
    """``2026-11-22`` for a day, ``2026-W47`` for an ISO week: the local date the period starts."""
    first = period.start.astimezone(zone(timezone)).date()
    if kind == "week":
        iso = first.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return first.isoformat()


def last_complete_period(kind: DigestUnit, now: datetime, timezone: str) -> Period:
    """The last whole local day, or ISO week, before ``now``: what a digest sent now reports."""
    return period_for(kind, now, zone(timezone), previous_complete=True)


def latest_send_time(schedule: DigestSchedule, now: datetime) -> datetime:
    """The most recent moment at or before ``now`` when ``schedule`` was due, in UTC."""
    local_today = now.astimezone(zone(schedule.timezone)).date()
    day = local_today
    if schedule.kind == "week":
        day -= timedelta(days=(local_today.weekday() - schedule.weekday) % 7)
    moment = _send_moment(day, schedule)
    if moment > now:
        moment = _send_moment(day - timedelta(days=7 if schedule.kind == "week" else 1), schedule)
    return moment


def _send_moment(day: date, schedule: DigestSchedule) -> datetime:
    """``schedule.at`` on ``day``, local; in a DST gap or overlap, the earliest reading of it.

    The earliest, so that whatever instant the scheduler fires a 02:30 job on a changeover night,
    the period is already due when it runs.
    """
    tz = zone(schedule.timezone)
    wall = datetime.combine(day, schedule.at.replace(tzinfo=None))
    return min(wall.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1))


def due_periods(
    schedule: DigestSchedule,
    now: datetime,
    last_sent: str | None = None,
    first_lead_at: datetime | None = LONG_AGO,
) -> list[Period]:
    """The period ``schedule`` should have sent by ``now``, unless ``last_sent`` covers it.

    Only the latest due period is ever returned: after a week of downtime the managers get the
    digest of yesterday once, not seven stale ones in a row (any older one can still be printed
    with ``baton digest --print``). ``last_sent`` is the newest period key in ``digest_runs`` for
    this schedule; keys sort in time order (zero-padded dates and ISO weeks).

    A period is due only if it ends after ``first_lead_at``, when Baton first held a lead
    (``None``: it never has; by default, long ago): the first start after install sends no
    "0 leads" digest for a week nobody used Baton in. Once it holds leads, a period in which
    nothing happened is due like any other, so downtime still catches up once.
    """
    period = last_complete_period(schedule.kind, latest_send_time(schedule, now), schedule.timezone)
    key = period_key(schedule.kind, period, schedule.timezone)
    if last_sent is not None and last_sent >= key:
        return []
    if first_lead_at is None or period.end <= first_lead_at:
        return []
    return [period]


# --- sending ------------------------------------------------------------------------------------


def send_digest(ctx: Ctx, schedule: DigestSchedule, period: Period) -> Outcome:
    """Claim ``(schedule, period)``; if this run won the claim, queue the digest for every channel.

    Runs in the caller's transaction: the claim and the outbox rows commit together or not at
    all. ``Outcome.data["sent"]`` says whether this run claimed it (False: sent before).
    """
    key = period_key(schedule.kind, period, schedule.timezone)
    if not schedule.destinations:
        return Outcome(f"{schedule.name} digest has nowhere to go.", data={"sent": False})
    if not ctx.uow.digests.claim(schedule.name, key, ctx.now):
        return Outcome(
            f"The {schedule.name} digest for {period.label} was already sent.",
            data={"sent": False, "key": key},
        )
    digest = build_digest(ctx, period)
    data = notice_data(schedule, period, key)
    for destination in schedule.destinations:
        ctx.uow.outbox.add(
            Notice(
                text=digest.text,
                kind=NoticeKind.DIGEST,
                channel=destination.channel,
                platform=destination.platform,
                data=data,
            )
        )
    where = ", ".join(f"{d.platform} {d.channel}" for d in schedule.destinations)
    return Outcome(
        f"The {schedule.name} digest for {period.label} is on its way to {where}.",
        data={"sent": True, "key": key, "digest": digest},
    )


def notice_data(schedule: DigestSchedule, period: Period, key: str) -> dict[str, Any]:
    """What a notifier needs to rebuild the digest: the period, as JSON, and which schedule."""
    return {"schedule": schedule.name, "key": key, "period": period_data(period)}


def period_data(period: Period) -> dict[str, str]:
    """``period`` as JSON, as :func:`period_from_data` reads it back."""
    return {
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "kind": period.kind,
        "label": period.label,
    }


class NoPeriod(ValueError):
    """A digest notice whose data names no period (an answer to ``/funnel``, or a row written by
    hand): there is nothing to rebuild it from but its text."""


def period_from_data(data: Mapping[str, Any]) -> Period:
    """The period a digest notice's ``data`` names (see :func:`notice_data`)."""
    try:
        raw = data["period"]
        return Period(
            start=datetime.fromisoformat(raw["start"]),
            end=datetime.fromisoformat(raw["end"]),
            label=str(raw["label"]),
            kind=raw["kind"],
        )
    except (KeyError, TypeError, ValueError) as err:
        raise NoPeriod(f"a digest notice names no period it can be rebuilt for: {err!r}") from err


def rebuild_digest(ctx: Ctx, data: Mapping[str, Any]) -> Digest:
    """The digest a notice stands for, rebuilt from the event log for rendering.

    The report's "now" is capped at the period's end, so the rebuild shows what the claim saw
    however late the notice is delivered.
    """
    return build_digest(ctx, period_from_data(data))


DigestSource = Callable[[Mapping[str, Any]], Digest]
"""Rebuilds the digest a ``NoticeKind.DIGEST`` notice's data names (``Relay.digest_for``): the
notice carries only the period, each platform's notifier draws the digest from it."""


def rebuilt(digests: DigestSource, data: Mapping[str, Any]) -> Digest | None:
    """The digest ``data`` names, or None (logged) when it names none: such a notice is posted
    as its plain text, so it degrades instead of being lost."""
    try:
        return digests(data)
    except NoPeriod as err:
        log.warning("%s; posting the digest as its plain text", err)
        return None


def send_due(ctx: Ctx, schedule: DigestSchedule, last_sent: str | None = None) -> Outcome:
    """What the scheduler runs: send ``schedule``'s due period unless someone already did."""
    due = due_periods(schedule, ctx.now, last_sent, ctx.uow.leads.first_lead_at())
    outcomes = [send_digest(ctx, schedule, p) for p in due]
    sent = [o for o in outcomes if o.data.get("sent")]
    reply = " ".join(o.reply for o in outcomes) or f"The {schedule.name} digest is up to date."
    return Outcome(reply, data={"sent": [o.data["key"] for o in sent]})


def describe(schedules_: Sequence[DigestSchedule]) -> str:
    """``daily at 08:00 Europe/Berlin, weekly on Mon at 08:00 …`` for logs and the CLI."""
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    parts = []
    for s in schedules_:
        when = f"on {days[s.weekday]} " if s.kind == "week" else ""
        parts.append(f"{s.name} {when}at {s.at:%H:%M} {s.timezone}")
    return ", ".join(parts) or "no digest schedules (no digest channel set)"
