"""The digest view as plain text: the console, ``baton digest --print``, the demo, ``/funnel``
answered in text, and the text every digest notice carries (what a chat shows when the digest
cannot be rebuilt).

Sections are separated by a blank line; tables are columns padded to their widest cell, names on
the left and figures on the right, every row shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from routing.chat.digest import DigestView, Fact, SpeedView
from routing.chat.digest_tables import Table

__all__ = ["Align", "digest_text", "funnel_table", "table_lines", "text_table"]

Align = Literal["<", ">"]
INDENT = "  "


def digest_text(view: DigestView) -> str:
    """The whole digest, ending in a newline, with no trailing blanks on any line."""
    sections = [
        [view.title, view.compared_with],
        _facts(view.headline, indent=""),
        ["Funnel", *funnel_table(view, INDENT), *(INDENT + note for note in view.notes)],
        _speed(view.speed),
        [view.bottleneck.sentence, view.queue.sentence],
        *(_table(table) for table in view.rep_tables),
        [view.no_reps.sentence] if view.no_reps else [],
        _table(view.costs) if view.costs else [],
        *(_numbers(view) if view.numbers else []),
    ]
    return "\n\n".join("\n".join(lines) for lines in sections if lines) + "\n"


def funnel_table(view: DigestView, indent: str = "") -> list[str]:
    """Step, count and conversion from the step before, in columns."""
    rows = [[row.step, row.count, row.conversion] for row in view.funnel]
    return text_table(rows, ("<", ">", "<"), indent)


def table_lines(table: Table, indent: str = "") -> list[str]:
    """A table's header and rows in columns: the name on the left, figures on the right."""
    figures: list[Align] = [">"] * (len(table.header) - 1)
    align: list[Align] = ["<", *figures]
    return text_table([table.header, *table.rows], align, indent)


def _facts(facts: Sequence[Fact], indent: str) -> list[str]:
    return text_table([[fact.label, fact.shown] for fact in facts], ("<", "<"), indent)


def _speed(speed: SpeedView) -> list[str]:
    if speed.empty is not None:
        return [speed.title, INDENT + speed.empty]
    bands = [[band.label, band.count, band.share] for band in speed.bands]
    return [
        speed.title,
        *_facts(speed.facts, INDENT),
        *text_table(bands, ("<", ">", ">"), INDENT),
    ]


def _numbers(view: DigestView) -> list[list[str]]:
    """The manager's numbers: their sentences, then each table."""
    numbers = view.numbers
    assert numbers is not None
    return [
        [numbers.title, *(INDENT + note for note in numbers.notes)],
        *(_table(table) for table in numbers.tables),
    ]


def _table(table: Table) -> list[str]:
    return [table.title, *table_lines(table, INDENT), *([table.more] if table.more else [])]


def text_table(
    rows: Sequence[Sequence[str]], align: Sequence[Align], indent: str = ""
) -> list[str]:
    """Rows as columns padded to the widest cell, two spaces apart, without trailing blanks."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(align))]
    return [
        (
            indent
            + "  ".join(f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths, strict=True))
        ).rstrip()
        for row in rows
    ]
