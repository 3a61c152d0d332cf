"""Funnel metrics: pure functions of the event log, a period and ``now``.

The digest, ``/funnel`` and ``baton digest --print`` all read a :class:`FunnelReport`. Flow figures
(how many leads were claimed, qualified, won…) count the events whose time falls inside the
period's half-open interval ``[start, end)``; state figures (the queue, the bottleneck, customer
tenure) describe the leads as of ``now``. Callers pass the events in the window plus whatever
those need from before it: a claimed lead's ``created`` event, and enough of each open lead's
history to replay its current stage; customer tenure comes from the customers' histories, or
from their dates alone (``customers=``, one :class:`CustomerSpan` each), which is much cheaper.

Choices worth knowing when reading the numbers:

- Percentiles (speed to lead, medians everywhere) use linear interpolation; see :func:`percentile`.
- Conversion rates divide this period's counts of neighbouring steps (claimed this period ÷ leads
  created this period, …). They describe flow, not a cohort, so a rate can exceed 1 when leads
  created earlier are claimed now. ``None`` when the earlier step counted 0.
- Speed-to-lead bands include their upper bound: a claim at exactly 5:00 is "within 5 minutes".
- Customer tenure is the *median* in months, a month being the mean Gregorian month of
  30.436875 days (365.2425 / 12), so tenures never depend on which months they span.
- The bottleneck is the open stage whose leads have the longest *median* wait, so that one
  forgotten lead does not decide it alone; the report still names that stage's oldest lead.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

from routing.errors import InvalidInput
from routing.events import EventType, LeadEvent
from routing.stages import OPEN_STAGES, Stage

__all__ = [
    "Bottleneck",
    "Conversion",
    "CustomerSpan",
    "Delta",
    "FunnelReport",
    "Period",
    "ReasonCount",
    "RepRow",
    "SourceCost",
    "SpeedBand",
    "SpeedToLead",
    "Tenure",
    "compare",
    "funnel",
    "percentile",
    "period_for",
    "previous",
]

PeriodKind = Literal["today", "day", "week", "month", "days"]
PeriodUnit = Literal["day", "week", "month", "days"]
DeltaKind = Literal["count", "money", "minutes", "share"]
Figure = int | float | Decimal | None

DAYS_PER_MONTH = 30.436875
"""The mean Gregorian month (365.2425 / 12 days): the unit of customer tenure."""

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
"""Spelled out here so that no process-wide ``setlocale`` can translate a digest's labels."""

TOP_REASONS = 3
NO_REASON = "no reason given"
UNKNOWN_SOURCE = "unknown"
CENT = Decimal("0.01")
SPEED_BANDS: tuple[tuple[str, float, float | None], ...] = (
    ("0–5 min", 0.0, 5.0),
    ("5–15 min", 5.0, 15.0),
    ("15–60 min", 15.0, 60.0),
    ("60+ min", 60.0, None),
)
"""(label, lower bound exclusive except for 0, upper bound inclusive) in minutes."""


# --- periods ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """The half-open interval ``[start, end)`` a report counts, in UTC, and how to name it.

    ``kind`` tells :func:`previous` which calendar unit the period steps by.
    """

    start: datetime
    end: datetime
    label: str
    kind: PeriodUnit = "days"

    def __post_init__(self) -> None:
        _require_aware(self.start, "a period's start")
        _require_aware(self.end, "a period's end")
        if self.end < self.start:
            raise ValueError(f"a period cannot end ({self.end}) before it starts ({self.start})")

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def period_for(
    kind: PeriodKind,
    now: datetime,
    tz: ZoneInfo,
    days: int | None = None,
    *,
    previous_complete: bool = False,
) -> Period:
    """The period of ``kind`` that contains ``now`` in ``tz``, up to ``now``.

    With ``previous_complete`` it is instead the last *complete* one, which is what a scheduled
    digest reports: the daily digest at 08:00 covers the whole previous local day, the Monday
    digest the whole previous ISO week. ``today`` and ``day`` are the same unit; ``week`` starts
    on Monday 00:00 local; ``month`` is the calendar month; ``days`` is the last ``days`` days
    ending now (or, complete, the ``days`` whole local days before today). Local midnights are
    resolved with zoneinfo, so a local day is 23 or 25 hours long across a DST change.
    """
    _require_aware(now, "now")
    today = now.astimezone(tz).date()
    if kind in ("today", "day"):
        first = today - timedelta(days=1) if previous_complete else today
        return _calendar_period("day", first, first + timedelta(days=1), now, tz, previous_complete)
    if kind == "week":
        monday = today - timedelta(days=today.weekday())
        if previous_complete:
            monday -= timedelta(weeks=1)
        return _calendar_period(
            "week", monday, monday + timedelta(weeks=1), now, tz, previous_complete
        )
    if kind == "month":
        first = _add_months(today.replace(day=1), -1 if previous_complete else 0)
        return _calendar_period("month", first, _add_months(first, 1), now, tz, previous_complete)
    if kind == "days":
        return _last_days(_day_count(days), now, tz, previous_complete)
    raise ValueError(f"unknown period kind {kind!r}")


def previous(period: Period, tz: ZoneInfo) -> Period:
    """The period just before ``period``, like for like, for the change figures of a digest.

    Days, weeks and months step back one calendar unit in local time, keeping the same part of it:
    a complete ISO week gives the previous ISO week, a complete month the previous calendar month,
    and "this week up to Tuesday 10:00" gives "last week up to Tuesday 10:00" (comparing a week so
    far with a whole week would make every partial week look like a collapse). A month so far
    that runs past the end of the previous month (31 March 10:00 → February) is compared with the
    whole previous month. ``days`` periods step back by their own number of local days.
    """
    start = period.start.astimezone(tz)
    end = period.end.astimezone(tz)
    if period.kind == "month":
        new_start, new_end = _previous_month(period, start, end, tz)
    elif period.kind == "days" and start.time() != end.time():
        new_start, new_end = period.start - period.length, period.start
    else:
        step = timedelta(days=_unit_days(period.kind, start, end))
        new_start, new_end = _wall(start - step, tz), _wall(end - step, tz)
    return _period(period.kind, new_start, new_end, tz)


def _calendar_period(
    kind: PeriodUnit, first: date, after: date, now: datetime, tz: ZoneInfo, complete: bool
) -> Period:
    end = _midnight(after, tz) if complete else now
    return _period(kind, _midnight(first, tz), end, tz)


def _last_days(count: int, now: datetime, tz: ZoneInfo, complete: bool) -> Period:
    if complete:
        today = now.astimezone(tz).date()
        end = _midnight(today, tz)
        return _period("days", _midnight(today - timedelta(days=count), tz), end, tz)
    local_now = now.astimezone(tz)
    return _period("days", _wall(local_now - timedelta(days=count), tz), now, tz)


def _period(kind: PeriodUnit, start: datetime, end: datetime, tz: ZoneInfo) -> Period:
    start_utc, end_utc = start.astimezone(UTC), end.astimezone(UTC)
    return Period(start_utc, end_utc, _label(kind, start_utc, end_utc, tz), kind)


def _day_count(days: int | None) -> int:
    if days is None or days < 1:
        raise InvalidInput(f"the number of days must be at least 1, not {days}")
    return days


def _unit_days(kind: PeriodUnit, start: datetime, end: datetime) -> int:
    if kind == "day":
        return 1
    if kind == "week":
        return 7
    return max((end.date() - start.date()).days, 1)


def _previous_month(
    period: Period, start: datetime, end: datetime, tz: ZoneInfo
) -> tuple[datetime, datetime]:
    first = _add_months(start.date().replace(day=1), -1)
    new_start = _midnight(first, tz)
    if _is_complete("month", start, end, tz):
        return new_start, period.start
    try:
        same_point = _add_months(end.date(), -1, clamp=False)
    except ValueError:  # 31 March has no twin in February: compare with all of February
        return new_start, period.start
    return new_start, datetime.combine(same_point, end.timetz().replace(tzinfo=tz))


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    """The first instant of ``day`` in ``tz``, even where a DST gap swallows 00:00."""
    return _wall(datetime.combine(day, time(0), tzinfo=tz), tz)


def _wall(local: datetime, tz: ZoneInfo) -> datetime:
    """``local`` read as wall-clock time in ``tz`` (fold 0: the first of a repeated hour)."""
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC).astimezone(tz)


def _add_months(day: date, months: int, *, clamp: bool = True) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not clamp:
        return day.replace(year=year, month=month + 1)
    last = _days_in_month(year, month + 1)
    return date(year, month + 1, min(day.day, last))


def _days_in_month(year: int, month: int) -> int:
    following = date(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _is_complete(kind: PeriodUnit, start: datetime, end: datetime, tz: ZoneInfo) -> bool:
    first = start.date()
    if kind == "day":
        return end == _midnight(first + timedelta(days=1), tz)
    if kind == "week":
        return end == _midnight(first + timedelta(weeks=1), tz)
    if kind == "month":
        return end == _midnight(_add_months(first, 1), tz)
    return start.time() == time(0) and end.time() == time(0)


def _label(kind: PeriodUnit, start_utc: datetime, end_utc: datetime, tz: ZoneInfo) -> str:
    start, end = start_utc.astimezone(tz), end_utc.astimezone(tz)
    first = start.date()
    complete = _is_complete(kind, start, end, tz)
    last = (end - timedelta(microseconds=1)).date() if end > start else first
    if kind == "day":
        base = _day_name(first)
    elif kind == "week":
        iso = first.isocalendar()
        base = f"week {iso.week} of {iso.year}"
        if complete:
            base += f" ({_span(first, last)})"
    elif kind == "month":
        base = f"{_MONTHS[first.month - 1]} {first.year}"
    else:
        count = (end.date() - first).days if start.time() == end.time() else None
        if complete and count is not None:
            return f"{_plural(count, 'day')}, {_span(first, last)}"
        base = f"{_plural(count, 'day')}" if count is not None else f"from {_moment(start)}"
        return f"{base} to {_moment(end)}"
    if complete:
        return base
    return f"{base} until {end:%H:%M}" if kind == "day" else f"{base} until {_moment(end)}"


def _moment(moment: datetime) -> str:
    return f"{_day_name(moment.date())} {moment:%H:%M}"


def _day_name(day: date) -> str:
    return f"{_DAYS[day.weekday()]} {day.day} {_short_month(day)} {day.year}"


def _short_month(day: date) -> str:
    return _MONTHS[day.month - 1][:3]


def _span(first: date, last: date) -> str:
    """``2–8 Mar 2026``, ``28 Feb – 6 Mar 2026``, ``29 Dec 2025 – 4 Jan 2026``."""
    end = f"{last.day} {_short_month(last)} {last.year}"
    if first == last:
        return end
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{end}"
    if first.year == last.year:
        return f"{first.day} {_short_month(first)} – {end}"
    return f"{first.day} {_short_month(first)} {first.year} – {end}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, not {moment!r}")


# --- the report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    count: int


@dataclass(frozen=True)
class Conversion:
    """From one funnel step to the next: this period's counts and their ratio."""

    from_step: str
    to_step: str
    from_count: int
    to_count: int
    rate: float | None


@dataclass(frozen=True)
class SpeedBand:
    """Claims whose time to claim is in ``(low, high]`` minutes (``[0, high]`` for the first)."""

    label: str
    low_minutes: float
    high_minutes: float | None
    count: int
    share: float | None


@dataclass(frozen=True)
class SpeedToLead:
    """Minutes from ``created`` to the first ``claimed`` of inbound leads claimed in the period."""

    claims: int
    median_minutes: float | None
    p90_minutes: float | None
    bands: tuple[SpeedBand, ...]

    @property
    def share_within_5_minutes(self) -> float | None:
        return self.bands[0].share


class CustomerSpan(NamedTuple):
    """A won lead's dates, for tenure: when it was won, and when it churned (``None``: it didn't).

    Reading these from a repository (one row per customer) is much cheaper than replaying every
    customer's history, which is why :func:`funnel` accepts them. A tuple, not a dataclass, as a
    large team has tens of thousands of them.
    """

    lead_id: int
    won_at: datetime
    churned_at: datetime | None


@dataclass(frozen=True)
class Tenure:
    """Customers won before the period ended and not churned before it began, as of ``now``.

    Each one's tenure runs from ``won`` to ``churned``, or to ``now`` while still a customer.
    """

    customers: int
    median_months: float | None


@dataclass(frozen=True)
class Bottleneck:
    """The open stage whose leads have waited longest (by median) since entering it."""

    stage: Stage
    open_leads: int
    median_wait: timedelta
    oldest_lead_id: int
    oldest_wait: timedelta


@dataclass(frozen=True)
class RepRow:
    """One rep's period: leads assigned to them, claimed, qualified, and won value as owner.

    ``median_minutes_to_claim`` runs from the lead's latest assignment to the rep's claim; an
    outbound lead counts as assigned and claimed at once but has no time to claim.
    """

    rep_id: int
    name: str
    assigned: int
    claimed: int
    median_minutes_to_claim: float | None
    qualified: int
    won_value: Decimal


@dataclass(frozen=True)
class SourceCost:
    """Leads created in the period from one source and what each cost (``None`` if unknown)."""

    source: str
    leads: int
    cost: Decimal | None
    cost_per_lead: Decimal | None


@dataclass(frozen=True)
class FunnelReport:
    """Everything the digest shows for one period. Money is ``Decimal``, rates are fractions."""

    period: Period
    now: datetime
    inbound: int
    outbound: int
    unparsed: int
    claimed: int
    qualified: int
    disqualified: int
    disqualified_reasons: tuple[ReasonCount, ...]
    handed_to_closers: int
    meetings: int
    proposals_requested: int
    proposals_presented: int
    won: int
    won_value: Decimal
    average_deal: Decimal | None
    lost: int
    lost_reasons: tuple[ReasonCount, ...]
    handed_to_account_managers: int
    expansion_value: Decimal
    churned: int
    tenure: Tenure
    conversions: tuple[Conversion, ...]
    speed_to_lead: SpeedToLead
    sla_misses: int
    reassignments: int
    queued: int
    queued_lead_ids: tuple[int, ...]
    bottleneck: Bottleneck | None
    reps: tuple[RepRow, ...]
    cost_per_lead: tuple[SourceCost, ...]

    @property
    def leads(self) -> int:
        return self.inbound + self.outbound


@dataclass(frozen=True)
class _LeadState:
    """A lead as of ``now``: where it is, who owns it, since when, and its customer dates."""

    lead_id: int
    stage: Stage
    owner_id: int | None
    entered_at: datetime
    was_queued: bool
    won_at: datetime | None
    churned_at: datetime | None


def funnel(
    events: Sequence[LeadEvent],
    period: Period,
    now: datetime,
    rep_names: Mapping[int, str],
    source_costs: Mapping[str, Decimal] | None = None,
    customers: Sequence[CustomerSpan] | None = None,
) -> FunnelReport:
    """The funnel of ``period`` from ``events``, with the queue and bottleneck as of ``now``.

    ``customers``, when given, are every won lead's dates and customer tenure is read from them
    alone; otherwise it is read from the histories in ``events``.
    """
    _require_aware(now, "now")
    ordered = sorted(events, key=lambda e: e.at)
    histories = _histories(ordered)
    within = [e for e in ordered if period.contains(e.at)]
    kinds = Counter(e.type for e in within)
    states = [s for s in (_state(h, now) for h in histories.values()) if s is not None]
    created = [e for e in within if e.type is EventType.CREATED]
    inbound = sum(1 for e in created if not _is_outbound(e))
    steps = _steps(within, len(created))
    won_value = _total(e for e in within if e.type is EventType.WON)
    queued = tuple(sorted(s.lead_id for s in states if _is_queued(s)))
    return FunnelReport(
        period=period,
        now=now,
        inbound=inbound,
        outbound=len(created) - inbound,
        unparsed=kinds[EventType.UNPARSED],
        claimed=steps["claimed"],
        qualified=steps["qualified"],
        disqualified=kinds[EventType.DISQUALIFIED],
        disqualified_reasons=_top_reasons(within, EventType.DISQUALIFIED),
        handed_to_closers=steps["handed to closers"],
        meetings=kinds[EventType.MEETING],
        proposals_requested=kinds[EventType.PROPOSAL_REQUESTED],
        proposals_presented=kinds[EventType.PROPOSAL_PRESENTED],
        won=steps["won"],
        won_value=won_value,
        average_deal=_average(won_value, steps["won"]),
        lost=kinds[EventType.LOST],
        lost_reasons=_top_reasons(within, EventType.LOST),
        handed_to_account_managers=steps["handed to account managers"],
        expansion_value=_total(e for e in within if e.type is EventType.EXPANDED),
        churned=kinds[EventType.CHURNED],
        tenure=_tenure(states, period, now)
        if customers is None
        else _tenure_of(customers, period, now),
        conversions=_conversions(steps),
        speed_to_lead=_speed_to_lead(within, histories, period),
        sla_misses=kinds[EventType.SLA_MISSED],
        reassignments=kinds[EventType.REASSIGNED] + _sla_reassignments(histories.values(), period),
        queued=len(queued),
        queued_lead_ids=queued,
        bottleneck=_bottleneck(states, now),
        reps=_rep_rows(histories.values(), period, rep_names),
        cost_per_lead=_source_costs(created, source_costs) if source_costs is not None else (),
    )


def percentile(values: Iterable[float], fraction: float) -> float | None:
    """The ``fraction`` quantile of ``values`` (0.5 the median, 0.9 the 90th percentile).

    Method: linear interpolation between closest ranks (Hyndman & Fan type 7: numpy's default and
    ``statistics.quantiles(..., method="inclusive")``). Sort the n values x₀ ≤ … ≤ xₙ₋₁, take
    h = (n − 1) · fraction and return x⌊h⌋ + (h − ⌊h⌋) · (x⌊h⌋₊₁ − x⌊h⌋). The median is thus the
    usual one (the mean of the two middle values when n is even), a single value is every
    percentile of itself, and ``None`` stands for no values at all.
    """
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0 <= fraction <= 1:
        raise ValueError(f"a quantile is a fraction between 0 and 1, not {fraction}")
    position = (len(ordered) - 1) * fraction
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])


# --- flow through the funnel ----------------------------------------------------------------

_STEPS = ("leads", "claimed", "qualified", "handed to closers", "won", "handed to account managers")


def _steps(within: Sequence[LeadEvent], leads: int) -> dict[str, int]:
    counts = dict.fromkeys(_STEPS, 0)
    counts["leads"] = leads
    for event in within:
        step = _step_of(event)
        if step is not None:
            counts[step] += 1
    return counts


def _step_of(event: LeadEvent) -> str | None:
    if _is_claim(event):
        return "claimed"
    if event.type is EventType.QUALIFIED:
        return "qualified"
    if event.type is EventType.WON:
        return "won"
    if event.type is EventType.HANDED_OFF:
        role = event.payload.get("role")
        to_customer = event.to_stage is Stage.CUSTOMER or role == "account_manager"
        return "handed to account managers" if to_customer else "handed to closers"
    return None


def _conversions(steps: Mapping[str, int]) -> tuple[Conversion, ...]:
    return tuple(
        Conversion(a, b, steps[a], steps[b], steps[b] / steps[a] if steps[a] else None)
        for a, b in pairwise(_STEPS)
    )


def _is_claim(event: LeadEvent) -> bool:
    """A claim, or an outbound lead's start: the prospector who sourced it works it at once."""
    return event.type is EventType.CLAIMED or _is_outbound_start(event)


def _is_outbound_start(event: LeadEvent) -> bool:
    return event.type is EventType.ASSIGNED and (
        event.payload.get("how") == "outbound" or event.to_stage is Stage.WORKING
    )


def _is_outbound(created: LeadEvent) -> bool:
    return created.payload.get("origin") == "outbound"


def _top_reasons(within: Sequence[LeadEvent], kind: EventType) -> tuple[ReasonCount, ...]:
    """The commonest reasons, compared ignoring case and spacing, shown as most often written."""
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for event in within:
        if event.type is kind:
            text = " ".join(str(event.payload.get("reason") or "").split()) or NO_REASON
            spellings[text.casefold()][text] += 1
    ranked = sorted(spellings.items(), key=lambda item: (-item[1].total(), item[0]))
    return tuple(
        ReasonCount(written.most_common(1)[0][0], written.total())
        for _, written in ranked[:TOP_REASONS]
    )


def _amount(event: LeadEvent) -> Decimal:
    """The event's ``amount``; a missing or unreadable one counts as 0 rather than sink a digest."""
    try:
        amount = Decimal(str(event.payload.get("amount", "0")))
    except InvalidOperation:
        return Decimal(0)
    return amount if amount.is_finite() else Decimal(0)


def _total(events: Iterable[LeadEvent]) -> Decimal:
    return sum((_amount(e) for e in events), Decimal(0))


def _average(total: Decimal, count: int) -> Decimal | None:
    return (total / count).quantize(CENT) if count else None


def _sla_reassignments(histories: Iterable[Sequence[LeadEvent]], period: Period) -> int:
    """``assigned`` events in the period that hand a lead on after a missed claim SLA.

    A lead that waits in the queue between the miss and its next assignment still counts.
    """
    count = 0
    for history in histories:
        missed = False
        for event in history:
            if event.type is EventType.SLA_MISSED:
                missed = True
            elif event.type is EventType.ASSIGNED:
                count += missed and period.contains(event.at)
                missed = False
    return count


# --- speed to lead and the rep table ---------------------------------------------------------


def _minutes(since: datetime, until: datetime) -> float:
    return max((until - since).total_seconds() / 60, 0.0)


def _first(history: Sequence[LeadEvent], kind: EventType) -> LeadEvent | None:
    return next((e for e in history if e.type is kind), None)


def _speed_to_lead(
    within: Sequence[LeadEvent], histories: Mapping[int, Sequence[LeadEvent]], period: Period
) -> SpeedToLead:
    """Minutes from post to first claim; only leads with a claim in the period can count."""
    samples = []
    for lead_id in {e.lead_id for e in within if e.type is EventType.CLAIMED}:
        history = histories[lead_id]
        created, claim = _first(history, EventType.CREATED), _first(history, EventType.CLAIMED)
        if created and claim and not _is_outbound(created) and period.contains(claim.at):
            samples.append(_minutes(created.at, claim.at))
    return SpeedToLead(
        claims=len(samples),
        median_minutes=percentile(samples, 0.5),
        p90_minutes=percentile(samples, 0.9),
        bands=tuple(_band(label, low, high, samples) for label, low, high in SPEED_BANDS),
    )


def _band(label: str, low: float, high: float | None, samples: Sequence[float]) -> SpeedBand:
    def inside(minutes: float) -> bool:
        above_low = minutes > low or (low == 0 and minutes >= 0)
        return above_low and (high is None or minutes <= high)

    count = sum(1 for m in samples if inside(m))
    return SpeedBand(label, low, high, count, count / len(samples) if samples else None)


@dataclass
class _RepTally:
    assigned: int = 0
    claimed: int = 0
    qualified: int = 0
    won_value: Decimal = Decimal(0)
    claim_minutes: list[float] = field(default_factory=list)


def _rep_rows(
    histories: Iterable[Sequence[LeadEvent]], period: Period, rep_names: Mapping[int, str]
) -> tuple[RepRow, ...]:
    tallies: dict[int, _RepTally] = defaultdict(_RepTally)
    for history in histories:
        _tally_lead(history, period, tallies)
    rows = [
        RepRow(
            rep_id=rep_id,
            name=rep_names.get(rep_id, f"rep {rep_id}"),
            assigned=t.assigned,
            claimed=t.claimed,
            median_minutes_to_claim=percentile(t.claim_minutes, 0.5),
            qualified=t.qualified,
            won_value=t.won_value,
        )
        for rep_id, t in tallies.items()
    ]
    return tuple(sorted(rows, key=lambda r: (r.name.casefold(), r.rep_id)))


def _tally_lead(
    history: Sequence[LeadEvent], period: Period, tallies: dict[int, _RepTally]
) -> None:
    assigned_at: datetime | None = None
    for event in history:
        if event.type is EventType.ASSIGNED:
            assigned_at = event.at
        rep = event.owner_id if event.owner_id is not None else event.actor_id
        if rep is None or not period.contains(event.at):
            continue
        if event.type is EventType.ASSIGNED:
            tallies[rep].assigned += 1
            tallies[rep].claimed += _is_outbound_start(event)
        elif event.type is EventType.CLAIMED:
            tallies[rep].claimed += 1
            if assigned_at is not None:
                tallies[rep].claim_minutes.append(_minutes(assigned_at, event.at))
        elif event.type is EventType.QUALIFIED:
            tallies[rep].qualified += 1
        elif event.type is EventType.WON:
            tallies[rep].won_value += _amount(event)


def _source_costs(
    created: Sequence[LeadEvent], costs: Mapping[str, Decimal]
) -> tuple[SourceCost, ...]:
    """Cost per lead by source: the configured cost of the period ÷ leads from that source.

    Sources are matched to the configured names ignoring case; a lead without one is "unknown".
    """
    configured = {name.casefold(): name for name in costs}
    leads: Counter[str] = Counter()
    for event in created:
        written = " ".join(str(event.payload.get("source") or "").split()) or UNKNOWN_SOURCE
        leads[configured.get(written.casefold(), written)] += 1
    names = sorted(set(costs) | set(leads), key=lambda s: (s == UNKNOWN_SOURCE, s.casefold()))
    return tuple(_source_cost(name, leads[name], costs.get(name)) for name in names)


def _source_cost(source: str, leads: int, cost: Decimal | None) -> SourceCost:
    per_lead = (cost / leads).quantize(CENT) if cost is not None and leads else None
    return SourceCost(source, leads, cost, per_lead)


# --- state as of now: queue, bottleneck, tenure ---------------------------------------------


def _histories(ordered: Sequence[LeadEvent]) -> dict[int, list[LeadEvent]]:
    histories: dict[int, list[LeadEvent]] = defaultdict(list)
    for event in ordered:
        histories[event.lead_id].append(event)
    return histories


def _state(history: Sequence[LeadEvent], now: datetime) -> _LeadState | None:
    """Replay a lead's events up to ``now``; its stage clock restarts only when the stage does."""
    last: LeadEvent | None = None
    entered_at: datetime | None = None
    was_queued = False
    won_at: datetime | None = None
    churned_at: datetime | None = None
    for event in history:
        if event.at > now:
            break
        if last is None or event.to_stage is not last.to_stage:
            entered_at = event.at
        was_queued = was_queued or event.type is EventType.QUEUED
        if event.type is EventType.WON and won_at is None:
            won_at = event.at
        if event.type is EventType.CHURNED and churned_at is None:
            churned_at = event.at
        last = event
    if last is None or entered_at is None:
        return None
    return _LeadState(
        lead_id=last.lead_id,
        stage=last.to_stage,
        owner_id=last.owner_id,
        entered_at=entered_at,
        was_queued=was_queued,
        won_at=won_at,
        churned_at=churned_at,
    )


def _is_queued(state: _LeadState) -> bool:
    """Waiting because nobody was available: new, ownerless, and queued at some point."""
    return state.stage is Stage.NEW and state.owner_id is None and state.was_queued


def _bottleneck(states: Sequence[_LeadState], now: datetime) -> Bottleneck | None:
    waiting: dict[Stage, list[_LeadState]] = defaultdict(list)
    for state in states:
        if state.stage in OPEN_STAGES:
            waiting[state.stage].append(state)
    if not waiting:
        return None
    journey = list(Stage)

    def median_wait(stage: Stage) -> float:
        waits = [(now - s.entered_at).total_seconds() for s in waiting[stage]]
        return percentile(waits, 0.5) or 0.0

    stage = max(waiting, key=lambda s: (median_wait(s), len(waiting[s]), -journey.index(s)))
    oldest = min(waiting[stage], key=lambda s: (s.entered_at, s.lead_id))
    return Bottleneck(
        stage=stage,
        open_leads=len(waiting[stage]),
        median_wait=timedelta(seconds=median_wait(stage)),
        oldest_lead_id=oldest.lead_id,
        oldest_wait=now - oldest.entered_at,
    )


def _tenure(states: Sequence[_LeadState], period: Period, now: datetime) -> Tenure:
    months = [
        _months(s.won_at, s.churned_at or now)
        for s in states
        if s.won_at is not None
        and s.won_at < period.end
        and (s.churned_at is None or s.churned_at >= period.start)
    ]
    return Tenure(customers=len(months), median_months=percentile(months, 0.5))


def _tenure_of(customers: Sequence[CustomerSpan], period: Period, now: datetime) -> Tenure:
    """:func:`_tenure` from customers' dates, seen as of ``now`` as a replay up to ``now`` would."""
    months = []
    for customer in customers:
        if customer.won_at > now or customer.won_at >= period.end:
            continue
        churned = customer.churned_at
        if churned is not None and churned > now:
            churned = None
        if churned is None or churned >= period.start:
            months.append(_months(customer.won_at, churned or now))
    return Tenure(customers=len(months), median_months=percentile(months, 0.5))


def _months(since: datetime, until: datetime) -> float:
    return max((until - since).total_seconds(), 0.0) / 86_400 / DAYS_PER_MONTH


# --- comparison with the previous period -----------------------------------------------------


@dataclass(frozen=True)
class Delta:
    """One headline figure now and in the previous period.

    ``change`` is current − previous; ``percent`` is that change as a percentage of the previous
    value (``None`` when the previous value is 0 or either is missing). For shares (fractions)
    ``change`` is in fractions too, i.e. percentage points ÷ 100.
    """

    key: str
    label: str
    kind: DeltaKind
    current: Figure
    previous: Figure
    change: Figure
    percent: float | None
    higher_is_better: bool = True


def compare(current: FunnelReport, previous: FunnelReport) -> list[Delta]:
    """The headline figures of ``current`` with their absolute and percentage change."""
    now_speed, then_speed = current.speed_to_lead, previous.speed_to_lead
    counts = [
        ("inbound", "Inbound leads", current.inbound, previous.inbound, True),
        ("outbound", "Outbound leads", current.outbound, previous.outbound, True),
        ("claimed", "Claimed", current.claimed, previous.claimed, True),
        ("qualified", "Qualified", current.qualified, previous.qualified, True),
        ("disqualified", "Disqualified", current.disqualified, previous.disqualified, False),
        (
            "handed_to_closers",
            "Handed to closers",
            current.handed_to_closers,
            previous.handed_to_closers,
            True,
        ),
        ("meetings", "Meetings", current.meetings, previous.meetings, True),
        (
            "proposals_requested",
            "Proposals requested",
            current.proposals_requested,
            previous.proposals_requested,
            True,
        ),
        (
            "proposals_presented",
            "Proposals presented",
            current.proposals_presented,
            previous.proposals_presented,
            True,
        ),
        ("won", "Won", current.won, previous.won, True),
        ("lost", "Lost", current.lost, previous.lost, False),
        (
            "handed_to_account_managers",
            "Handed to account managers",
            current.handed_to_account_managers,
            previous.handed_to_account_managers,
            True,
        ),
        ("churned", "Churned", current.churned, previous.churned, False),
        ("sla_misses", "SLA misses", current.sla_misses, previous.sla_misses, False),
        ("reassignments", "Reassignments", current.reassignments, previous.reassignments, False),
    ]
    money = [
        ("won_value", "Won value", current.won_value, previous.won_value),
        ("average_deal", "Average deal", current.average_deal, previous.average_deal),
        ("expansion_value", "Expansion", current.expansion_value, previous.expansion_value),
    ]
    return [
        *(_count_delta(key, label, a, b, better) for key, label, a, b, better in counts),
        *(_money_delta(key, label, a, b) for key, label, a, b in money),
        _float_delta(
            "speed_median",
            "Median speed to lead",
            "minutes",
            now_speed.median_minutes,
            then_speed.median_minutes,
            False,
        ),
        _float_delta(
            "speed_p90",
            "90th percentile speed to lead",
            "minutes",
            now_speed.p90_minutes,
            then_speed.p90_minutes,
            False,
        ),
        _float_delta(
            "within_5_minutes",
            "Claimed within 5 minutes",
            "share",
            now_speed.share_within_5_minutes,
            then_speed.share_within_5_minutes,
            True,
        ),
    ]


def _count_delta(key: str, label: str, current: int, before: int, better: bool) -> Delta:
    change = current - before
    percent = change / before * 100 if before else None
    return Delta(key, label, "count", current, before, change, percent, better)


def _money_delta(key: str, label: str, current: Decimal | None, before: Decimal | None) -> Delta:
    if current is None or before is None:
        return Delta(key, label, "money", current, before, None, None)
    change = current - before
    percent = float(change / before * 100) if before else None
    return Delta(key, label, "money", current, before, change, percent)


def _float_delta(
    key: str,
    label: str,
    kind: DeltaKind,
    current: float | None,
    before: float | None,
    better: bool,
) -> Delta:
    if current is None or before is None:
        return Delta(key, label, kind, current, before, None, None, better)
    change = current - before
    percent = change / before * 100 if before else None
    return Delta(key, label, kind, current, before, change, percent, better)
