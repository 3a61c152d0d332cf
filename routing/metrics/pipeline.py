"""The open pipeline, stalled leads, time in each stage, the sales cycle and win rates.

- An **open opportunity** is a lead with a closer that is not won or lost yet (with closer,
  meeting, proposal requested or presented) as of the report's ``now``. Its value is the deal
  amount last set with ``/lead amount``, else its qualification's budget when that reads as an
  amount (``20k``), else unknown; its age runs from its hand-off to the closer. The weighted
  pipeline multiplies each value by its stage's probability (:data:`DEFAULT_PROBABILITIES`,
  HubSpot's default pipeline; ``stage_probabilities`` in the rules file changes them).
- A lead is **stalled** when it is open and owned (assigned, working, qualified, with a closer,
  meeting, proposal, won awaiting its account manager) and has had no event for the stalled days.
- **Time in a stage** is counted when a lead leaves the stage inside the period: from the event
  that took it there to the one that took it on. The **sales cycle** runs from a lead's
  ``created`` to its ``won``, for the period's wins.
- **Win rate** is won ÷ (won + lost) of the period's closes, per closer (the deal's owner) and
  overall.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from routing.amounts import parse_amount
from routing.errors import InvalidInput
from routing.events import EventType, LeadEvent
from routing.metrics.compute import event_amount
from routing.metrics.periods import Period
from routing.metrics.quantiles import percentile
from routing.stages import CLOSING_STAGES, OPEN_STAGES, Stage

__all__ = [
    "DEFAULT_PROBABILITIES",
    "DEFAULT_STALLED_DAYS",
    "OPPORTUNITY_STAGES",
    "Opportunity",
    "Pipeline",
    "StageLine",
    "StageTime",
    "Stall",
    "WinRate",
    "deal_value",
    "opportunities",
    "pipeline",
    "sales_cycle_days",
    "stage_times",
    "stalls",
    "win_rates",
]

OPPORTUNITY_STAGES = (
    Stage.WITH_CLOSER,
    Stage.MEETING,
    Stage.PROPOSAL_REQUESTED,
    Stage.PROPOSAL_PRESENTED,
)
DEFAULT_PROBABILITIES: Mapping[Stage, float] = {
    Stage.WITH_CLOSER: 0.2,  # HubSpot: appointment scheduled
    Stage.MEETING: 0.4,  # qualified to buy
    Stage.PROPOSAL_REQUESTED: 0.6,  # presentation scheduled
    Stage.PROPOSAL_PRESENTED: 0.9,  # contract sent
}
DEFAULT_STALLED_DAYS = 14
STALLABLE = frozenset(OPEN_STAGES - {Stage.NEW})
DAY = 86_400.0


@dataclass(frozen=True)
class Opportunity:
    lead_id: int
    stage: Stage
    owner_id: int | None
    value: Decimal | None
    opened_at: datetime
    last_event_at: datetime


@dataclass(frozen=True)
class StageLine:
    """The open opportunities in one stage."""

    stage: Stage
    count: int
    value: Decimal
    probability: float
    weighted: Decimal
    median_age_days: float | None


@dataclass(frozen=True)
class Pipeline:
    count: int
    value: Decimal
    weighted: Decimal
    without_value: int
    """Open opportunities with no amount and no budget that reads as one."""
    median_age_days: float | None
    stages: tuple[StageLine, ...]


@dataclass(frozen=True)
class Stall:
    lead_id: int
    owner_id: int
    stage: Stage
    last_event_at: datetime
    last_event_id: int | None
    idle: timedelta


@dataclass(frozen=True)
class StageTime:
    stage: Stage
    exits: int
    median_days: float | None


@dataclass(frozen=True)
class WinRate:
    rep_id: int | None
    """``None``: everyone."""
    won: int
    lost: int

    @property
    def rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None


def deal_value(history: Sequence[LeadEvent]) -> Decimal | None:
    """The latest ``/lead amount``, else the latest qualification's budget if it is an amount."""
    for event in reversed(history):
        if event.type is EventType.AMOUNT_SET:
            return event_amount(event)
    for event in reversed(history):
        if event.type is EventType.QUALIFIED:
            return _budget(event.payload.get("budget"))
    return None


def _budget(text: object) -> Decimal | None:
    return _amount_in(text) if isinstance(text, str) else None


@lru_cache(maxsize=4096)
def _amount_in(text: str) -> Decimal | None:
    """A budget as an amount (budgets repeat: ``20k`` is read once)."""
    try:
        return parse_amount(text)
    except (InvalidInput, InvalidOperation):
        return None


def opportunities(
    histories: Iterable[Sequence[LeadEvent]], now: datetime
) -> tuple[Opportunity, ...]:
    """The leads with a closer, not won or lost, as of ``now``."""
    found = []
    for history in histories:
        seen = [e for e in history if e.at <= now] if history[-1].at > now else history
        if not seen or seen[-1].to_stage not in CLOSING_STAGES:
            continue
        last = seen[-1]
        opened = next(
            (e.at for e in reversed(seen) if e.type is EventType.HANDED_OFF
             and e.to_stage is Stage.WITH_CLOSER),
            _stage_began(seen),
        )  # fmt: skip
        found.append(
            Opportunity(
                last.lead_id, last.to_stage, last.owner_id, deal_value(seen), opened, last.at
            )
        )
    return tuple(sorted(found, key=lambda o: o.lead_id))


def _stage_began(history: Sequence[LeadEvent]) -> datetime:
    began = len(history) - 1
    while began > 0 and history[began - 1].to_stage in CLOSING_STAGES:
        began -= 1
    return history[began].at


def pipeline(
    found: Sequence[Opportunity], now: datetime, probabilities: Mapping[Stage, float]
) -> Pipeline:
    """Counts, values and weighted values by stage, in journey order."""
    lines = []
    for stage in OPPORTUNITY_STAGES:
        here = [o for o in found if o.stage is stage]
        value = sum((o.value or Decimal(0) for o in here), Decimal(0))
        probability = probabilities.get(stage, DEFAULT_PROBABILITIES[stage])
        weighted = (value * Decimal(str(probability))).quantize(Decimal("0.01"))
        lines.append(StageLine(stage, len(here), value, probability, weighted, _age(here, now)))
    return Pipeline(
        count=len(found),
        value=sum((line.value for line in lines), Decimal(0)),
        weighted=sum((line.weighted for line in lines), Decimal(0)),
        without_value=sum(1 for o in found if o.value is None),
        median_age_days=_age(found, now),
        stages=tuple(lines),
    )


def _age(found: Sequence[Opportunity], now: datetime) -> float | None:
    return percentile([(now - o.opened_at).total_seconds() / DAY for o in found], 0.5)


def stalls(histories: Iterable[Sequence[LeadEvent]], now: datetime, days: int) -> tuple[Stall, ...]:
    """Open, owned leads whose latest event (up to ``now``) is ``days`` days old or older."""
    cutoff = now - timedelta(days=days)
    found = []
    for history in histories:
        last = history[-1]
        if last.at > now:
            seen = [e for e in history if e.at <= now]
            if not seen:
                continue
            last = seen[-1]
        if last.to_stage in STALLABLE and last.owner_id is not None and last.at <= cutoff:
            found.append(
                Stall(last.lead_id, last.owner_id, last.to_stage, last.at, last.id, now - last.at)
            )
    return tuple(sorted(found, key=lambda s: (s.last_event_at, s.lead_id)))


def stage_times(histories: Iterable[Sequence[LeadEvent]], period: Period) -> tuple[StageTime, ...]:
    """Median days spent in each stage, over the leads that left it inside ``period``."""
    spans: dict[Stage, list[float]] = defaultdict(list)
    for history in histories:
        entered: datetime | None = None
        stage: Stage | None = None
        for event in history:
            if event.at >= period.end:
                break
            if event.to_stage is stage:
                continue
            if stage is not None and entered is not None and event.at >= period.start:
                spans[stage].append((event.at - entered).total_seconds() / DAY)
            stage, entered = event.to_stage, event.at
    return tuple(
        StageTime(s, len(spans[s]), percentile(spans[s], 0.5)) for s in Stage if spans.get(s)
    )


def sales_cycle_days(
    histories: Iterable[Sequence[LeadEvent]], period: Period
) -> tuple[int, float | None]:
    """(wins counted, median days from ``created`` to ``won``) for the period's wins."""
    days = []
    for history in histories:
        created = next((e.at for e in history if e.type is EventType.CREATED), None)
        for event in history:
            if event.type is EventType.WON and period.contains(event.at) and created is not None:
                days.append((event.at - created).total_seconds() / DAY)
    return len(days), percentile(days, 0.5)


def win_rates(within: Iterable[LeadEvent]) -> tuple[WinRate, tuple[WinRate, ...]]:
    """Overall and per closer (the owner of the won or lost deal), from the period's events."""
    won: dict[int | None, int] = defaultdict(int)
    lost: dict[int | None, int] = defaultdict(int)
    for event in within:
        if event.type is EventType.WON:
            won[event.owner_id] += 1
        elif event.type is EventType.LOST:
            lost[event.owner_id] += 1
    reps = sorted({r for r in (*won, *lost) if r is not None})
    overall = WinRate(None, sum(won.values()), sum(lost.values()))
    return overall, tuple(WinRate(r, won[r], lost[r]) for r in reps)
