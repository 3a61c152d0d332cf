"""The digest view (:mod:`routing.chat.digest`) laid out as Adaptive Cards, and the funnel chart.

Facts are FactSets and tables ColumnSets rather than fixed-width text, which Teams does not keep
aligned. A digest is one or more messages, each within :class:`routing.limits.TeamsMessage`'s
budget: the figures with the chart; the chart on its own when both do not fit in one; then the
tables (reps, rotation, account managers, cost per lead) in as few messages as their rows need,
every row, for any team.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from bot.teams.render.cards import Card, adaptive_card, text_block
from bot.teams.render.size import fit_card, json_size
from routing.chat.digest import DigestView, SpeedView, Statement, digest_view
from routing.chat.digest_numbers import NumbersView
from routing.chat.digest_tables import Table
from routing.limits import TeamsMessage
from routing.metrics import FunnelReport
from routing.usecases.funnel import Digest

log = logging.getLogger(__name__)

CHART_DPIS = (80, 60, 45)
CARD_BUDGET = TeamsMessage.BYTES - TeamsMessage.ENVELOPE_BYTES
PAGE_TITLE_BYTES = 300

Element = dict[str, Any]


def digest_cards(digest: Digest, chart_uri: str | None = None) -> list[Card]:
    """The digest as the messages that carry it, in order, each within the size budget."""
    view = digest_view(digest)
    title = _title(view)
    figures = _figures(view)
    chart = [_chart(chart_uri)] if chart_uri else []
    tables = _tables(view)
    inline = [e for table in tables for e in _section(table.title, *_rows(table))]
    whole = adaptive_card([*title, *figures[:1], *chart, *figures[1:], *inline])
    if json_size(whole) <= CARD_BUDGET:
        return [whole]
    first = adaptive_card([*title, *figures[:1], *chart, *figures[1:]])
    if json_size(first) <= CARD_BUDGET:
        cards = [first]
    else:
        cards = [fit_card(adaptive_card([*title, *figures]))]
        if chart:
            cards.append(adaptive_card([*title[:1], *chart]))
    return cards + _pages(title[0], tables)


def _title(view: DigestView) -> list[Element]:
    return [
        text_block(view.title, weight="Bolder", size="Large"),
        text_block(view.compared_with, isSubtle=True, spacing="None"),
    ]


def _chart(uri: str) -> Element:
    return {"type": "Image", "url": uri, "altText": "Funnel chart"}


def _figures(view: DigestView) -> list[Element]:
    """Headline facts first (the chart goes after them), then the funnel, speed and waits."""
    funnel = [
        (row.step, " · ".join(filter(None, (row.count, row.conversion)))) for row in view.funnel
    ]
    return [
        _facts((fact.label, fact.shown) for fact in view.headline),
        *_section("Funnel", _facts(funnel)),
        text_block("\n\n".join(view.notes), size="Small", isSubtle=True),
        *_speed(view.speed),
        text_block(_statement(view.bottleneck), separator=True),
        text_block(_statement(view.queue), spacing="Small"),
        *([text_block(_statement(view.no_reps), separator=True)] if view.no_reps else []),
        *(_numbers(view.numbers) if view.numbers else []),
    ]


def _numbers(numbers: NumbersView) -> list[Element]:
    """The manager's numbers' sentences; their tables page with the others (:func:`_tables`)."""
    return _section(numbers.title, text_block("\n\n".join(numbers.notes), size="Small"))


def _speed(speed: SpeedView) -> list[Element]:
    if speed.empty is not None:
        return _section(speed.title, text_block(speed.empty))
    facts = [(fact.label, fact.shown) for fact in speed.facts]
    bands = [(band.label, f"{band.count} · {band.share}") for band in speed.bands]
    return _section(speed.title, _facts([*facts, *bands]))


def _statement(statement: Statement) -> str:
    return f"**{statement.label}:** {statement.text}"


def _tables(view: DigestView) -> list[Table]:
    numbers = view.numbers.tables if view.numbers else ()
    return [*view.rep_tables, *([view.costs] if view.costs else []), *numbers]


def _pages(title: Element, tables: Sequence[Table]) -> list[Card]:
    """The tables in as few messages as they fit in: a table's pages are cut by size, its title
    and header row on each, and a page goes on in the message before when there is room."""
    bodies: list[list[Element]] = []
    for part in (part for table in tables for part in _parts(title, table)):
        if bodies and json_size(adaptive_card([title, *bodies[-1], *part])) <= CARD_BUDGET:
            bodies[-1] += part
        else:
            bodies.append(part)
    return [fit_card(adaptive_card([title, *body])) for body in bodies]


def _parts(title: Element, table: Table) -> list[list[Element]]:
    """One table cut into parts that each fit a message: a heading, the header row, some rows."""
    header, *rows = _rows(table)
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
    parts, first = [], 1
    for page in pages:
        last = first + len(page) - 1
        heading = text_block(f"**{table.title}** · {first}–{last} of {len(rows)}", separator=True)
        parts.append([heading, header, *page])
        first = last + 1
    return parts


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


def _facts(pairs: Iterable[tuple[str, str]]) -> Element:
    return {"type": "FactSet", "facts": [{"title": k, "value": v} for k, v in pairs]}


def _rows(table: Table) -> list[Element]:
    """The header row, then one row per table row."""
    return [_row(table.header, bold=True), *(_row(cells) for cells in table.rows)]


def _row(cells: Sequence[str], bold: bool = False) -> Element:
    """One table row; a cell states only what differs from Adaptive Cards' defaults, as a page of
    rows is sized by the bytes each row takes."""
    style = {"size": "Small", **({"weight": "Bolder"} if bold else {})}
    columns = [
        {
            "type": "Column",
            "width": "stretch" if i == 0 else "auto",
            "items": [_cell(cell, wrap=i == 0, **style)],
        }
        for i, cell in enumerate(cells)
    ]
    return {"type": "ColumnSet", "columns": columns, "spacing": "None"}


def _cell(text: str, wrap: bool, **style: Any) -> Element:
    return {"type": "TextBlock", "text": text, **({"wrap": True} if wrap else {}), **style}


def funnel_chart_uri(report: FunnelReport, previous: FunnelReport | None = None) -> str | None:
    """The funnel chart (:mod:`bot.render.chart`) as a ``data:`` URI small enough for Teams.

    Drawn at a lower resolution until it fits :data:`TeamsMessage.IMAGE_URI`; if it never does
    (or cannot be drawn), the digest goes out without it, logged, rather than not at all.
    Matplotlib is imported here, on the first chart, so an idle server does not carry it (about
    40 MB of its RSS).
    """
    try:
        from bot.render import chart

        figure = chart.funnel_figure(report, previous)
        for dpi in CHART_DPIS:
            png = chart.png_bytes(figure, dpi)
            uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
            if len(uri) <= TeamsMessage.IMAGE_URI:
                return uri
    except Exception:
        log.exception("the funnel chart could not be drawn; sending the digest without it")
        return None
    log.warning("the funnel chart does not fit in a Teams message; sending the digest without it")
    return None
