"""The funnel digest as any chat shows it: what it says, decided once, and nothing of how it looks.

:func:`digest_view` turns a digest (a period's report, the one before it and the changes) into a
:class:`DigestView`: the title, the headline facts with their changes, the funnel, its notes, speed
to lead, the bottleneck and queue, the per-rep tables and cost per lead, every figure already
written. Slack's Block Kit, Teams' Adaptive Cards, plain text (console, ``/funnel`` in text,
``baton digest --print``) and the dashboard lay this out; none of them picks a figure or a word.

A renderer that can show only some rows of a table (Slack, within its 50 blocks) asks the table
for its :meth:`Table.top` rows: the ones a manager most wants to see, and the words that say so.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Protocol, TypeVar

from routing.chat.formatting import (
    NOTHING,
    format_change,
    format_count,
    format_fair_share,
    format_figure,
    format_minutes,
    format_money,
    format_reasons,
    format_share,
    format_wait,
    plural,
)
from routing.lead import format_lead_id
from routing.limits import truncate
from routing.metrics import SKIP_REASONS, Delta, DeltaKind, Figure, FunnelReport, RepRow, SourceCost

__all__ = [
    "NAME_WIDTH",
    "QUEUED_IDS_SHOWN",
    "Band",
    "Compared",
    "DigestView",
    "Fact",
    "FunnelRow",
    "SpeedView",
    "Statement",
    "Table",
    "bottleneck",
    "describe_tenure",
    "digest_view",
]

NAME_WIDTH = 24
"""A rep's or a source's name in a table: enough to tell people apart, narrow enough for phones."""
QUEUED_IDS_SHOWN = 10
"""Queued leads named by id; the rest are counted."""

T = TypeVar("T")


class Compared(Protocol):
    """A period's report beside the one before it (``routing.usecases.funnel.Digest``)."""

    @property
    def report(self) -> FunnelReport: ...

    @property
    def previous(self) -> FunnelReport: ...

    @property
    def deltas(self) -> Sequence[Delta]: ...


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
class Table:
    """A titled table of text cells; the first column names its row, the others are figures.

    ``rank`` lists row indexes, the row to keep first when only some fit; ``ranked_as`` says
    what that order is (``most active``), for the title of a cut table. ``left_out`` counts the
    rows a cut dropped, ``noun`` what a row is (``rep``), for the line that says so.
    """

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    rank: tuple[int, ...]
    ranked_as: str
    noun: str
    left_out: int = 0

    def top(self, count: int) -> Table:
        """The ``count`` rows that come first by rank (all of them, as they are, if they fit)."""
        if len(self.rows) <= count:
            return self
        return replace(
            self,
            title=f"{self.title} (the {count} {self.ranked_as})",
            rows=tuple(self.rows[i] for i in self.rank[:count]),
            rank=tuple(range(count)),
            left_out=self.left_out + len(self.rows) - count,
        )

    @property
    def more(self) -> str | None:
        """``…and 275 more reps`` under a cut table; None when every row is shown."""
        if not self.left_out:
            return None
        return f"…and {self.left_out:,} more {self.noun}{'' if self.left_out == 1 else 's'}"


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


def digest_view(digest: Compared, currency: str = "") -> DigestView:
    """What the digest says, in the order every chat shows it."""
    report = digest.report
    changes = {d.key: d for d in digest.deltas}
    tables = _rep_tables(report.reps, currency)
    return DigestView(
        title=f"Funnel digest · {report.period.label}",
        compared_with=f"Compared with {digest.previous.period.label}",
        summary=_summary(report, currency),
        headline=_headline(report, changes, currency),
        funnel=_funnel(report),
        notes=_notes(report, currency),
        speed=_speed(report, changes),
        bottleneck=bottleneck(report),
        queue=Statement("Queue", _queue(report)),
        rep_tables=tables,
        no_reps=None if tables else Statement("Reps", "No rep activity."),
        costs=_costs(report.cost_per_lead, currency),
    )


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


def _notes(report: FunnelReport, currency: str) -> tuple[str, ...]:
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


# --- tables --------------------------------------------------------------------------------------

REP_HEADER = ("Rep", "Assigned", "Claimed", "Median to claim", "Qualified", "Won value")
ROTATION_HEADER = (
    "Rep",
    "Received",
    "Fair share",
    *(reason.replace("_", " ").capitalize() for reason in SKIP_REASONS),
)
ACCOUNT_HEADER = ("Account manager", "Customers taken on", "Expansion", "Churned")
COST_HEADER = ("Source", "Leads", "Cost", "Per lead")
MOST_ACTIVE = "most active"


def _rep_tables(reps: Sequence[RepRow], currency: str) -> tuple[Table, ...]:
    """Selling, the rotation's fairness, and the account managers': each only if it has rows."""
    selling = Table("Reps", REP_HEADER, (), (), MOST_ACTIVE, "rep")
    turns = Table(
        "Rotation: received vs fair share, skips by reason",
        ROTATION_HEADER,
        (),
        (),
        "most skipped, then furthest from their share",
        "rep",
    )
    accounts = Table("Account managers", ACCOUNT_HEADER, (), (), MOST_ACTIVE, "rep")
    tables = (
        _filled(
            selling, [r for r in reps if r.sells], lambda r: _rep_cells(r, currency), _activity
        ),
        _filled(turns, [r for r in reps if r.in_rotation], _rotation_cells, _turns),
        _filled(
            accounts,
            [r for r in reps if r.manages_accounts],
            lambda r: _account_cells(r, currency),
            _account_activity,
        ),
    )
    return tuple(table for table in tables if table.rows)


def _filled(
    table: Table,
    items: Sequence[T],
    cells: Callable[[T], tuple[str, ...]],
    rank: Callable[[T], tuple[Any, ...]],
) -> Table:
    """``table`` with a row for each of ``items``, in their order, ranked by ``rank``."""
    order = sorted(range(len(items)), key=lambda i: rank(items[i]))
    return replace(table, rows=tuple(cells(item) for item in items), rank=tuple(order))


def _rep_cells(rep: RepRow, currency: str) -> tuple[str, ...]:
    to_claim = rep.median_minutes_to_claim
    return (
        _name(rep.name),
        format_count(rep.assigned),
        format_count(rep.claimed),
        format_minutes(to_claim) if to_claim is not None else NOTHING,
        format_count(rep.qualified),
        format_money(rep.won_value, currency),
    )


def _rotation_cells(rep: RepRow) -> tuple[str, ...]:
    """Leads the rotation gave ``rep``, their fair share of those turns, and skips by reason."""
    return (
        _name(rep.name),
        format_count(rep.received),
        format_fair_share(rep.fair_share),
        *(format_count(rep.skipped.get(reason, 0)) for reason in SKIP_REASONS),
    )


def _account_cells(rep: RepRow, currency: str) -> tuple[str, ...]:
    return (
        _name(rep.name),
        format_count(rep.customers_taken_on),
        format_money(rep.expansion_value, currency),
        format_count(rep.churned),
    )


def _activity(rep: RepRow) -> tuple[Any, ...]:
    return (-rep.assigned, -rep.claimed, -rep.qualified, -rep.won_value, rep.name.casefold())


def _turns(rep: RepRow) -> tuple[Any, ...]:
    """Most skipped first, then the furthest from their fair share: who a manager asks about."""
    gap = abs(rep.received - rep.fair_share)
    return (-sum(rep.skipped.values()), -gap, rep.name.casefold())


def _account_activity(rep: RepRow) -> tuple[Any, ...]:
    return (-rep.customers_taken_on, -rep.expansion_value, -rep.churned, rep.name.casefold())


def _costs(costs: Sequence[SourceCost], currency: str) -> Table | None:
    if not costs:
        return None

    def money(amount: Decimal | None) -> str:
        return format_money(amount, currency) if amount is not None else NOTHING

    def cells(cost: SourceCost) -> tuple[str, ...]:
        leads = format_count(cost.leads)
        return (_name(cost.source), leads, money(cost.cost), money(cost.cost_per_lead))

    table = Table("Cost per lead", COST_HEADER, (), (), "with the most leads", "source")
    return _filled(table, costs, cells, lambda c: (-c.leads, c.source.casefold()))


def _name(name: str) -> str:
    return truncate(name, NAME_WIDTH)
