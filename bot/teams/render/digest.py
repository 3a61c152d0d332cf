"""The digest view (:mod:`routing.chat.digest`) laid out as Adaptive Cards, and the funnel chart.

Facts are FactSets and tables ColumnSets rather than fixed-width text, which Teams does not keep
aligned. A table is laid out by columns: one Column per table column, holding one TextBlock
whose lines (paragraphs, the line break Teams keeps in a TextBlock) are that column's cells,
every cell on one line (no wrapping), so the rows stay level. A row then costs the bytes of its
cells and no more (a ColumnSet per row cost about 700 bytes a rep), which is what lets one
message hold the figures and the tables of 60 reps.

The chart is a link to Baton (``chart_url``: a signed, expiring address under
``BATON_PUBLIC_URL`` that Teams fetches) or, without one, an inline ``data:`` URI of about 12 KB.
A digest is one or more messages, each within :class:`routing.limits.TeamsMessage`'s budget:
the figures with the chart; the chart on its own when both do not fit in one; then the tables
(reps, rotation, account managers, cost per lead) in as few messages as their rows need, every
row, for any team.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from bot.teams.render.cards import Card, adaptive_card, text_block
from bot.teams.render.size import fit_card, json_size
from routing.chat.digest import DigestView, SpeedView, Statement, digest_view
from routing.chat.digest_numbers import NumbersView
from routing.chat.digest_tables import Table
from routing.chat.formatting import NOTHING
from routing.dashboard.links import DashboardLinks
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
    inline = [e for table in tables for part in _parts(title[0], table) for e in part]
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
    """One table cut into parts that each fit a message, and whose columns each fit one text
    (``TeamsMessage.FIELD_CHARS``): a heading, then some rows under the header. A table that needs
    one part is headed by its title alone."""
    rows, header = table.rows, table.header
    room = CARD_BUDGET - json_size(adaptive_card([title, _columns(header, [])]))
    room -= PAGE_TITLE_BYTES
    headed = [len(f"**{_line(heading)}**") for heading in header]
    pages: list[list[tuple[str, ...]]] = [[]]
    used, lengths = 0, headed
    for row in rows:
        size = sum(json_size(_line(cell)) - 2 + len(LINE_BREAK_JSON) for cell in row)
        if pages[-1] and (
            used + size > room or max(_grown(lengths, row)) > TeamsMessage.FIELD_CHARS
        ):
            pages.append([])
            used, lengths = 0, headed
        pages[-1].append(row)
        used, lengths = used + size, _grown(lengths, row)
    if len(pages) == 1:
        return [_section(table.title, _columns(header, rows))]
    parts, first = [], 1
    for page in pages:
        last = first + len(page) - 1
        heading = text_block(f"**{table.title}** · {first}–{last} of {len(rows)}", separator=True)
        parts.append([heading, _columns(table.header, page)])
        first = last + 1
    return parts


def _grown(lengths: Sequence[int], row: Sequence[str]) -> list[int]:
    """Each column's text length once ``row`` is added under it."""
    return [n + len(LINE_BREAK) + len(_line(cell)) for n, cell in zip(lengths, row, strict=True)]


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


LINE_BREAK = "\n\n"
"""Between two cells of a column: a new paragraph, the line break Teams keeps in a TextBlock."""
LINE_BREAK_JSON = json.dumps(LINE_BREAK)[1:-1]
_BLOCK_START = re.compile(r"^(?:[-+*#>]|\d+[.)])(?:\s|$)")
"""What would make a line a list item or a heading, and so taller than the lines beside it."""


def _columns(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Element:
    """A table by columns: the header in bold, then each row's cell, one line each; the first
    column stretches (names), the others take their width and align right (figures)."""
    columns = []
    for i, heading in enumerate(header):
        lines = [f"**{_line(heading)}**", *(_line(row[i]) for row in rows)]
        block: Element = {"type": "TextBlock", "text": LINE_BREAK.join(lines), "size": "Small"}
        if i:
            block["horizontalAlignment"] = "Right"
        columns.append({"type": "Column", "width": "auto" if i else "stretch", "items": [block]})
    return {"type": "ColumnSet", "columns": columns, "spacing": "None"}


def _line(cell: str) -> str:
    """A cell as one line of a column: no line breaks of its own, nothing that makes it a list
    item or a heading (a no-break space before such a start)."""
    text = " ".join(cell.split()) or NOTHING
    return f"\u00a0{text}" if _BLOCK_START.match(text) else text


def digest_chart(digest: Digest, links: DashboardLinks | None, now: datetime) -> str | None:
    """The chart for a digest card: a link to Baton's chart when Baton has a public (https)
    address Teams can fetch it from, which leaves the card room for the tables; else inline."""
    if links is not None and links.public:
        return links.chart_for(digest.report.period, now)
    return funnel_chart_uri(digest.report, digest.previous, digest.currency)


def funnel_chart_uri(
    report: FunnelReport, previous: FunnelReport | None = None, currency: str = ""
) -> str | None:
    """The funnel chart (:mod:`bot.render.chart`) as a ``data:`` URI small enough for Teams.

    Drawn at a lower resolution until it fits :data:`TeamsMessage.IMAGE_URI`; if it never does
    (or cannot be drawn), the digest goes out without it, logged, rather than not at all.
    Matplotlib is imported here, on the first chart, so an idle server does not carry it (about
    40 MB of its RSS).
    """
    try:
        from bot.render import chart

        figure = chart.funnel_figure(report, previous, currency)
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
