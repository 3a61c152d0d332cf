"""The manager's numbers as a spreadsheet: one row per figure, in long form.

Columns are ``section, row, figure, value``: ``costs, webinar, per_lead, 125`` or
``pipeline, meeting, weighted, 16000.00``. Values are plain numbers (money in the team's
currency, rates as fractions, durations in days) from the same :class:`Numbers` the digest and
the dashboard write, so every figure matches; an unknown cost is an empty cell, never 0.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

from routing.dashboard.cells import cell
from routing.metrics.costs import CostRow
from routing.metrics.numbers import Numbers

__all__ = ["NUMBERS_COLUMNS", "numbers_csv", "numbers_rows"]

NUMBERS_COLUMNS = ("section", "row", "figure", "value")
BOM = "\ufeff"

Row = tuple[str, str, str, object]


def numbers_rows(numbers: Numbers) -> Iterator[Row]:
    """Every figure of ``numbers``, section by section."""
    yield from _conversion(numbers)
    yield from _costs(numbers)
    yield from _pipeline(numbers)
    for stall in numbers.stalls:
        row = f"L-{stall.lead_id}"
        yield ("stalled", row, "owner", numbers.name(stall.owner_id))
        yield ("stalled", row, "stage", stall.stage.value)
        yield ("stalled", row, "idle_days", _days(stall.idle.total_seconds() / 86_400))
    for time in numbers.stage_times:
        yield ("stage_time", time.stage.value, "left", time.exits)
        yield ("stage_time", time.stage.value, "median_days", _days(time.median_days))
    yield from _meetings(numbers)
    yield ("sales_cycle", "all", "wins", numbers.cycle_wins)
    yield ("sales_cycle", "all", "median_days", _days(numbers.cycle_median_days))
    for rate in (numbers.win_rate, *numbers.closer_win_rates):
        row = numbers.name(rate.rep_id) if rate.rep_id is not None else "all"
        yield ("win_rate", row, "won", rate.won)
        yield ("win_rate", row, "lost", rate.lost)
        yield ("win_rate", row, "rate", _ratio(rate.rate))
    for focus in numbers.focus:
        row = f"{focus.name} · {focus.week.label}"
        yield ("focus", row, "role", focus.role)
        yield ("focus", row, "logged", focus.logged)
        yield ("focus", row, "outside_share", _ratio(focus.share))
        yield ("focus", row, "flagged", "yes" if focus.flagged else "no")


def _conversion(numbers: Numbers) -> Iterator[Row]:
    named = [(flow.source, flow) for flow in numbers.sources]
    named += [(f"{flow.source} (total)", flow) for flow in numbers.sides]
    for row, flow in named:
        side = "all" if flow.outbound is None else ("outbound" if flow.outbound else "inbound")
        yield ("conversion", row, "side", side)
        for step, count in zip(("leads", "sql", "opportunities", "won"), flow.counts, strict=True):
            yield ("conversion", row, step, count)
        for index, step in enumerate(("sql", "opportunity", "won"), start=1):
            yield ("conversion", row, f"rate_to_{step}", _ratio(flow.rate(index)))
        yield ("conversion", row, "won_value", flow.won_value)
        for step, days in zip(("to_sql", "to_opportunity", "to_won"), flow.days, strict=True):
            yield ("conversion", row, f"median_days_{step}", _days(days))


def _costs(numbers: Numbers) -> Iterator[Row]:
    costs = numbers.costs
    if costs is None:
        return
    rows: list[tuple[str, CostRow]] = [(r.source, r) for r in costs.rows]
    rows += [(f"{r.source} (total)", r) for r in costs.sides]
    for name, row in rows:
        yield ("costs", name, "spend", row.spend)
        yield ("costs", name, "people", row.people)
        yield ("costs", name, "cost", row.cost)
        yield ("costs", name, "per_lead", row.per_lead)
        yield ("costs", name, "per_sql", row.per_sql)
        yield ("costs", name, "per_opportunity", row.per_opportunity)
        yield ("costs", name, "per_won", row.per_won)
        yield ("costs", name, "return", _ratio(row.returned))
    yield ("costs", "not spread", "people", costs.unspread)
    for text in costs.unknown:
        yield ("costs", "unknown", "note", text)


def _pipeline(numbers: Numbers) -> Iterator[Row]:
    found = numbers.pipeline
    for line in found.stages:
        yield ("pipeline", line.stage.value, "open", line.count)
        yield ("pipeline", line.stage.value, "value", line.value)
        yield ("pipeline", line.stage.value, "probability", line.probability)
        yield ("pipeline", line.stage.value, "weighted", line.weighted)
        yield ("pipeline", line.stage.value, "median_age_days", _days(line.median_age_days))
    yield ("pipeline", "all", "open", found.count)
    yield ("pipeline", "all", "value", found.value)
    yield ("pipeline", "all", "weighted", found.weighted)
    yield ("pipeline", "all", "without_value", found.without_value)
    yield ("pipeline", "all", "median_age_days", _days(found.median_age_days))


def _meetings(numbers: Numbers) -> Iterator[Row]:
    """Meetings booked at hand-off; the days run from the hand-off to the meeting's start."""
    found = numbers.meetings
    yield ("meetings_at_handoff", "all", "handoffs", found.handoffs)
    yield ("meetings_at_handoff", "all", "booked", found.booked)
    yield ("meetings_at_handoff", "all", "rate", _ratio(found.rate))
    yield ("meetings_at_handoff", "all", "with_start", found.timed)
    yield ("meetings_at_handoff", "all", "median_days_to_start", _days(found.median_days))


def _days(days: float | None) -> str | None:
    return f"{days:.2f}" if days is not None else None


def _ratio(value: float | None) -> str | None:
    return f"{value:.4f}" if value is not None else None


def numbers_csv(numbers: Numbers) -> str:
    """The spreadsheet, with a byte-order mark (a spreadsheet then opens accents right)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(NUMBERS_COLUMNS)
    for section, row, figure, value in numbers_rows(numbers):
        shown = str(value) if isinstance(value, int | Decimal) else cell(value)
        writer.writerow((section, cell(row), figure, shown))
    return BOM + out.getvalue()
