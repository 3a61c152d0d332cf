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

__all__ = ["STEPS", "SourceFlow", "flow_step", "source_flows"]

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
    outbound: bool | None
    counts: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    won_value: Decimal = Decimal(0)
    waits: list[list[float]] = field(default_factory=lambda: [[], [], []])

    def add(self, step: int, event: LeadEvent, before: datetime | None) -> None:
        self.counts[step] += 1
        if step == 3:
            self.won_value += event_amount(event)
        if before is not None:
            self.waits[step - 1].append((event.at - before).total_seconds() / DAY)

    def row(self, source: str) -> SourceFlow:
        c, w = self.counts, self.waits
        days = (percentile(w[0], 0.5), percentile(w[1], 0.5), percentile(w[2], 0.5))
        return SourceFlow(source, self.outbound, (c[0], c[1], c[2], c[3]), self.won_value, days)


_STEP_TYPES = frozenset(
    {EventType.CREATED, EventType.QUALIFIED, EventType.HANDED_OFF, EventType.WON}
)


def source_flows(
    histories: Iterable[Sequence[LeadEvent]], period: Period, origins: Mapping[int, Origin]
) -> tuple[tuple[SourceFlow, ...], tuple[SourceFlow, SourceFlow, SourceFlow]]:
    """One row per source with a step in ``period``, by side then by leads (most first); and
    the inbound, outbound and everyone rows, with their own medians (not medians of medians).

    A lead whose ``created`` event is not in ``histories`` counts as an inbound ``unknown``.
    """
    tallies: dict[str, _Tally] = {}
    shown: dict[str, Origin] = {}
    sides = (_Tally(False), _Tally(True), _Tally(None))
    start, end = period.start, period.end
    for history in histories:
        last_at: list[datetime | None] = [None, None, None, None]
        for event in history:
            at = event.at
            if at >= end:
                break
            if event.type not in _STEP_TYPES:
                continue
            step = flow_step(event)
            if step is None:
                continue
            if at >= start:
                origin = origins.get(event.lead_id) or UNKNOWN_ORIGIN
                key = origin.key
                if key not in tallies:
                    shown[key], tallies[key] = origin, _Tally(origin.outbound)
                before = last_at[step - 1] if step else None
                for tally in (tallies[key], sides[origin.outbound], sides[2]):
                    tally.add(step, event, before)
            last_at[step] = at
    rows = [tally.row(shown[key].source) for key, tally in tallies.items()]
    rows.sort(key=lambda r: (bool(r.outbound), -r.leads, r.source.casefold()))
    inbound, outbound, everyone = sides
    return tuple(rows), (inbound.row("inbound"), outbound.row("outbound"), everyone.row("all"))
