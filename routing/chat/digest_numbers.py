"""The manager's numbers as every chat and the dashboard show them: tables and sentences.

:func:`numbers_view` turns :class:`routing.metrics.numbers.Numbers` into a :class:`NumbersView`.
The digest gets it compact (the tables a manager acts on, the rest in sentences); the dashboard
gets it full (every table, conversion and days per source, time in each stage, role focus per
rep and week). Both come from the same figures, written by the same functions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from routing.chat.digest_tables import NAME_WIDTH, Table
from routing.chat.formatting import (
    NOTHING,
    format_count,
    format_money,
    format_share,
    format_wait,
    plural,
)
from routing.lead import format_lead_id
from routing.limits import truncate
from routing.metrics.costs import CostReport, CostRow
from routing.metrics.focus import FOCUS_LIMIT, Focus
from routing.metrics.lifecycle import SourceFlow
from routing.metrics.meetings import MeetingsAtHandoff
from routing.metrics.numbers import Numbers
from routing.metrics.pipeline import Pipeline, WinRate

__all__ = [
    "MEETINGS_AT_HANDOFF",
    "STALLED_IDS_SHOWN",
    "TIME_TO_MEETING",
    "NumbersView",
    "focus_sentence",
    "meetings_sentence",
    "numbers_view",
]

STALLED_IDS_SHOWN = 5
"""Stalled leads named by id in an owner's row; the rest are counted."""
MEETINGS_AT_HANDOFF = "Meetings booked at hand-off"
TIME_TO_MEETING = "hand-off → meeting start"


@dataclass(frozen=True)
class NumbersView:
    """What the manager's numbers say: sentences first, then tables."""

    title: str
    notes: tuple[str, ...]
    tables: tuple[Table, ...]


def numbers_view(numbers: Numbers, currency: str = "", *, full: bool = False) -> NumbersView:
    """The numbers as sentences and tables; ``full`` for the dashboard (see the module)."""
    money = _money(currency)
    tables = [
        *_cost_tables(numbers.costs, numbers, money),
        _conversion_table(numbers, money, full),
        *([_pipeline_table(numbers.pipeline, money)] if full else []),
        _stalled_table(numbers),
        *([_stage_table(numbers)] if full else []),
        _closers_table(numbers),
        *([_focus_table(numbers)] if full else []),
    ]
    return NumbersView(
        title="The manager's numbers",
        notes=_notes(numbers, money, full),
        tables=tuple(t for t in tables if t is not None and t.rows),
    )


Money = Callable[[Decimal | None], str]


def _money(currency: str) -> Money:
    def written(amount: Decimal | None) -> str:
        return format_money(amount, currency) if amount is not None else NOTHING

    return written


def _name(name: str) -> str:
    return truncate(name, NAME_WIDTH)


def _table(
    title: str,
    header: Sequence[str],
    rows: Sequence[tuple[str, ...]],
    ranked_as: str,
    noun: str,
    rank: Sequence[int] | None = None,
) -> Table:
    order = tuple(rank) if rank is not None else tuple(range(len(rows)))
    return Table(title, tuple(header), tuple(rows), order, ranked_as, noun)


# --- sentences -----------------------------------------------------------------------------------


def _notes(numbers: Numbers, money: Money, full: bool) -> tuple[str, ...]:
    notes = [
        _pipeline_note(numbers.pipeline, money),
        *([meetings_sentence(numbers.meetings)] if full else []),
        _time_note(numbers),
        *([_stage_note(numbers)] if not full and numbers.stage_times else []),
        _days_note(numbers.sides[2]),
        *(focus_sentence(f) for f in numbers.focus if f.flagged),
    ]
    costs = numbers.costs
    if costs is not None:
        if costs.unspread:
            notes.append(
                f"Not spread over any lead: {money(costs.unspread)} of people's time (no lead"
                " worked in the period)"
            )
        notes.extend(f"Cost unknown: {text}" for text in costs.unknown)
    return tuple(note for note in notes if note)


def _pipeline_note(found: Pipeline, money: Money) -> str:
    if not found.count:
        return "Open pipeline: no open opportunities"
    age = (
        f"; median age {_days(found.median_age_days)}" if found.median_age_days is not None else ""
    )
    missing = (
        f"; {_opportunities(found.without_value)} without an amount" if found.without_value else ""
    )
    worth = f"{money(found.value)} ({money(found.weighted)} weighted)"
    return f"Open pipeline: {_opportunities(found.count)}, {worth}{age}{missing}"


def meetings_sentence(found: MeetingsAtHandoff) -> str:
    """``Meetings booked at hand-off: 9 of 12 hand-offs to closers (75%) · hand-off → meeting
    start: median 2 d 3 h over 8 meetings``: every digest (under the funnel) and the dashboard
    (in the numbers) say it in these words."""
    if not found.handoffs:
        return f"{MEETINGS_AT_HANDOFF}: no hand-offs to closers"
    booked = (
        f"{found.booked:,} of {plural(found.handoffs, 'hand-off')} to closers"
        f" ({format_share(found.rate)})"
    )
    if found.median_days is None:
        return f"{MEETINGS_AT_HANDOFF}: {booked}"
    time = f"median {_days(found.median_days)} over {plural(found.timed, 'meeting')}"
    return f"{MEETINGS_AT_HANDOFF}: {booked} · {TIME_TO_MEETING}: {time}"


def _opportunities(count: int) -> str:
    return f"{count:,} opportunity" if count == 1 else f"{count:,} opportunities"


def _time_note(numbers: Numbers) -> str:
    rate = numbers.win_rate
    won = f"win rate {_rate(rate)} ({rate.won:,} won of {rate.won + rate.lost:,} closed)"
    if numbers.cycle_median_days is None:
        return f"Sales cycle: no wins · {won}"
    return (
        f"Sales cycle (lead → won): median {_days(numbers.cycle_median_days)} over "
        f"{plural(numbers.cycle_wins, 'win')} · {won}"
    )


def _stage_note(numbers: Numbers) -> str:
    parts = [f"{t.stage.label} {_days(t.median_days)}" for t in numbers.stage_times]
    return "Median time in stage: " + " · ".join(parts)


def _days_note(flow: SourceFlow) -> str:
    if not any(d is not None for d in flow.days):
        return ""
    steps = ("lead → SQL", "SQL → opportunity", "opportunity → won")
    parts = [f"{step} {_days(d)}" for step, d in zip(steps, flow.days, strict=True)]
    return "Median days between steps: " + " · ".join(parts)


def focus_sentence(focus: Focus) -> str:
    """``pete: 35% of their work this week was qualifying inbound leads``."""
    share = f"{focus.share:.0%}"
    if len(focus.outside) == 1:
        what = focus.outside[0][0]
    else:
        parts = [f"{kind} {count / focus.logged:.0%}" for kind, count in focus.outside]
        what = "outside their role (" + ", ".join(parts) + ")"
    when = "this week" if focus.week.kind == "week" else focus.week.label
    return (
        f"{focus.name}: {share} of their work {when} was {what}"
        f" (over {FOCUS_LIMIT:.0%}; {focus.outside_count:,} of {focus.logged:,} logged steps)"
    )


def _days(days: float | None) -> str:
    """``3 d 4 h``, ``5 h 00 min``: a span of days as the digest writes waits."""
    return format_wait(timedelta(days=days)) if days is not None else NOTHING


def _rate(win: WinRate) -> str:
    return format_share(win.rate)


# --- tables --------------------------------------------------------------------------------------


def _cost_tables(costs: CostReport | None, numbers: Numbers, money: Money) -> list[Table]:
    if costs is None:
        return []
    figures: tuple[tuple[str, Callable[[CostRow], str]], ...] = (
        ("Leads", lambda r: format_count(r.flow.leads)),
        ("Qualified (SQL)", lambda r: format_count(r.flow.sql)),
        ("Opportunities", lambda r: format_count(r.flow.opportunities)),
        ("Won", lambda r: format_count(r.flow.won)),
        ("Won value", lambda r: money(r.flow.won_value)),
        ("Cost", lambda r: money(r.cost)),
        ("Per lead", lambda r: money(r.per_lead)),
        ("Per SQL", lambda r: money(r.per_sql)),
        ("Per opportunity", lambda r: money(r.per_opportunity)),
        ("Per won deal", lambda r: money(r.per_won)),
        ("Return", lambda r: _return(r)),
    )
    sides = _table(
        "Inbound vs outbound",
        ("", "Inbound", "Outbound", "All"),
        [(label, *(cell(side) for side in costs.sides)) for label, cell in figures],
        "in order",
        "figure",
    )
    header = ("Source", "Side", "Cost", "Per lead", "Per SQL", "Per opp.", "Per won", "Return")
    rows = [
        (
            _name(r.source),
            "out" if r.outbound else "in",
            money(r.cost),
            money(r.per_lead),
            money(r.per_sql),
            money(r.per_opportunity),
            money(r.per_won),
            _return(r),
        )
        for r in costs.rows
    ]
    rank = sorted(range(len(costs.rows)), key=lambda i: -costs.rows[i].flow.leads)
    by_source = _table(
        "Cost and return by source", header, rows, "with the most leads", "source", rank
    )
    return [sides, by_source]


def _return(row: CostRow) -> str:
    returned = row.returned
    return f"{returned:.1f}×" if returned is not None else NOTHING


def _conversion_table(numbers: Numbers, money: Money, full: bool) -> Table:
    life = numbers.lifecycle
    flows = [*numbers.sources, *numbers.sides]
    header: tuple[str, ...]
    if full:
        header = (
            "Source",
            "Side",
            life.step(0),
            life.step(1),
            "%",
            life.step(2),
            "%",
            life.step(3),
            "%",
            "Won value",
            "Days to SQL",
            "Days to opp.",
            "Days to won",
        )
    else:
        header = (
            "Source",
            f"Leads ({life.mql})",
            life.sql,
            life.opportunity,
            life.customer,
            "Lead → won",
        )

    def cells(flow: SourceFlow) -> tuple[str, ...]:
        side = "all" if flow.outbound is None else ("out" if flow.outbound else "in")
        total = any(flow is side for side in numbers.sides)
        name = _name(flow.source.capitalize() if total else flow.source)
        if not full:
            won = format_share(flow.won / flow.leads) if flow.leads else NOTHING
            return (name, *(format_count(c) for c in flow.counts), won)
        return (
            name,
            side,
            format_count(flow.leads),
            format_count(flow.sql),
            format_share(flow.rate(1)),
            format_count(flow.opportunities),
            format_share(flow.rate(2)),
            format_count(flow.won),
            format_share(flow.rate(3)),
            money(flow.won_value),
            *(_days(d) for d in flow.days),
        )

    rows = [cells(flow) for flow in flows]
    sources = len(numbers.sources)
    # A cut table keeps the inbound, outbound and all rows, then the sources with most leads.
    rank = [
        *range(sources, len(flows)),
        *sorted(range(sources), key=lambda i: -numbers.sources[i].leads),
    ]
    title = "Conversion by source (" + " → ".join(life.labels) + ")"
    return _table(title, header, rows, "with the most leads", "source", rank)


def _pipeline_table(found: Pipeline, money: Money) -> Table:
    rows = [
        (
            line.stage.label,
            format_count(line.count),
            money(line.value),
            f"{line.probability:.0%}",
            money(line.weighted),
            _days(line.median_age_days),
        )
        for line in found.stages
    ]
    rows.append(
        ("All", format_count(found.count), money(found.value), "", money(found.weighted),
         _days(found.median_age_days))
    )  # fmt: skip
    header = ("Stage", "Open", "Value", "Probability", "Weighted", "Median age")
    return _table("Open pipeline by stage", header, rows, "in journey order", "stage")


def _stalled_table(numbers: Numbers) -> Table:
    by_owner: dict[int, list[int]] = defaultdict(list)
    oldest: dict[int, timedelta] = {}
    for stall in numbers.stalls:
        by_owner[stall.owner_id].append(stall.lead_id)
        oldest.setdefault(stall.owner_id, stall.idle)
    owners = sorted(by_owner, key=lambda o: (-len(by_owner[o]), numbers.name(o).casefold()))
    rows = []
    for owner in owners:
        ids = by_owner[owner]
        shown = ", ".join(format_lead_id(i) for i in ids[:STALLED_IDS_SHOWN])
        more = len(ids) - min(len(ids), STALLED_IDS_SHOWN)
        rows.append(
            (
                _name(numbers.name(owner)),
                format_count(len(ids)),
                shown + (f" and {more:,} more" if more else ""),
                format_wait(oldest[owner]),
            )
        )
    title = f"Stalled (no event for {plural(numbers.stalled_days, 'day')}), by owner"
    return _table(
        title, ("Owner", "Stalled", "Leads", "Longest idle"), rows, "with the most", "owner"
    )


def _stage_table(numbers: Numbers) -> Table:
    rows = [
        (t.stage.label, format_count(t.exits), _days(t.median_days)) for t in numbers.stage_times
    ]
    rows.append(
        (
            "Sales cycle (lead → won)",
            format_count(numbers.cycle_wins),
            _days(numbers.cycle_median_days),
        )
    )
    return _table(
        "Time in each stage", ("Stage", "Left it", "Median"), rows, "in journey order", "stage"
    )


def _closers_table(numbers: Numbers) -> Table:
    rates = [*numbers.closer_win_rates, numbers.win_rate]
    rows = [
        (
            _name(numbers.name(r.rep_id) if r.rep_id is not None else "Overall"),
            format_count(r.won),
            format_count(r.lost),
            _rate(r),
        )
        for r in rates
    ]
    rank = [
        len(rates) - 1,
        *sorted(range(len(rates) - 1), key=lambda i: -(rates[i].won + rates[i].lost)),
    ]
    return _table(
        "Win rate by closer",
        ("Closer", "Won", "Lost", "Win rate"),
        rows,
        "who closed most",
        "closer",
        rank,
    )


def _focus_table(numbers: Numbers) -> Table:
    rows = [
        (
            _name(f.name),
            f.week.label,
            f.role.replace("_", " "),
            format_count(f.logged),
            format_share(f.share),
            f.outside[0][0] if f.outside else NOTHING,
            "over " + f"{FOCUS_LIMIT:.0%}" if f.flagged else "",
        )
        for f in numbers.focus
    ]
    header = ("Rep", "Week", "Role", "Logged", "Outside role", "Mostly", "")
    return _table("Role focus by week", header, rows, "in order", "row")
