"""The funnel digest as any chat shows it: what it says, decided once, and nothing of how it looks.

:func:`digest_view` turns a digest (a period's report, the one before it and the changes) into a
:class:`DigestView`: the title, the headline facts with their changes, the funnel, its notes, speed
to lead, the bottleneck and queue, the per-rep tables and cost per lead, every figure already
written. Slack's Block Kit, Teams' Adaptive Cards, plain text (console, ``/funnel`` in text,
``baton digest --print``) and the dashboard lay this out; none of them picks a figure or a word.

The tables (:mod:`routing.chat.digest_tables`) also say which rows to keep when a renderer can
show only some (Slack, within its 50 blocks): the ones a manager most wants to see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from routing.chat.digest_numbers import NumbersView, meetings_sentence, numbers_view
from routing.chat.digest_tables import Table, cost_table, rep_tables
from routing.chat.formatting import (
    NOTHING,
    format_change,
    format_count,
    format_figure,
    format_money,
    format_reasons,
    format_share,
    format_wait,
    plural,
)
from routing.lead import format_lead_id
from routing.metrics import Delta, DeltaKind, Figure, FunnelReport
from routing.metrics.numbers import Numbers

__all__ = [
    "QUEUED_IDS_SHOWN",
    "Band",
    "Compared",
    "DigestView",
    "Fact",
    "FunnelRow",
    "SpeedView",
    "Statement",
    "bottleneck",
    "describe_tenure",
    "digest_view",
]

QUEUED_IDS_SHOWN = 10
"""Queued leads named by id; the rest are counted."""


class Compared(Protocol):
    """A period's report beside the one before it (``routing.usecases.funnel.Digest``)."""

    @property
    def report(self) -> FunnelReport: ...

    @property
    def previous(self) -> FunnelReport: ...

    @property
    def deltas(self) -> Sequence[Delta]: ...

    @property
    def numbers(self) -> Numbers | None: ...

    @property
    def currency(self) -> str:
        """The ISO code amounts are shown in (``""``: none)."""
        ...


@dataclass(frozen=True)
class Fact:
    """A labelled figure and its change against the previous period (``""``: nothing to compare)."""

    label: str
    value: str
    change: str = ""

    @property
    def shown(self) -> str:
        """``36 (+6, +20%)``: the figure with its change, as every chat writes it."""
        return f"{self.value} ({self.change})" if self.change else self.value


@dataclass(frozen=True)
class FunnelRow:
    """A funnel step, its count, and its conversion from the step before (``""`` on the first)."""

    step: str
    count: str
    conversion: str


@dataclass(frozen=True)
class Band:
    """A speed-to-lead band: ``0–5 min``, how many claims, and their share (for a bar, too)."""

    label: str
    count: str
    share: str
    fraction: float


@dataclass(frozen=True)
class SpeedView:
    """Speed to lead: median, 90th percentile and claims within 5 minutes, then the bands.

    ``empty`` says why there are no facts when no inbound lead was claimed.
    """

    title: str
    facts: tuple[Fact, ...]
    bands: tuple[Band, ...]
    empty: str | None


@dataclass(frozen=True)
class Statement:
    """A labelled sentence (``Bottleneck: …``); a renderer may set the label apart."""

    label: str
    text: str

    @property
    def sentence(self) -> str:
        return f"{self.label}: {self.text}"


@dataclass(frozen=True)
class DigestView:
    title: str
    compared_with: str
    summary: str
    """One line for notifications and previews."""
    headline: tuple[Fact, ...]
    funnel: tuple[FunnelRow, ...]
    notes: tuple[str, ...]
    """Under the funnel: meetings and proposals, expansion and churn, tenure, reasons."""
    speed: SpeedView
    bottleneck: Statement
    queue: Statement
    rep_tables: tuple[Table, ...]
    no_reps: Statement | None
    """Said instead of the rep tables when nobody did anything."""
    costs: Table | None
    numbers: NumbersView | None = None
    """The manager's numbers, compact, in digests of a week or longer (not the daily one)."""


def digest_view(digest: Compared, currency: str | None = None) -> DigestView:
    """What the digest says, in the order every chat shows it, amounts in ``currency`` (by
    default the digest's own)."""
    currency = digest.currency if currency is None else currency
    report = digest.report
    changes = {d.key: d for d in digest.deltas}
    tables = rep_tables(report.reps, currency)
    return DigestView(
        title=f"Funnel digest · {report.period.label}",
        compared_with=f"Compared with {digest.previous.period.label}",
        summary=_summary(report, currency),
        headline=_headline(report, changes, currency),
        funnel=_funnel(report),
        notes=_notes(report, currency, digest.numbers),
        speed=_speed(report, changes),
        bottleneck=bottleneck(report),
        queue=Statement("Queue", _queue(report)),
        rep_tables=tables,
        no_reps=None if tables else Statement("Reps", "No rep activity."),
        costs=cost_table(report.cost_per_lead, currency),
        numbers=_numbers(digest, currency),
    )


def _numbers(digest: Compared, currency: str) -> NumbersView | None:
    """The numbers of a week or more: a day is too short for costs, stalls or focus."""
    numbers = digest.numbers
    if numbers is None or numbers.period.kind == "day":
        return None
    return numbers_view(numbers, currency)


def _summary(report: FunnelReport, currency: str) -> str:
    return (
        f"Funnel digest · {report.period.label}: {report.leads:,} leads, {report.claimed:,}"
        f" claimed, {report.qualified:,} qualified, {report.won:,} won"
        f" ({format_money(report.won_value, currency)})"
    )


# --- headline ------------------------------------------------------------------------------------


def _headline(
    report: FunnelReport, changes: Mapping[str, Delta], currency: str
) -> tuple[Fact, ...]:
    """The figures a manager reads first; speed to lead has its own section below them."""
    figures: tuple[tuple[str, str, DeltaKind, Figure], ...] = (
        ("inbound", "Inbound leads", "count", report.inbound),
        ("outbound", "Outbound leads", "count", report.outbound),
        ("unparsed", "Unparsed posts", "count", report.unparsed),
        ("claimed", "Claimed", "count", report.claimed),
        ("qualified", "Qualified", "count", report.qualified),
        ("disqualified", "Disqualified", "count", report.disqualified),
        ("won", "Won", "count", report.won),
        ("won_value", "Won value", "money", report.won_value),
        ("average_deal", "Average deal", "money", report.average_deal),
        ("lost", "Lost", "count", report.lost),
        ("expansion_value", "Expansion", "money", report.expansion_value),
        ("churned", "Churned", "count", report.churned),
        ("sla_misses", "SLA misses", "count", report.sla_misses),
        ("reassignments", "Reassignments", "count", report.reassignments),
    )
    return tuple(
        _fact(label, value, kind, changes.get(key), currency) for key, label, kind, value in figures
    )


def _fact(
    label: str, value: Figure, kind: DeltaKind, delta: Delta | None, currency: str = ""
) -> Fact:
    return Fact(label, format_figure(value, kind, currency), format_change(delta, currency))


# --- funnel --------------------------------------------------------------------------------------


def _funnel(report: FunnelReport) -> tuple[FunnelRow, ...]:
    rows = [FunnelRow("Leads", format_count(report.leads), "")]
    for step in report.conversions:
        rate = f"{step.rate:.0%} of {step.from_step}" if step.rate is not None else NOTHING
        rows.append(FunnelRow(step.to_step.capitalize(), format_count(step.to_count), rate))
    return tuple(rows)


def _notes(report: FunnelReport, currency: str, numbers: Numbers | None) -> tuple[str, ...]:
    """Meetings booked at hand-off are the numbers' (:mod:`routing.metrics.meetings`): every
    digest says them, the daily one too, under the meetings they lead to."""
    tenure = describe_tenure(report)
    meetings = (
        f"Meetings {report.meetings:,} · proposals requested {report.proposals_requested:,}"
        f" · presented {report.proposals_presented:,}"
    )
    accounts = (
        f"Expansion {format_money(report.expansion_value, currency)} · churned {report.churned:,}"
    )
    return (
        meetings,
        *([meetings_sentence(numbers.meetings)] if numbers is not None else []),
        accounts,
        *([f"Customer tenure: {tenure}"] if tenure else []),
        f"Disqualified {report.disqualified:,}: {format_reasons(report.disqualified_reasons)}",
        f"Lost {report.lost:,}: {format_reasons(report.lost_reasons)}",
    )


def describe_tenure(report: FunnelReport) -> str | None:
    """``median 4.2 months over 12 customers``; ``None`` until a customer is a month old, as a
    tenure of days says nothing yet."""
    tenure = report.tenure
    if tenure.median_months is None or not tenure.measurable:
        return None
    return f"median {tenure.median_months:.1f} months over {plural(tenure.customers, 'customer')}"


# --- speed to lead -------------------------------------------------------------------------------


def _speed(report: FunnelReport, changes: Mapping[str, Delta]) -> SpeedView:
    speed = report.speed_to_lead
    title = f"Speed to lead ({plural(speed.claims, 'inbound claim')})"
    bands = tuple(
        Band(b.label, format_count(b.count), format_share(b.share), b.share or 0.0)
        for b in speed.bands
    )
    if speed.median_minutes is None or speed.p90_minutes is None:
        return SpeedView(title, (), bands, "No inbound leads were claimed.")
    facts = (
        _fact("Median", speed.median_minutes, "minutes", changes.get("speed_median")),
        _fact("90th percentile", speed.p90_minutes, "minutes", changes.get("speed_p90")),
        _fact(
            "Claimed within 5 min",
            speed.share_within_5_minutes,
            "share",
            changes.get("within_5_minutes"),
        ),
    )
    return SpeedView(title, facts, bands, None)


# --- where leads wait ----------------------------------------------------------------------------


def bottleneck(report: FunnelReport) -> Statement:
    """Where leads wait longest: ``working — 4 open leads, median wait 5 h 00 min; oldest L-17
    waiting 2 d 0 h``."""
    neck = report.bottleneck
    if neck is None:
        return Statement("Bottleneck", "none (no open leads)")
    oldest = f"{format_lead_id(neck.oldest_lead_id)} waiting {format_wait(neck.oldest_wait)}"
    if neck.open_leads == 1:
        return Statement("Bottleneck", f"{neck.stage.label} — 1 open lead, {oldest}")
    return Statement(
        "Bottleneck",
        f"{neck.stage.label} — {neck.open_leads:,} open leads,"
        f" median wait {format_wait(neck.median_wait)}; oldest {oldest}",
    )


def _queue(report: FunnelReport) -> str:
    """``3 waiting for someone available (L-4, L-9 and 1 more)``, or ``empty``."""
    if not report.queued:
        return "empty"
    ids = ", ".join(format_lead_id(i) for i in report.queued_lead_ids[:QUEUED_IDS_SHOWN])
    more = report.queued - min(report.queued, QUEUED_IDS_SHOWN)
    return f"{report.queued:,} waiting for someone available ({ids}" + (
        f" and {more:,} more)" if more else ")"
    )
