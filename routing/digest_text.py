"""The funnel digest as plain text: for the console, ``baton digest --print`` and the demo.

Amounts are shown with thousands separators and no currency symbol (a team records deals in its
own currency); pass ``currency`` to put one in front. Changes against the previous period follow
each headline figure in brackets, e.g. ``Won 3 (+1, +50%) · 42,000 (+12,000, +40%)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Literal

from routing.lead import format_lead_id
from routing.metrics import (
    CENT,
    SKIP_REASONS,
    Delta,
    Figure,
    FunnelReport,
    ReasonCount,
    RepRow,
    SourceCost,
)

__all__ = ["render_text"]

NAME_WIDTH = 24
Align = Literal["<", ">"]


def render_text(report: FunnelReport, deltas: Sequence[Delta], *, currency: str = "") -> str:
    """The whole digest; ``deltas`` may be empty when there is no previous period to compare."""
    changes = {d.key: d for d in deltas}
    sections = [
        [f"Funnel digest · {report.period.label}"],
        _headlines(report, changes, currency),
        _funnel(report),
        _speed(report, changes),
        [describe_bottleneck(report)],
        _reps(report.reps, currency),
        _costs(report.cost_per_lead, currency),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


# --- headlines -------------------------------------------------------------------------------


def _headlines(report: FunnelReport, changes: Mapping[str, Delta], currency: str) -> list[str]:
    def count(key: str, label: str, value: int) -> str:
        return f"{label} {value}{format_change(changes.get(key), currency)}"

    def money(key: str, label: str, value: Decimal | None) -> str:
        shown = format_money(value, currency) if value is not None else "–"
        return f"{label}{shown}{format_change(changes.get(key), currency)}"

    return [
        " · ".join(
            [
                count("inbound", "Inbound", report.inbound),
                count("outbound", "outbound", report.outbound),
                f"unparsed {report.unparsed}",
            ]
        ),
        " · ".join(
            [
                count("won", "Won", report.won),
                money("won_value", "", report.won_value),
                money("average_deal", "average deal ", report.average_deal),
            ]
        ),
        " · ".join(
            [
                count("lost", "Lost", report.lost),
                count("disqualified", "disqualified", report.disqualified),
            ]
        ),
        " · ".join(
            [
                money("expansion_value", "Expansion ", report.expansion_value),
                count("churned", "churned", report.churned),
            ]
        ),
        " · ".join(
            [
                count("sla_misses", "SLA misses", report.sla_misses),
                count("reassignments", "reassignments", report.reassignments),
                f"queued now {report.queued}",
            ]
        ),
    ]


def format_change(delta: Delta | None, currency: str) -> str:
    """`` (+1, +50%)``, `` (±0)``, or nothing when there is nothing to compare with."""
    if delta is None or delta.change is None:
        return ""
    if delta.kind == "money" and isinstance(delta.change, Decimal):
        amount = _signed(delta.change, format_money(abs(delta.change), currency))
    elif delta.kind == "minutes":
        amount = _signed(delta.change, format_minutes(abs(float(delta.change))))
    elif delta.kind == "share":
        amount = _signed(delta.change, f"{abs(float(delta.change)) * 100:.0f} pts")
    else:
        amount = _signed(delta.change, f"{abs(delta.change)}")
    if delta.percent is None or delta.change == 0 or delta.kind == "share":
        return f" ({amount})"
    return f" ({amount}, {delta.percent:+.0f}%)"


def _signed(value: Figure, magnitude: str) -> str:
    if value is None or value == 0:
        return "±0"
    return f"+{magnitude}" if value > 0 else f"-{magnitude}"


# --- funnel ----------------------------------------------------------------------------------


def _funnel(report: FunnelReport) -> list[str]:
    rows = [["Leads", str(report.leads), ""]]
    for step in report.conversions:
        rate = f"{step.rate:.0%} of {step.from_step}" if step.rate is not None else "–"
        rows.append([step.to_step.capitalize(), str(step.to_count), rate])
    lines = ["Funnel", *text_table(rows, ("<", ">", "<"), indent="  ")]
    lines.append(
        f"  Meetings {report.meetings} · proposals requested {report.proposals_requested}"
        f" · proposals presented {report.proposals_presented}"
    )
    lines.append(f"  Disqualified: {format_reasons(report.disqualified_reasons)}")
    lines.append(f"  Lost: {format_reasons(report.lost_reasons)}")
    tenure = describe_tenure(report)
    if tenure is not None:
        lines.append(f"  Customer tenure: {tenure}")
    return lines


def describe_tenure(report: FunnelReport) -> str | None:
    """``median 4.2 months over 12 customers``; ``None`` until a customer is a month old, as a
    tenure of days says nothing yet."""
    tenure = report.tenure
    if tenure.median_months is None or not tenure.measurable:
        return None
    return f"median {tenure.median_months:.1f} months over {_plural(tenure.customers, 'customer')}"


REP_HEADER = ("Rep", "Assigned", "Claimed", "Median to claim", "Qualified", "Won value")
ROTATION_HEADER = ("Rep", "Received", "Fair share", "Away", "Hours", "Cap", "Open limit")
ACCOUNT_HEADER = ("Account manager", "Customers taken on", "Expansion", "Churned")
RIGHT: Align = ">"


def rep_cells(rep: RepRow, name: str, currency: str = "") -> list[str]:
    """One rep's row of the per-rep table (``name`` already fitted to the medium)."""
    to_claim = rep.median_minutes_to_claim
    return [
        name,
        str(rep.assigned),
        str(rep.claimed),
        format_minutes(to_claim) if to_claim is not None else "–",
        str(rep.qualified),
        format_money(rep.won_value, currency),
    ]


def rotation_cells(rep: RepRow, name: str) -> list[str]:
    """Leads the rotation gave ``rep``, their fair share of those turns, and skips by reason."""
    return [
        name,
        str(rep.received),
        format_fair_share(rep.fair_share),
        *(str(rep.skipped.get(reason, 0)) for reason in SKIP_REASONS),
    ]


def account_cells(rep: RepRow, name: str, currency: str = "") -> list[str]:
    return [
        name,
        str(rep.customers_taken_on),
        format_money(rep.expansion_value, currency),
        str(rep.churned),
    ]


def format_fair_share(share: float) -> str:
    """``4.5``: a fair share is a fraction of leads; one decimal is all it means."""
    return f"{share:.1f}"


def format_skips(skipped: Mapping[str, int]) -> str:
    """``away 3 · cap 1`` (reasons in :data:`SKIP_REASONS` order), or ``–``."""
    parts = [
        f"{reason.replace('_', ' ')} {skipped[reason]}"
        for reason in SKIP_REASONS
        if skipped.get(reason)
    ]
    return " · ".join(parts) or "–"


def format_reasons(reasons: Sequence[ReasonCount]) -> str:
    return ", ".join(f"{r.reason} ({r.count})" for r in reasons) or "none"


# --- speed to lead ---------------------------------------------------------------------------


def _speed(report: FunnelReport, changes: Mapping[str, Delta]) -> list[str]:
    speed = report.speed_to_lead
    title = f"Speed to lead ({_plural(speed.claims, 'inbound claim')})"
    if speed.median_minutes is None or speed.p90_minutes is None:
        return [title, "  no inbound leads were claimed"]
    summary = (
        f"  Median {format_minutes(speed.median_minutes)}"
        f"{format_change(changes.get('speed_median'), '')}"
        f" · 90th percentile {format_minutes(speed.p90_minutes)}"
        f"{format_change(changes.get('speed_p90'), '')}"
    )
    within = (
        f"  Claimed within 5 min: {format_share(speed.share_within_5_minutes)}"
        f"{format_change(changes.get('within_5_minutes'), '')}"
    )
    rows = [[band.label, str(band.count), format_share(band.share)] for band in speed.bands]
    return [title, summary, within, *text_table(rows, ("<", ">", ">"), indent="  ")]


def format_share(share: float | None) -> str:
    return f"{share:.0%}" if share is not None else "–"


# --- bottleneck, reps, costs -----------------------------------------------------------------


def describe_bottleneck(report: FunnelReport) -> str:
    neck = report.bottleneck
    if neck is None:
        return "Bottleneck: none (no open leads)"
    oldest = f"{format_lead_id(neck.oldest_lead_id)} waiting {_wait(neck.oldest_wait)}"
    if neck.open_leads == 1:
        return f"Bottleneck: {neck.stage.label} — 1 open lead, {oldest}"
    return (
        f"Bottleneck: {neck.stage.label} — {neck.open_leads} open leads,"
        f" median wait {_wait(neck.median_wait)}; oldest {oldest}"
    )


def _reps(reps: Sequence[RepRow], currency: str) -> list[str]:
    """The per-rep tables: selling, the rotation's fairness, and the account managers'."""
    selling = [r for r in reps if r.sells]
    turns = [r for r in reps if r.in_rotation]
    accounts = [r for r in reps if r.manages_accounts]
    if not selling and not accounts:
        return ["Reps", "  no rep activity"]
    lines = ["Reps"]
    if selling:
        rows = [list(REP_HEADER)] + [rep_cells(r, _fit(r.name), currency) for r in selling]
        lines += text_table(rows, ("<", *[RIGHT] * 5), indent="  ")
    if turns:
        rows = [list(ROTATION_HEADER)] + [rotation_cells(r, _fit(r.name)) for r in turns]
        lines += ["", "  Rotation turns: received vs fair share, and skips by reason"]
        lines += text_table(rows, ("<", *[RIGHT] * 6), indent="  ")
    if accounts:
        rows = [list(ACCOUNT_HEADER)] + [account_cells(r, _fit(r.name), currency) for r in accounts]
        lines += [""] if len(lines) > 1 else []
        lines += text_table(rows, ("<", RIGHT, RIGHT, RIGHT), indent="  ")
    return lines


def _costs(costs: Sequence[SourceCost], currency: str) -> list[str]:
    if not costs:
        return []
    rows = [["Source", "Leads", "Cost", "Per lead"]] + [
        [
            _fit(c.source),
            str(c.leads),
            format_money(c.cost, currency) if c.cost is not None else "–",
            format_money(c.cost_per_lead, currency) if c.cost_per_lead is not None else "–",
        ]
        for c in costs
    ]
    return ["Cost per lead", *text_table(rows, ("<", ">", ">", ">"), indent="  ")]


# --- formatting ------------------------------------------------------------------------------


def text_table(rows: Sequence[Sequence[str]], align: Sequence[Align], indent: str) -> list[str]:
    """Rows as columns padded to the widest cell, two spaces apart, without trailing blanks."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(align))]
    return [
        (
            indent
            + "  ".join(f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def format_money(amount: Decimal, currency: str) -> str:
    """``42,000`` or ``1,234.50``: cents only when there are some."""
    cents = amount.quantize(CENT)
    text = f"{cents:,.0f}" if cents == cents.to_integral_value() else f"{cents:,.2f}"
    return f"-{currency}{text[1:]}" if text.startswith("-") else f"{currency}{text}"


def format_minutes(minutes: float) -> str:
    """``7.5 min``, ``1 h 20 min``, ``2 d 3 h``."""
    if minutes < 60:
        return f"{minutes:.1f}".removesuffix(".0") + " min"
    return _wait(timedelta(minutes=minutes))


def _wait(span: timedelta) -> str:
    """A wait in its two largest units: ``10 d 22 h``, ``3 h 05 min``, ``12 min``."""
    minutes = round(span.total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"


def _fit(name: str) -> str:
    return name if len(name) <= NAME_WIDTH else name[: NAME_WIDTH - 1] + "…"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
