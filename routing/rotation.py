"""Fair, explainable rotation within one pool: who gets the next lead, and why.

The decision is pure. Storage loads a pool's members, calls :func:`pick`, and writes back the
new credits (and the winner's daily count) in the same transaction, under a lock; that is what
makes the rotation safe with several replicas. Nothing here reads a clock: ``now`` is passed in.

Fairness is nginx's *smooth weighted round robin*. Every available rep earns their weight in
credit on each pick, the richest rep wins and pays the total weight of the available reps. The
sum of all credits therefore never changes on a pick, so credits cannot drift however often
availability churns, and a weight-2 rep gets every other lead instead of two in a row.
Unlike a count-based rotation, a rep coming back from a week away is not owed a week of leads:
skipped reps neither earn nor pay, and :func:`level_credit` seats joiners at the pool's level.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from routing.errors import InvalidInput

__all__ = [
    "Candidate",
    "Pick",
    "WorkingHours",
    "assigned_today",
    "level_credit",
    "local_now",
    "pick",
    "rep_zone",
    "unavailable_reason",
    "zone_label",
]

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --- time zones -------------------------------------------------------------------------------


AWAY_FOREVER_YEAR = 9999
"""``away_until`` in this year means away with no end date, until `/rotation back`."""


@lru_cache(maxsize=512)
def rep_zone(name: str) -> tzinfo:
    """The rep's zone; a name the zone database does not know falls back to UTC.

    A typo in a profile must never stop the rotation, so an invalid name is not an error here.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: e.g. a directory like "Europe"
        return UTC


def zone_label(name: str) -> str:
    """The zone name shown to people: the IANA key, or ``UTC`` when the name was invalid."""
    zone = rep_zone(name)
    return zone.key if isinstance(zone, ZoneInfo) else "UTC"


def _as_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive value is read as UTC (SQLite hands stored datetimes back naive)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local_now(timezone: str, now: datetime) -> datetime:
    """``now`` on the wall clock of the zone named ``timezone``."""
    return _as_utc(now).astimezone(rep_zone(timezone))


# --- chat formatting --------------------------------------------------------------------------


def _clock(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _day_and_date(moment: datetime, with_year: bool) -> str:
    """``Mon 24 Nov`` (English names whatever the process locale is)."""
    text = f"{_DAYS[moment.weekday()]} {moment.day} {_MONTHS[moment.month - 1]}"
    return f"{text} {moment.year}" if with_year else text


def _day_runs(days: frozenset[int]) -> list[list[int]]:
    """Consecutive runs of weekdays, a run through Sunday continuing into Monday (Sat–Mon)."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6:
        runs[-1].extend(runs.pop(0))
    return runs


def _describe_days(days: frozenset[int]) -> str:
    """``Mon–Fri``, ``Mon, Wed, Fri``, ``Sat–Mon``, ``every day`` or ``no days``."""
    if len(days) == 7:
        return "every day"
    if not days:
        return "no days"
    parts = []
    for run in _day_runs(days):
        if len(run) >= 3:
            parts.append(f"{_DAYS[run[0]]}–{_DAYS[run[-1]]}")
        else:
            parts.extend(_DAYS[day] for day in run)
    return ", ".join(parts)


# --- the model --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkingHours:
    """When a rep takes leads, on their own wall clock.

    ``days`` are the days a shift *starts* (0 = Monday). ``end`` before ``start`` is a night shift
    that ends the next morning, so Friday's 22:00–06:00 shift still covers Saturday 02:00.
    ``start == end`` means round the clock on those days; no days means never. Comparing wall
    clocks keeps a 09:00 start at 09:00 local across daylight-saving changes.
    """

    start: time
    end: time
    days: frozenset[int]

    def __post_init__(self) -> None:
        if not self.days <= frozenset(range(7)):
            raise InvalidInput("Working days are 0 (Monday) to 6 (Sunday).")

    def contains(self, local: datetime) -> bool:
        """Whether the wall-clock moment ``local`` (already in the rep's zone) is in a shift."""
        clock = local.time()
        weekday = local.weekday()
        start, end = self.start.replace(tzinfo=None), self.end.replace(tzinfo=None)
        if start == end:
            return weekday in self.days
        if start < end:
            return weekday in self.days and start <= clock < end
        if clock >= start:
            return weekday in self.days
        return clock < end and (weekday - 1) % 7 in self.days

    def describe(self) -> str:
        """``09:00–17:30 Mon–Fri``."""
        span = "all day" if self.start == self.end else f"{_clock(self.start)}–{_clock(self.end)}"
        return f"{span} {_describe_days(self.days)}"


@dataclass(frozen=True)
class Candidate:
    """One member of a pool as the rotation sees them at the moment of a pick.

    ``credit`` is the persisted smooth-WRR "current weight"; ``position`` is the stable order in
    the pool that breaks ties. ``assigned_count`` counts assignments on ``assigned_on``, the
    rep-local day it refers to; on any other day it is stale and reads as 0.
    """

    rep_id: int
    name: str
    weight: int
    credit: int
    position: int
    timezone: str
    away_until: datetime | None = None
    away_note: str | None = None
    hours: WorkingHours | None = None
    cap: int | None = None
    assigned_on: date | None = None
    assigned_count: int = 0

    def __post_init__(self) -> None:
        if self.weight < 1:
            raise InvalidInput(f"{self.name}'s weight must be at least 1, not {self.weight}.")
        if self.cap is not None and self.cap < 0:
            raise InvalidInput(f"{self.name}'s daily cap can't be negative ({self.cap}).")


def assigned_today(candidate: Candidate, now: datetime) -> int:
    """Leads assigned on the rep's current local day; a count from an earlier day is 0."""
    today = local_now(candidate.timezone, now).date()
    return candidate.assigned_count if candidate.assigned_on == today else 0


def _away_reason(candidate: Candidate, now: datetime) -> str | None:
    if candidate.away_until is None or _as_utc(now) >= _as_utc(candidate.away_until):
        return None
    note = candidate.away_note
    if candidate.away_until.year >= AWAY_FOREVER_YEAR:
        return f"away ({note})" if note else "away until they're back"
    back = local_now(candidate.timezone, candidate.away_until)
    other_year = back.year != local_now(candidate.timezone, now).year
    when = _day_and_date(back, with_year=other_year)
    if back.time() != time(0, 0):
        when = f"{when} {_clock(back.time())}"
    return f"away ({note} until {when})" if note else f"away until {when}"


def _hours_reason(candidate: Candidate, now: datetime) -> str | None:
    hours = candidate.hours
    if hours is None or hours.contains(local_now(candidate.timezone, now)):
        return None
    return f"outside working hours ({hours.describe()}, {zone_label(candidate.timezone)})"


def _cap_reason(candidate: Candidate, now: datetime) -> str | None:
    if candidate.cap is None:
        return None
    count = assigned_today(candidate, now)
    return f"at daily cap {count}/{candidate.cap}" if count >= candidate.cap else None


def unavailable_reason(c: Candidate, now: datetime) -> str | None:
    """Why ``c`` can't take a lead at ``now``, in words for chat, or ``None`` when they can.

    Away beats working hours beats the cap: the first reason is the one a person acts on.
    """
    for reason in (_away_reason(c, now), _hours_reason(c, now), _cap_reason(c, now)):
        if reason is not None:
            return reason
    return None


# --- the pick ---------------------------------------------------------------------------------


def _pool_words(pool: str) -> str:
    return pool.replace("_", " ")


@dataclass(frozen=True)
class Pick:
    """The outcome of one pick: who (if anyone), everyone's new credit, and who was skipped.

    ``chosen`` is the candidate as passed in (its ``credit`` is the old one); the new credits for
    every candidate, skipped ones unchanged, are in ``credits``.
    """

    chosen: Candidate | None
    credits: Mapping[int, int]
    skipped: tuple[tuple[str, str], ...]

    def explanation(self, pool: str) -> str:
        """One or two sentences for chat saying why this rep, or why nobody."""
        rotation = f"the {_pool_words(pool)} rotation"
        reasons = "; ".join(f"{name}: {reason}" for name, reason in self.skipped)
        if self.chosen is None and not self.skipped:
            return f"Nobody is in {rotation}; the lead waits in the queue until someone joins."
        if self.chosen is None:
            return (
                f"Nobody in {rotation} is available ({reasons}); the lead waits in the queue "
                "and goes to the first rep who becomes available."
            )
        text = f"{self.chosen.name} is next in {rotation} (weight {self.chosen.weight})."
        return f"{text} Skipped: {reasons}." if reasons else text


def _in_pool_order(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Sorted by position (rep id breaks a tie, for determinism); duplicate reps are a bug."""
    ordered = sorted(candidates, key=lambda c: (c.position, c.rep_id))
    if len({c.rep_id for c in ordered}) != len(ordered):
        raise ValueError("pick() got the same rep twice")
    return ordered


def pick(candidates: Sequence[Candidate], now: datetime) -> Pick:
    """Choose the next rep among the available candidates: smooth weighted round robin.

    A rep's credit is their lag behind their fair share, scaled by the pool's total weight.
    Reps who are not behind (credit ≥ 0) are eligible, and of those the one whose next fair
    turn falls due soonest wins — the earliest-eligible-virtual-deadline rule (EEVDF). It keeps
    everyone within one lead of their weighted share, like nginx's smooth round robin, and
    spreads a heavy rep's turns evenly: weights 2, 1, 1 give A, B, A, C rather than A, B, C,
    A, A. Someone is always eligible: lag is measured from the mean, so it sums to zero.
    Then every available rep earns their weight and the winner pays the total; unavailable
    reps keep their credit, so time away neither earns nor costs leads.
    """
    ordered = _in_pool_order(candidates)
    reasons = [(c, unavailable_reason(c, now)) for c in ordered]
    available = [c for c, reason in reasons if reason is None]
    skipped = tuple((c.name, reason) for c, reason in reasons if reason is not None)
    credits = {c.rep_id: c.credit for c in ordered}
    if not available:
        return Pick(chosen=None, credits=MappingProxyType(credits), skipped=skipped)
    total = sum(c.weight for c in available)
    winner = _earliest_due(available, total)
    for c in available:
        credits[c.rep_id] += c.weight
    credits[winner.rep_id] -= total
    return Pick(chosen=winner, credits=MappingProxyType(credits), skipped=skipped)


def _earliest_due(available: Sequence[Candidate], total: int) -> Candidate:
    """Lag is measured from the available reps' mean credit, so a drifting level (reps coming
    and going) changes nothing: only differences between credits matter."""
    count, credits = len(available), sum(c.credit for c in available)
    lag = {c.rep_id: c.credit * count - credits for c in available}  # lag × count: integers
    eligible = [c for c in available if lag[c.rep_id] >= 0]
    return min(eligible, key=lambda c: Fraction(total * count - lag[c.rep_id], c.weight))


def level_credit(others: Sequence[Candidate], now: datetime) -> int:
    """The credit to seat a rep with when they join the pool or come back from away.

    The rounded mean credit of the others available right now (0 if none): high enough that the
    rep is not starved behind everyone, low enough that they are not flooded with a backlog the
    way a count-based rotation floods a newcomer.
    """
    credits = [c.credit for c in others if unavailable_reason(c, now) is None]
    if not credits:
        return 0
    return round(Fraction(sum(credits), len(credits)))
