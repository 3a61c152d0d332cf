"""``funnel``: the report of a period computed from the event log, with its helpers."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from itertools import pairwise
from operator import attrgetter

from routing.events import EventType, LeadEvent
from routing.metrics.fairness import SKIP_REASONS, RotationTally, rotation_tallies
from routing.metrics.periods import Period, _require_aware
from routing.metrics.quantiles import percentile
from routing.metrics.report import (
    Bottleneck,
    Conversion,
    CustomerSpan,
    FunnelReport,
    ReasonCount,
    RepRow,
    SourceCost,
    SpeedBand,
    SpeedToLead,
    Tenure,
)
from routing.stages import OPEN_STAGES, Stage

DAYS_PER_MONTH = 30.436875
"""The mean Gregorian month (365.2425 / 12 days): the unit of customer tenure."""


TOP_REASONS = 3
OTHER_REASONS = "other"
"""The reasons past the top three, counted together so a digest's reasons add up."""
NO_REASON = "no reason given"
UNKNOWN_SOURCE = "unknown"
CENT = Decimal("0.01")
UNIT = Decimal(1)
SPEED_BANDS: tuple[tuple[str, float, float | None], ...] = (
    ("0–5 min", 0.0, 5.0),
    ("5–15 min", 5.0, 15.0),
    ("15–60 min", 15.0, 60.0),
    ("60+ min", 60.0, None),
)
"""(label, lower bound exclusive except for 0, upper bound inclusive) in minutes."""


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
    return funnels(events, [(period, now)], rep_names, source_costs, customers)[0]


def funnels(
    events: Sequence[LeadEvent],
    periods: Sequence[tuple[Period, datetime]],
    rep_names: Mapping[int, str],
    source_costs: Mapping[str, Decimal] | None = None,
    customers: Sequence[CustomerSpan] | None = None,
) -> list[FunnelReport]:
    """:func:`funnel` of each ``(period, now)`` over the same ``events``, which are put in time
    order and grouped by lead once for all of them (a digest's period and the one before it)."""
    log = _EventLog(events)
    return [
        _report(log, period, now, rep_names, source_costs, customers) for period, now in periods
    ]


class _EventLog:
    """Events in time order, their times (to find a period's by bisection) and each lead's."""

    def __init__(self, events: Sequence[LeadEvent]) -> None:
        self.ordered = sorted(events, key=_AT)
        self.times = list(map(_AT, self.ordered))
        self.histories = _histories(self.ordered)

    def within(self, period: Period) -> list[LeadEvent]:
        """The events in ``period``: the same as filtering by ``period.contains``."""
        first = bisect_left(self.times, period.start)
        return self.ordered[first : bisect_left(self.times, period.end, lo=first)]

    def touching(self, period: Period) -> list[list[LeadEvent]]:
        """The histories with an event in ``period``, in the order of :attr:`histories`: the
        others count nothing in it (their events are all before it, or all after)."""
        start, end = period.start, period.end
        return [h for h in self.histories.values() if h[0].at < end and h[-1].at >= start]


_AT = attrgetter("at")


def _report(
    log: _EventLog,
    period: Period,
    now: datetime,
    rep_names: Mapping[int, str],
    source_costs: Mapping[str, Decimal] | None,
    customers: Sequence[CustomerSpan] | None,
) -> FunnelReport:
    _require_aware(now, "now")
    histories = log.histories
    walk = _walk(log.touching(period), period)
    within = log.within(period)
    kinds = Counter(e.type for e in within)
    if customers is None:
        states = [s for s in (_state(h, now) for h in histories.values()) if s is not None]
        tenure = _tenure(states, period, now)
    else:
        states = _open_states(histories.values(), now)
        tenure = tenure_of(customers, period, now)
    created = [e for e in within if e.type is EventType.CREATED]
    steps = _steps(within, len(created))
    inbound, _qualified, won_value = headline(within)
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
        tenure=tenure,
        conversions=_conversions(steps),
        speed_to_lead=_speed_to_lead(within, histories, period),
        sla_misses=kinds[EventType.SLA_MISSED],
        reassignments=kinds[EventType.REASSIGNED] + walk.sla_reassignments,
        queued=len(queued),
        queued_lead_ids=queued,
        bottleneck=_bottleneck(states, now),
        reps=_rep_rows(walk, period, rep_names),
        cost_per_lead=_source_costs(created, source_costs) if source_costs is not None else (),
    )


def headline(within: Iterable[LeadEvent]) -> tuple[int, int, Decimal]:
    """Inbound leads, qualified and won value of events already inside a period: the report's
    own figures, cheap enough for a 12-week trend that needs no histories."""
    inbound = qualified = 0
    won_value = Decimal(0)
    for event in within:
        kind = event.type
        if kind is EventType.CREATED:
            inbound += not _is_outbound(event)
        elif kind is EventType.QUALIFIED:  # the "qualified" step (_step_of)
            qualified += 1
        elif kind is EventType.WON:
            won_value += event_amount(event)
    return inbound, qualified, won_value


# --- flow through the funnel ----------------------------------------------------------------

_TO_AM = "handed to account managers"
_STEPS = ("leads", "claimed", "qualified", "handed to closers", "won", _TO_AM)


def _steps(within: Sequence[LeadEvent], leads: int) -> dict[str, int]:
    """Events per funnel step; a lead counts once as claimed (an outbound lead handed to the
    qualifiers is started by its prospector and claimed again by its qualifier)."""
    counts = dict.fromkeys(_STEPS, 0)
    counts["leads"] = leads
    claimed: set[int] = set()
    for event in within:
        step = _step_of(event)
        if step == "claimed":
            if event.lead_id in claimed:
                continue
            claimed.add(event.lead_id)
        if step is not None:
            counts[step] += 1
    return counts


def _step_of(event: LeadEvent) -> str | None:
    kind = event.type
    if kind is EventType.CLAIMED:
        return "claimed"
    if kind is EventType.ASSIGNED:  # claimed if it is an outbound lead's start (_is_claim)
        return "claimed" if _is_outbound_start(event) else None
    if kind is EventType.QUALIFIED:
        return "qualified"
    if kind is EventType.WON:
        return "won"
    if kind is EventType.HANDED_OFF:
        role = event.payload.get("role")
        if role == "qualifier":
            return None  # an outbound lead passed to the qualifiers: not a step down the funnel
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


def _is_qualifier_handoff(event: LeadEvent) -> bool:
    """A prospector passed an outbound lead to a qualifier, who claims it like an inbound one."""
    return event.type is EventType.HANDED_OFF and event.payload.get("role") == "qualifier"


def _is_given(event: LeadEvent) -> bool:
    """The event gives the lead to its owner to work: the rotation's or a manager's assignment,
    a reassignment, or a hand-off to a qualifier or a closer. A customer handed to an account
    manager is not (they count it as a customer taken on)."""
    kind = event.type
    if kind is EventType.ASSIGNED or kind is EventType.REASSIGNED:
        return True
    return kind is EventType.HANDED_OFF and _step_of(event) != _TO_AM


def _is_outbound(created: LeadEvent) -> bool:
    return created.payload.get("origin") == "outbound"


def _top_reasons(within: Sequence[LeadEvent], kind: EventType) -> tuple[ReasonCount, ...]:
    """The commonest reasons, compared ignoring case and spacing, shown as most often written,
    then every other reason together as "other", so the counts add up to the events'.

    A reason people wrote as "other" takes the rest in rather than appearing twice.
    """
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for event in within:
        if event.type is kind:
            text = " ".join(str(event.payload.get("reason") or "").split()) or NO_REASON
            spellings[text.casefold()][text] += 1
    ranked = sorted(spellings.items(), key=lambda item: (-item[1].total(), item[0]))
    top = [(key, written.most_common(1)[0][0], written.total()) for key, written in ranked]
    rest = sum(count for _, _, count in top[TOP_REASONS:])
    shown = top[:TOP_REASONS]
    if rest:
        mine = next((i for i, (key, _, _) in enumerate(shown) if key == OTHER_REASONS), None)
        if mine is None:
            shown.append((OTHER_REASONS, OTHER_REASONS, rest))
        else:
            key, written, count = shown[mine]
            shown[mine] = (key, written, count + rest)
    return tuple(ReasonCount(written, count) for _, written, count in shown)


def event_amount(event: LeadEvent) -> Decimal:
    """The event's ``amount``; a missing or unreadable one counts as 0 rather than sink a digest."""
    try:
        amount = Decimal(str(event.payload.get("amount", "0")))
    except InvalidOperation:
        return Decimal(0)
    return amount if amount.is_finite() else Decimal(0)


def _total(events: Iterable[LeadEvent]) -> Decimal:
    return sum((event_amount(e) for e in events), Decimal(0))


def _average(total: Decimal, count: int) -> Decimal | None:
    """An average amount, rounded half up to whole currency units: cents of an average are noise."""
    return (total / count).quantize(UNIT, rounding=ROUND_HALF_UP) if count else None


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
    claimed_leads: set[int] = field(default_factory=set)
    """A lead counts once as claimed, as in the funnel (a lead declined and claimed again)."""
    qualified: int = 0
    won_value: Decimal = Decimal(0)
    claim_minutes: list[float] = field(default_factory=list)
    customers_taken_on: int = 0
    expansion_value: Decimal = Decimal(0)
    churned: int = 0


def _rep_rows(walk: _Walk, period: Period, rep_names: Mapping[int, str]) -> tuple[RepRow, ...]:
    tallies = walk.tallies
    turns = rotation_tallies(walk.turns, period)
    rows = [
        _rep_row(rep_id, rep_names, tallies.get(rep_id, _RepTally()), turns.get(rep_id))
        for rep_id in set(tallies) | set(turns)
    ]
    return tuple(sorted(rows, key=lambda r: (r.name.casefold(), r.rep_id)))


def _rep_row(
    rep_id: int, rep_names: Mapping[int, str], t: _RepTally, turns: RotationTally | None
) -> RepRow:
    return RepRow(
        rep_id=rep_id,
        name=rep_names.get(rep_id, f"rep {rep_id}"),
        assigned=t.assigned,
        claimed=len(t.claimed_leads),
        median_minutes_to_claim=percentile(t.claim_minutes, 0.5),
        qualified=t.qualified,
        won_value=t.won_value,
        received=turns.received if turns else 0,
        fair_share=turns.fair_share if turns else 0.0,
        skipped={r: turns.skipped[r] for r in SKIP_REASONS if turns.skipped[r]} if turns else {},
        customers_taken_on=t.customers_taken_on,
        expansion_value=t.expansion_value,
        churned=t.churned,
    )


@dataclass
class _Walk:
    """What one walk through the histories with an event in a period finds in it."""

    tallies: dict[int, _RepTally] = field(default_factory=lambda: defaultdict(_RepTally))
    turns: list[LeadEvent] = field(default_factory=list)
    """The period's ``assigned`` events, rotation turns or not, in the order walked."""
    sla_reassignments: int = 0
    """``assigned`` events in the period that hand a lead on after a missed claim SLA.

    A lead that waits in the queue between the miss and its next assignment still counts; a
    miss after which the lead stayed with its rep (``kept``: nobody else was free) hands nothing
    on, so the next assignment is not one.
    """


def _walk(histories: Iterable[Sequence[LeadEvent]], period: Period) -> _Walk:
    """The rep tallies, rotation turns and SLA reassignments of ``period``, in one walk of each
    history up to the period's end (an event's owner, or actor without one, is credited)."""
    walk = _Walk()
    tallies, turns = walk.tallies, walk.turns
    start, end = period.start, period.end
    for history in histories:
        assigned_at: datetime | None = None
        missed = False
        for event in history:
            at = event.at
            if at >= end:
                break  # a history is in time order: nothing after the period counts
            kind = event.type
            if kind is EventType.SLA_MISSED:
                missed = not event.payload.get("kept")
            elif kind is EventType.ASSIGNED:
                walk.sla_reassignments += missed and start <= at
                missed = False
            given = _is_given(event)
            if given:
                assigned_at = at
            if at < start:
                continue
            if kind is EventType.ASSIGNED:
                turns.append(event)
            rep = event.owner_id if event.owner_id is not None else event.actor_id
            if rep is None:
                continue
            if given:
                tallies[rep].assigned += 1
                if _is_outbound_start(event):
                    tallies[rep].claimed_leads.add(event.lead_id)
            elif kind is EventType.CLAIMED:
                tallies[rep].claimed_leads.add(event.lead_id)
                if assigned_at is not None:
                    tallies[rep].claim_minutes.append(_minutes(assigned_at, at))
            elif kind is EventType.QUALIFIED:
                tallies[rep].qualified += 1
            elif kind is EventType.WON:
                tallies[rep].won_value += event_amount(event)
            elif kind is EventType.HANDED_OFF and _step_of(event) == _TO_AM:
                tallies[rep].customers_taken_on += 1
            elif kind is EventType.EXPANDED:
                tallies[rep].expansion_value += event_amount(event)
            elif kind is EventType.CHURNED:
                tallies[rep].churned += 1
    return walk


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
    per_lead = _average(cost, leads) if cost is not None else None
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


def _open_states(histories: Iterable[Sequence[LeadEvent]], now: datetime) -> list[_LeadState]:
    """:func:`_state` of the leads still open at ``now``, for the queue and the bottleneck, which
    look at open leads only; their customer dates are left out.

    Each history is read from its end: a closed lead costs a look at its last event, not a replay.
    """
    states = []
    for history in histories:
        last = len(history) - 1
        while last >= 0 and history[last].at > now:
            last -= 1
        if last < 0:
            continue
        latest = history[last]
        stage = latest.to_stage
        if stage not in OPEN_STAGES:
            continue
        began = last
        while began > 0 and history[began - 1].to_stage is stage:
            began -= 1
        # Only a new lead can be queued (``_is_queued``): the others' record is not looked up.
        was_queued = stage is Stage.NEW and any(
            e.type is EventType.QUEUED for e in history[: last + 1]
        )
        states.append(
            _LeadState(
                latest.lead_id, stage, latest.owner_id, history[began].at, was_queued, None, None
            )
        )
    return states


def open_bottleneck(events: Sequence[LeadEvent], now: datetime, owner_id: int) -> Bottleneck | None:
    """:func:`_bottleneck` of the open leads ``owner_id`` holds at ``now``, from their whole
    histories in ``events``: where a rep's own leads wait (their dashboard)."""
    histories = _histories(sorted(events, key=_AT)).values()
    states = [s for s in _open_states(histories, now) if s.owner_id == owner_id]
    return _bottleneck(states, now)


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

    def waiting_time(stage: Stage) -> float:
        return median_wait(stage) * len(waiting[stage])

    stage = max(waiting, key=lambda s: (waiting_time(s), median_wait(s), -journey.index(s)))
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
    return _tenure_from(months)


def tenure_of(customers: Sequence[CustomerSpan], period: Period, now: datetime) -> Tenure:
    """:func:`_tenure` from customers' dates, seen as of ``now`` as a replay up to ``now`` would."""
    months = []
    start, end = period.start, period.end
    for _lead, won_at, churned in customers:
        if won_at > now or won_at >= end:
            continue
        if churned is not None and churned > now:
            churned = None
        if churned is None or churned >= start:  # _months, inline: once per customer
            seconds = max(((churned or now) - won_at).total_seconds(), 0.0)
            months.append(seconds / 86_400 / DAYS_PER_MONTH)
    return _tenure_from(months)


def _months(since: datetime, until: datetime) -> float:
    return max((until - since).total_seconds(), 0.0) / 86_400 / DAYS_PER_MONTH


def _tenure_from(months: Sequence[float]) -> Tenure:
    return Tenure(
        customers=len(months),
        median_months=percentile(months, 0.5),
        longest_months=max(months, default=None),
    )
