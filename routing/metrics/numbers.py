"""The manager's numbers of a period: costs, conversion by source, pipeline, stalls, stage times,
win rates, role focus and meetings booked at hand-off, computed together from one event log (and
the meetings booked after the period's hand-offs).

The digest, ``/funnel``, the dashboard and the CSV export all call :func:`manager_numbers` with
the digest's own events (plus the open deals' values and ages, :data:`OPPORTUNITY_TYPES`), so
they agree for the same period. Like the funnel, flow figures count the events inside the
period and state figures (pipeline, stalls) describe the leads as of ``now``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from operator import attrgetter
from zoneinfo import ZoneInfo

from routing.calendars.meeting import Meeting
from routing.events import EventType, LeadEvent
from routing.metrics.costs import CostReport, RoleCost, Spend, cost_report, period_months
from routing.metrics.focus import Focus, focus_rows
from routing.metrics.lifecycle import SourceFlow, source_flows
from routing.metrics.meetings import NO_MEETINGS, MeetingsAtHandoff, meetings_at_handoff
from routing.metrics.periods import Period, _require_aware
from routing.metrics.pipeline import (
    DEFAULT_STALLED_DAYS,
    Pipeline,
    StageTime,
    Stall,
    WinRate,
    opportunities,
    pipeline,
    sales_cycle_days,
    stage_times,
    stalls,
    win_rates,
)
from routing.metrics.sources import origins
from routing.metrics.vocabulary import Lifecycle, NumbersSettings

__all__ = ["OPPORTUNITY_TYPES", "Numbers", "NumbersInputs", "focus_weeks", "manager_numbers"]

OPPORTUNITY_TYPES = frozenset(
    {EventType.CREATED, EventType.QUALIFIED, EventType.HANDED_OFF, EventType.AMOUNT_SET}
)
"""What an open deal's value and age need beyond the digest's events (its amount, its budget,
its hand-off to the closer): storage reads these for every open deal."""


@dataclass(frozen=True)
class NumbersInputs:
    """What the numbers need besides events: entered costs, who is in which role, settings."""

    spend: Sequence[Spend] = ()
    role_costs: Sequence[RoleCost] = ()
    rep_roles: Mapping[int, frozenset[str]] = field(default_factory=dict)
    settings: NumbersSettings = field(default_factory=NumbersSettings)
    stalled_days: int = DEFAULT_STALLED_DAYS
    timezone: str = "UTC"
    with_costs: bool = True
    """False for a rep's own share of the numbers: spend is the team's, not theirs."""


@dataclass(frozen=True)
class Numbers:
    period: Period
    now: datetime
    lifecycle: Lifecycle
    sources: tuple[SourceFlow, ...]
    sides: tuple[SourceFlow, SourceFlow, SourceFlow]
    """Inbound, outbound, everyone."""
    costs: CostReport | None
    pipeline: Pipeline
    stalled_days: int
    stalls: tuple[Stall, ...]
    stage_times: tuple[StageTime, ...]
    cycle_wins: int
    cycle_median_days: float | None
    win_rate: WinRate
    closer_win_rates: tuple[WinRate, ...]
    focus: tuple[Focus, ...]
    rep_names: Mapping[int, str]
    meetings: MeetingsAtHandoff = NO_MEETINGS
    """Meetings booked at hand-off (:mod:`routing.metrics.meetings`)."""

    def name(self, rep_id: int | None) -> str:
        return self.rep_names.get(rep_id, f"rep {rep_id}") if rep_id is not None else "nobody"


def manager_numbers(
    events: Sequence[LeadEvent],
    period: Period,
    now: datetime,
    rep_names: Mapping[int, str],
    inputs: NumbersInputs,
    extra: Sequence[LeadEvent] = (),
    meetings: Sequence[Meeting] = (),
) -> Numbers:
    """Every figure of the manager's numbers for ``period``, as of ``now``.

    ``extra``: more events of some leads (the open deals' :data:`OPPORTUNITY_TYPES`), which may
    repeat some of ``events``; each event counts once. ``meetings``: the first meetings booked
    after the period's hand-offs (others are left out).
    """
    _require_aware(now, "now")
    values = list(_histories(events, extra).values())
    start, end = period.start, period.end
    touching = [h for h in values if h[0].at < end and h[-1].at >= start]
    found = origins(touching, rep_names)
    within = [e for h in touching for e in h if start <= e.at < end]
    flows, sides = source_flows(touching, period, found)
    tz = ZoneInfo(inputs.timezone)
    costs = None
    if inputs.with_costs:
        months = period_months(period, tz)
        costs = cost_report(
            within, months, period, flows, sides, found,
            inputs.spend, inputs.role_costs, inputs.rep_roles,
        )  # fmt: skip
    settings = inputs.settings
    wins, cycle = sales_cycle_days(touching, period)
    overall, closers = win_rates(within)
    return Numbers(
        period=period,
        now=now,
        lifecycle=settings.lifecycle,
        sources=flows,
        sides=sides,
        costs=costs,
        pipeline=pipeline(opportunities(values, now), now, settings.probabilities),
        stalled_days=inputs.stalled_days,
        stalls=stalls(values, now, inputs.stalled_days),
        stage_times=stage_times(touching, period),
        cycle_wins=wins,
        cycle_median_days=cycle,
        win_rate=overall,
        closer_win_rates=closers,
        focus=focus_rows(within, focus_weeks(period, tz), found, inputs.rep_roles, rep_names),
        rep_names=rep_names,
        meetings=meetings_at_handoff(within, meetings, now),
    )


def _histories(
    events: Sequence[LeadEvent], extra: Sequence[LeadEvent]
) -> dict[int, list[LeadEvent]]:
    """Each lead's events in time order, ``extra`` merged in without repeating an event. Sorts
    are stable, so events of one time keep the order they came in (storage's: by id); events
    already in time order (the digest's) are not sorted again."""
    ordered = events if _in_order(events) else sorted(events, key=_AT)
    histories: dict[int, list[LeadEvent]] = defaultdict(list)
    for event in ordered:
        histories[event.lead_id].append(event)
    more: dict[int, list[LeadEvent]] = defaultdict(list)
    for event in extra:
        more[event.lead_id].append(event)
    for lead_id, added in more.items():
        history = histories[lead_id]
        known = {e.id for e in history if e.id is not None}
        history.extend(e for e in added if e.id is None or e.id not in known)
        history.sort(key=_AT)
    return histories


def _in_order(events: Sequence[LeadEvent]) -> bool:
    return all(a.at <= b.at for a, b in pairwise(events))


_AT = attrgetter("at")


def focus_weeks(period: Period, tz: ZoneInfo) -> tuple[Period, ...]:
    """The ISO weeks (Monday 00:00 local) ``period`` overlaps, each cut to the period."""
    weeks = []
    local = period.start.astimezone(tz)
    monday = (local - timedelta(days=local.weekday())).date()
    while True:
        start = datetime.combine(monday, datetime.min.time(), tzinfo=tz)
        if start >= period.end:
            break
        after = datetime.combine(monday + timedelta(weeks=1), datetime.min.time(), tzinfo=tz)
        begin, end = max(start, period.start), min(after, period.end)
        if begin < end:
            iso = monday.isocalendar()
            weeks.append(Period(begin, end, f"week {iso.week} of {iso.year}", "week"))
        monday += timedelta(weeks=1)
    return tuple(weeks)
