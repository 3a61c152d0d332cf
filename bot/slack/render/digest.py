"""The digest view (:mod:`routing.chat.digest`) laid out as Block Kit, within Slack's limits.

Used for the scheduled digest (posted by :mod:`bot.slack.transport.digests`) and ``/funnel``,
which shows the same blocks ephemerally. Slack refuses a whole message when one limit of
:class:`routing.limits.BlockKit` is broken (``invalid_blocks``), so every piece is cut to size
here: the headline in sections of at most ten fields, at most :data:`REP_ROWS_SHOWN` rows of a
rep table (the view's top ones: "the 25 most active", "…and 37 more reps"), tables split over
sections, every text inside its limit, and far fewer than 50 blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.slack.render.blocks import cut, escape
from routing.chat.digest import Fact, SpeedView, Statement, digest_view
from routing.chat.digest_numbers import NumbersView
from routing.chat.digest_tables import Table
from routing.chat.digest_text import funnel_table, table_lines, text_table
from routing.limits import BlockKit
from routing.usecases.funnel import Digest

__all__ = ["digest_blocks", "digest_fallback", "digest_text_message"]

Block = dict[str, Any]

REP_ROWS_SHOWN = 25
"""Rows of each rep table: three full tables stay far inside the 50 blocks of a message."""
SOURCE_ROWS_SHOWN = 15
NOTE_BLOCKS = 2
"""Context blocks for the manager's numbers' sentences (each up to 2,000 characters)."""
CODE_FENCES = 8
"""The ```` ``` ```` lines around a code block and their line breaks."""
BAR_WIDTH = 20


def digest_fallback(digest: Digest) -> str:
    """The notification text: one line, for previews and clients that can't show blocks."""
    return cut(digest_view(digest).summary, BlockKit.FALLBACK_TEXT)


def digest_text_message(text: str) -> str:
    """A digest known only by its plain text (nothing to rebuild it from), as one code block."""
    return _code(text, BlockKit.FALLBACK_TEXT - CODE_FENCES)


def digest_blocks(digest: Digest) -> list[Block]:
    """The whole digest as Block Kit, inside Slack's limits (see the module docstring)."""
    view = digest_view(digest)
    blocks: list[Block] = [
        {"type": "header", "text": _plain(view.title, BlockKit.HEADER_TEXT)},
        _context(view.compared_with),
        *_fields(view.headline),
        {"type": "divider"},
        _section("*Funnel*\n" + _code("\n".join(funnel_table(view)))),
        _context("\n".join(view.notes)),
        _section(_speed(view.speed)),
        _section(f"{_statement(view.bottleneck)}\n{_statement(view.queue)}"),
        {"type": "divider"},
        *(b for table in view.rep_tables for b in _table_blocks(table.top(REP_ROWS_SHOWN))),
        *([_section(_statement(view.no_reps))] if view.no_reps else []),
        *(_table_blocks(view.costs.top(SOURCE_ROWS_SHOWN)) if view.costs else []),
        *(_numbers_blocks(view.numbers) if view.numbers else []),
    ]
    return blocks[: BlockKit.MESSAGE_BLOCKS]


def _numbers_blocks(numbers: NumbersView) -> list[Block]:
    """The manager's numbers: their sentences as context, each table cut to its top rows."""
    return [
        {"type": "divider"},
        _section(f"*{escape(numbers.title)}*"),
        *(_context(part) for part in _notes_parts(numbers.notes)),
        *(b for table in numbers.tables for b in _table_blocks(table.top(SOURCE_ROWS_SHOWN))),
    ]


def _notes_parts(notes: Sequence[str]) -> list[str]:
    """Sentences grouped into context texts within Slack's limit, at most two of them."""
    parts: list[str] = []
    for note in notes:
        if parts and len(escape(parts[-1])) + len(escape(note)) + 1 <= BlockKit.CONTEXT_TEXT:
            parts[-1] += "\n" + note
        else:
            parts.append(note)
    return parts[:NOTE_BLOCKS]


def _fields(facts: Sequence[Fact]) -> list[Block]:
    """The facts as section fields, ten to a section."""
    fields = [
        _mrkdwn(f"*{escape(fact.label)}*\n{escape(fact.shown)}", BlockKit.FIELD_TEXT)
        for fact in facts
    ]
    step = BlockKit.FIELDS
    return [
        {"type": "section", "fields": fields[i : i + step]} for i in range(0, len(fields), step)
    ]


def _speed(speed: SpeedView) -> str:
    title = f"*{escape(speed.title)}*"
    if speed.empty is not None:
        return f"{title}\n{escape(speed.empty)}"
    facts = "\n".join(f"{escape(fact.label)}: {escape(fact.shown)}" for fact in speed.facts)
    rows = [[b.label, b.count, b.share, "█" * round(b.fraction * BAR_WIDTH)] for b in speed.bands]
    table = "\n".join(text_table(rows, ("<", ">", ">", "<")))
    return f"{title}\n{facts}\n{_code(table)}"


def _statement(statement: Statement) -> str:
    return f"*{escape(statement.label)}:* {escape(statement.text)}"


def _table_blocks(table: Table) -> list[Block]:
    """A table in code blocks, as many sections as its rows need; its "…and N more" under it."""
    title = f"*{escape(table.title)}*"
    blocks = [_section(f"{title}\n{_code(part)}") for part in _chunks(table_lines(table), title)]
    if table.more:
        blocks.append(_context(table.more))
    return blocks


def _chunks(lines: Sequence[str], title: str) -> list[str]:
    """Table lines grouped so that each group, titled and in a code block, fits one section."""
    room = BlockKit.SECTION_TEXT - len(title) - 2 * CODE_FENCES
    groups: list[list[str]] = [[]]
    size = 0
    for line in lines:
        cost = len(escape(line)) + 1
        if groups[-1] and size + cost > room:
            groups.append([])
            size = 0
        groups[-1].append(line)
        size += cost
    return ["\n".join(group) for group in groups]


# --- Block Kit pieces -------------------------------------------------------------------------


def _plain(text: str, limit: int) -> Block:
    return {"type": "plain_text", "text": cut(text, limit), "emoji": False}


def _mrkdwn(text: str, limit: int = BlockKit.SECTION_TEXT) -> Block:
    return {"type": "mrkdwn", "text": cut(text, limit)}


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(text)}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(_fit_escaped(text, BlockKit.CONTEXT_TEXT))]}


def _code(text: str, limit: int = BlockKit.SECTION_TEXT - 100) -> str:
    return "```\n" + _fit_escaped(text, limit) + "\n```"


def _fit_escaped(text: str, limit: int) -> str:
    """``text`` escaped and cut to ``limit`` characters without splitting an ``&amp;``."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    cut_at = escaped[: limit - 1]
    amp = cut_at.rfind("&")
    if amp > cut_at.rfind(";"):
        cut_at = cut_at[:amp]
    return cut_at + "…"
