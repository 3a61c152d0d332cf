"""Slack, Teams and plain text lay out one digest view: the same headline facts and the same tables,
row for row, whatever each platform's layout."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from bot.slack.render.digest import digest_blocks
from bot.teams.render.digest import digest_cards
from routing.metrics import SourceCost
from routing.usecases.funnel import Digest
from tests.support.digests import a_digest, all_round

COLUMN_GAP = re.compile(r"\s{2,}")
CODE = re.compile(r"```\n(.*?)\n```", re.S)

Row = tuple[str, ...]


def busy_digest() -> Digest:
    """Four reps in every table, and cost per lead."""
    costs = (
        SourceCost("website", 5, Decimal(500), Decimal(100)),
        SourceCost("fair", 2, None, None),
    )
    return a_digest(reps=tuple(all_round(i, f"Rep {i}") for i in range(1, 5)), cost_per_lead=costs)


def columns(line: str) -> Row:
    return tuple(COLUMN_GAP.split(line.strip()))


# --- what each platform shows ----------------------------------------------------------------


def slack_headline(blocks: list[dict[str, Any]]) -> list[Row]:
    fields = [field["text"] for block in blocks for field in block.get("fields", [])]
    return [tuple(text.replace("*", "").split("\n")) for text in fields]


def slack_tables(blocks: list[dict[str, Any]]) -> Iterator[Row]:
    """Every row of the tables after the funnel (rep tables and costs), headers included."""
    for block in blocks:
        text = block.get("text", {}).get("text", "")
        if text.startswith(("*Reps", "*Rotation", "*Account", "*Cost")):
            yield from (columns(line) for line in CODE.findall(text)[0].splitlines())


def teams_headline(cards: list[dict[str, Any]]) -> list[Row]:
    facts = cards[0]["body"][2]["facts"]
    return [(fact["title"], fact["value"]) for fact in facts]


def teams_tables(cards: list[dict[str, Any]]) -> Iterator[Row]:
    """A table is laid out by columns: each column's lines are its header (bold), then cells."""
    for card in cards:
        for element in card["body"]:
            if element["type"] == "ColumnSet":
                columns = [c["items"][0]["text"].split("\n\n") for c in element["columns"]]
                header, *rows = zip(*columns, strict=True)
                yield tuple(cell.strip("*") for cell in header)
                yield from rows


def text_headline(text: str) -> list[Row]:
    facts = text.split("\n\n")[1]
    return [columns(line) for line in facts.splitlines()]


def text_tables(text: str) -> Iterator[Row]:
    for section in text.split("\n\n"):
        title, *lines = section.splitlines()
        if title.startswith(("Reps", "Rotation", "Account", "Cost")):
            yield from (columns(line) for line in lines)


# --- the tests ---------------------------------------------------------------------------------


def test_slack_teams_and_text_show_the_same_headline_facts() -> None:
    digest = busy_digest()
    slack = slack_headline(digest_blocks(digest))
    assert slack[0] == ("Inbound leads", "36 (+6, +20%)")
    assert len(slack) == 14
    assert teams_headline(digest_cards(digest)) == slack
    assert text_headline(digest.text) == slack


def test_slack_teams_and_text_show_the_same_tables_row_for_row() -> None:
    digest = busy_digest()
    slack = list(slack_tables(digest_blocks(digest)))
    assert slack[0] == ("Rep", "Assigned", "Claimed", "Median to claim", "Qualified", "Won value")
    assert ("Rep 1", "1", "1", "3.5 min", "1", "1") in slack
    assert ("Account manager", "Customers taken on", "Expansion", "Churned") in slack
    assert ("website", "5", "500", "100") in slack
    assert list(teams_tables(digest_cards(digest))) == slack
    assert list(text_tables(digest.text)) == slack
