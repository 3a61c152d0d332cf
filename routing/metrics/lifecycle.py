"""Conversion by source: leads → SQL → opportunity → won, and the days between the steps.

The steps are the funnel's own (:func:`routing.metrics.compute._step_of`): a lead is a
``created`` event, an SQL a ``qualified`` one, an opportunity a hand-off to a closer, a win a
``won`` one. Like the funnel, counts are the period's flow (the events inside it), so the totals
of every source add up to the digest's leads, qualified, handed to closers and won. The days
between two steps are the median, over the step's events in the period, of the time since that
lead's previous step (its latest one before).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from routing.events import EventType, LeadEvent
from routing.metrics.compute import _step_of, event_amount
from routing.metrics.periods import Period
from routing.metrics.quantiles import percentile
from routing.metrics.sources import UNKNOWN_SOURCE, Origin

__all__ = ["STEPS", "SourceFlow", "flow_step", "source_flows", "totals"]

STEPS = ("lead", "sql", "opportunity", "won")
"""Baton's steps, in order: a lead, a qualified lead (SQL), a lead with a closer, a win."""
_FUNNEL_STEP = {"qualified": 1, "handed to closers": 2, "won": 3}
DAY = 86_400.0
UNKNOWN_ORIGIN = Origin(UNKNOWN_SOURCE, False)


def flow_step(event: LeadEvent) -> int | None:
    """The index in :data:`STEPS` of the step ``event`` is, or None."""
    if event.type is EventType.CREATED:
        return 0
    step = _step_of(event)
    return _FUNNEL_STEP.get(step) if step is not None else None


@dataclass(frozen=True)
class SourceFlow:
    """One source's period (or a side's, or everyone's): counts per step, won value, and the
    median days from each step to the next (``None`` when no lead took that step)."""

    source: str
    outbound: bool | None
    """``None`` on the rows that add up both sides."""
    counts: tuple[int, int, int, int]
    won_value: Decimal
    days: tuple[float | None, float | None, float | None]

    @property
    def leads(self) -> int:
        return self.counts[0]

    @property
    def sql(self) -> int:
        return self.counts[1]

    @property
    def opportunities(self) -> int:
        return self.counts[2]

    @property
    def won(self) -> int:
        return self.counts[3]

    def rate(self, step: int) -> float | None:
        """Conversion into ``step`` from the one before it (flow, so it may pass 1)."""
        before = self.counts[step - 1]
        return self.counts[step] / before if before else None


@dataclass
class _Tally:
    outbound: bool
    counts: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    won_value: Decimal = Decimal(0)
    waits: list[list[float]] = field(default_factory=lambda: [[], [], []])


def source_flows(
    histories: Iterable[Sequence[LeadEvent]],
    period: Period,
    origins: Mapping[int, Origin],
    fallback: Origin = UNKNOWN_ORIGIN,
) -> tuple[SourceFlow, ...]:
    """One row per source with a step in ``period``, by side then by leads (most first); a lead
    whose ``created`` event is not in ``histories`` counts under ``fallback``."""
    tallies: dict[str, _Tally] = {}
    shown: dict[str, Origin] = {}
    for history in histories:
        last_at: list[datetime | None] = [None, None, None, None]
        for event in history:
            if event.at >= period.end:
                break
            step = flow_step(event)
            if step is None:
                continue
            if event.at >= period.start:
                origin = origins.get(event.lead_id) or fallback
                shown.setdefault(origin.key, origin)
                tally = tallies.setdefault(origin.key, _Tally(origin.outbound))
                tally.counts[step] += 1
                if step == 3:
                    tally.won_value += event_amount(event)
                before = last_at[step - 1] if step else None
                if before is not None:
                    tally.waits[step - 1].append((event.at - before).total_seconds() / DAY)
            last_at[step] = event.at
    rows = [_row(shown[key].source, tally) for key, tally in tallies.items()]
    return tuple(sorted(rows, key=lambda r: (bool(r.outbound), -r.leads, r.source.casefold())))


def _row(source: str, tally: _Tally) -> SourceFlow:
    counts = tuple(tally.counts)
    days = tuple(percentile(waits, 0.5) for waits in tally.waits)
    return SourceFlow(source, tally.outbound, counts, tally.won_value, days)  # type: ignore[arg-type]


def totals(
    histories: Iterable[Sequence[LeadEvent]], period: Period, origins: Mapping[int, Origin]
) -> tuple[SourceFlow, SourceFlow, SourceFlow]:
    """Inbound, outbound and everyone, with their own medians (not medians of medians)."""
    inbound, outbound, everyone = (
        Origin("inbound", False),
        Origin("outbound", True),
        Origin("all", False),
    )
    sides = {k: outbound if o.outbound else inbound for k, o in origins.items()}
    histories = list(histories)
    by_side = {r.source: r for r in source_flows(histories, period, sides, inbound)}
    (all_row,) = source_flows(histories, period, {}, everyone) or (_empty("all", None),)
    return (
        by_side.get("inbound") or _empty("inbound", False),
        by_side.get("outbound") or _empty("outbound", True),
        SourceFlow("all", None, all_row.counts, all_row.won_value, all_row.days),
    )


def _empty(source: str, outbound: bool | None) -> SourceFlow:
    return SourceFlow(source, outbound, (0, 0, 0, 0), Decimal(0), (None, None, None))
