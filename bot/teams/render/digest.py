"""The funnel digest as an Adaptive Card: the figures Slack's digest shows, and the funnel chart.

Figures are formatted by :mod:`routing.digest_text`'s helpers (as Slack's Block Kit does), so a
change against the previous period reads the same on every platform. Tables are FactSets and
ColumnSets rather than fixed-width text, which Teams does not keep aligned.

A digest is one or more messages, each within :data:`bot.teams.render.size.MAX_MESSAGE_BYTES`: the
figures with the chart; the chart on its own when both do not fit in one; then the per-rep tables
(selling reps, account managers) in as many pages as their rows need, every row, for any team.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from bot.teams.render.cards import Card, adaptive_card, text_block
from bot.teams.render.size import ENVELOPE_BYTES, MAX_MESSAGE_BYTES, cut, fit_card, json_size
from routing.digest_text import (
    account_cells,
    describe_bottleneck,
    describe_tenure,
    format_change,
    format_fair_share,
    format_minutes,
    format_money,
    format_reasons,
    format_share,
    format_skips,
    rep_cells,
)
from routing.metrics import Delta, FunnelReport, RepRow
from routing.usecases.funnel import Digest

log = logging.getLogger(__name__)

MAX_IMAGE_URI = 20_000
"""Room for the chart in a Teams message (see :mod:`bot.teams.render.size` for the whole budget)."""
CHART_DPIS = (80, 60, 45)
MAX_SOURCE_ROWS = 15
MAX_CELL_CHARS = 60
"""A table cell (a rep's name) is cut here: the column, not the message, sets the width."""
CARD_BUDGET = MAX_MESSAGE_BYTES - ENVELOPE_BYTES
PAGE_TITLE_BYTES = 300
REP_COLUMNS = (
    "Rep",
    "Assigned",
    "Claimed",
    "To claim",
    "Qualified",
    "Won value",
    "Received / fair share",
    "Skipped",
)
ACCOUNT_COLUMNS = ("Account manager", "Customers taken on", "Expansion", "Churned")

Element = dict[str, Any]


def digest_cards(digest: Digest, chart_uri: str | None = None) -> list[Card]:
    """The digest as the messages that carry it, in order, each within the size budget."""
    title = _title(digest)
    figures = _figures(digest)
    chart = [_chart(chart_uri)] if chart_uri else []
    whole = adaptive_card([*title, *figures[:1], *chart, *figures[1:], *_reps(digest.report.reps)])
    if json_size(whole) <= CARD_BUDGET:
        return [whole]
    first = adaptive_card([*title, *figures[:1], *chart, *figures[1:]])
    if json_size(first) <= CARD_BUDGET:
        cards = [first]
    else:
        cards = [fit_card(adaptive_card([*title, *figures]))]
        if chart:
            cards.append(adaptive_card([*title[:1], *chart]))
    return cards + _rep_pages(title[0], digest.report.reps)


def digest_card(digest: Digest, chart_uri: str | None = None) -> Card:
    """The digest's first message: its figures (and the chart when it fits)."""
    return digest_cards(digest, chart_uri)[0]


def _title(digest: Digest) -> list[Element]:
    return [
        text_block(f"Funnel digest · {digest.report.period.label}", weight="Bolder", size="Large"),
        text_block(f"Compared with {digest.previous.period.label}", isSubtle=True, spacing="None"),
    ]


def _chart(uri: str) -> Element:
    return {"type": "Image", "url": uri, "altText": "Funnel chart"}


def _figures(digest: Digest) -> list[Element]:
    report = digest.report
    changes = {d.key: d for d in digest.deltas}
    body: list[Element] = [_facts(_headlines(report, changes))]
    body += _section("Funnel", _facts(_funnel(report)))
    body.append(text_block(_funnel_notes(report), size="Small", isSubtle=True))
    body += _section("Speed to lead", _facts(_speed(report, changes)))
    body.append(text_block(describe_bottleneck(report), separator=True))
    if not _tables(report.reps):
        body += _section("Reps", text_block("No rep activity."))
    body += _costs(report)
    return body


def _reps(reps: Sequence[RepRow]) -> list[Element]:
    """The per-rep tables in one piece, for a digest small enough to be one message."""
    return [e for name, rows in _tables(reps) for e in _section(name, *rows)]


def _rep_pages(title: Element, reps: Sequence[RepRow]) -> list[Card]:
    """Each per-rep table over as many messages as it takes, its header row on each."""
    return [card for name, rows in _tables(reps) for card in _pages(title, name, rows)]


def _pages(title: Element, name: str, table: list[Element]) -> list[Card]:
    header, *rows = table
    room = CARD_BUDGET - json_size(adaptive_card([title, header])) - PAGE_TITLE_BYTES
    pages: list[list[Element]] = [[]]
    used = 0
    for row in rows:
        size = json_size(row) + 2  # and the ", " that separates it from the one before
        if pages[-1] and used + size > room:
            pages.append([])
            used = 0
        pages[-1].append(row)
        used += size
    cards, first = [], 1
    for page in pages:
        last = first + len(page) - 1
        heading = text_block(f"**{name}** · {first}–{last} of {len(rows)}", separator=True)
        cards.append(fit_card(adaptive_card([title, heading, header, *page])))
        first = last + 1
    return cards


def digest_text_card(text: str) -> Card:
    """A digest known only by its text (nothing to rebuild it from): one monospace block."""
    title, _, rest = text.strip().partition("\n")
    return adaptive_card(
        [
            text_block(title, weight="Bolder", size="Large"),
            text_block(rest.strip(), fontType="Monospace", size="Small"),
        ]
    )


def _section(title: str, *elements: Element) -> list[Element]:
    return [text_block(f"**{title}**", separator=True, spacing="Medium"), *elements]


def _facts(pairs: Sequence[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in pairs]}


def _with_change(value: str, key: str, changes: Mapping[str, Delta]) -> str:
    return f"{value}{format_change(changes.get(key), '')}"


def _headlines(report: FunnelReport, changes: Mapping[str, Delta]) -> list[tuple[str, str]]:
    average = format_money(report.average_deal, "") if report.average_deal is not None else "–"
    counts = (
        ("Inbound leads", "inbound", report.inbound),
        ("Outbound leads", "outbound", report.outbound),
        ("Claimed", "claimed", report.claimed),
        ("Qualified", "qualified", report.qualified),
        ("Disqualified", "disqualified", report.disqualified),
        ("Won", "won", report.won),
        ("Lost", "lost", report.lost),
        ("Churned", "churned", report.churned),
        ("SLA misses", "sla_misses", report.sla_misses),
        ("Reassignments", "reassignments", report.reassignments),
    )
    pairs = [(label, _with_change(str(value), key, changes)) for label, key, value in counts]
    pairs[6:6] = [
        ("Won value", _with_change(format_money(report.won_value, ""), "won_value", changes)),
        ("Average deal", _with_change(average, "average_deal", changes)),
    ]
    pairs.append(
        (
            "Expansion",
            _with_change(format_money(report.expansion_value, ""), "expansion_value", changes),
        )
    )
    pairs.append(("Queued now", str(report.queued)))
    return pairs


def _funnel(report: FunnelReport) -> list[tuple[str, str]]:
    rows = [("Leads", f"{report.leads:,}")]
    for step in report.conversions:
        rate = f" · {step.rate:.0%} of {step.from_step}" if step.rate is not None else ""
        rows.append((step.to_step.capitalize(), f"{step.to_count:,}{rate}"))
    return rows


def _funnel_notes(report: FunnelReport) -> str:
    tenure = describe_tenure(report)
    tenure_text = f" · tenure: {tenure}" if tenure else ""
    return (
        f"Meetings {report.meetings} · proposals requested {report.proposals_requested}"
        f" · presented {report.proposals_presented}{tenure_text}\n\n"
        f"Disqualified: {format_reasons(report.disqualified_reasons)}\n\n"
        f"Lost: {format_reasons(report.lost_reasons)}"
    )


def _speed(report: FunnelReport, changes: Mapping[str, Delta]) -> list[tuple[str, str]]:
    speed = report.speed_to_lead
    if speed.median_minutes is None or speed.p90_minutes is None:
        return [("Inbound claims", "none this period")]
    return [
        ("Inbound claims", str(speed.claims)),
        ("Median", _with_change(format_minutes(speed.median_minutes), "speed_median", changes)),
        ("90th percentile", _with_change(format_minutes(speed.p90_minutes), "speed_p90", changes)),
        (
            "Within 5 min",
            _with_change(format_share(speed.share_within_5_minutes), "within_5_minutes", changes),
        ),
        *((band.label, f"{band.count} · {format_share(band.share)}") for band in speed.bands),
    ]


def _tables(reps: Sequence[RepRow]) -> list[tuple[str, list[Element]]]:
    """(title, header row and one row per rep) of each table: selling reps, account managers."""
    selling = [r for r in reps if r.sells]
    accounts = [r for r in reps if r.manages_accounts]
    tables = []
    if selling:
        tables.append(("Reps", _rows(REP_COLUMNS, [_rep_cells(r) for r in selling])))
    if accounts:
        cells = [account_cells(r, r.name) for r in accounts]
        tables.append(("Account managers", _rows(ACCOUNT_COLUMNS, cells)))
    return tables


def _rows(header: Sequence[str], cells: Sequence[Sequence[str]]) -> list[Element]:
    return [_row(header, bold=True), *(_row(c) for c in cells)]


def _rep_cells(rep: RepRow) -> list[str]:
    """The rep's selling figures, then the rotation's: received vs fair share, skips by reason."""
    turns = f"{rep.received} / {format_fair_share(rep.fair_share)}" if rep.in_rotation else "–"
    return [*rep_cells(rep, rep.name), turns, format_skips(rep.skipped)]


def _row(cells: Sequence[str], bold: bool = False) -> Element:
    """One table row; a cell states only what differs from Adaptive Cards' defaults, as a page of
    rows is sized by the bytes each row takes."""
    style = {"size": "Small", **({"weight": "Bolder"} if bold else {})}
    columns = [
        {
            "type": "Column",
            "width": "stretch" if i == 0 else "auto",
            "items": [_cell(cut(cell, MAX_CELL_CHARS), wrap=i == 0, **style)],
        }
        for i, cell in enumerate(cells)
    ]
    return {"type": "ColumnSet", "columns": columns, "spacing": "None"}


def _cell(text: str, wrap: bool, **style: Any) -> Element:
    return {"type": "TextBlock", "text": text, **({"wrap": True} if wrap else {}), **style}


def _costs(report: FunnelReport) -> list[Element]:
    if not report.cost_per_lead:
        return []
    pairs = [
        (
            cost.source,
            f"{cost.leads} leads · "
            + (
                f"{format_money(cost.cost_per_lead, '')} per lead"
                if cost.cost_per_lead is not None
                else "–"
            ),
        )
        for cost in report.cost_per_lead[:MAX_SOURCE_ROWS]
    ]
    return _section("Cost per lead", _facts(pairs))


def funnel_chart_uri(report: FunnelReport, previous: FunnelReport | None = None) -> str | None:
    """The funnel chart (:mod:`bot.render.chart`) as a ``data:`` URI small enough for Teams.

    Drawn at a lower resolution until it fits; if it never does (or cannot be drawn), the digest
    goes out without it, logged, rather than not at all. Matplotlib is imported here, on the
    first chart, so an idle server does not carry it (about 40 MB of its RSS).
    """
    try:
        from bot.render import chart

        figure = chart.funnel_figure(report, previous)
        for dpi in CHART_DPIS:
            png = chart.png_bytes(figure, dpi)
            uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            if len(uri) <= MAX_IMAGE_URI:
                return uri
    except Exception:
        log.exception("the funnel chart could not be drawn; sending the digest without it")
        return None
    log.warning("the funnel chart does not fit in a Teams message; sending the digest without it")
    return None
