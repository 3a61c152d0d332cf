"""Slack, Teams and plain text lay out one digest view: the same headline facts, the same notes
under the funnel (meetings booked at hand-off among them) and the same tables, row for row,
whatever each platform's layout."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

from bot.slack.render.digest import digest_blocks
from bot.teams.render.digest import digest_cards
from routing.calendars.calcom import BookingChange, BookingEvent
from routing.chat.digest import digest_view
from routing.metrics import SourceCost
from routing.usecases.funnel import Digest
from tests.support.digests import a_digest, all_round
from tests.support.fakes import Desk

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


def a_digest_with_meetings() -> Digest:
    """A real digest of today: two hand-offs to carl, one with a meeting booked on cal.com."""
    desk = Desk()
    desk.team(qualifier="alice", closer="carl")
    for lead in ("L-1", "L-2"):
        desk.post(f"Name: P {lead}\nEmail: p@{lead.lower()}.io\nCompany: Co {lead}")
        for line in (f"claim {lead}", f"qualify {lead} budget=20k need=crm", f"handoff {lead}"):
            desk.say("alice", f"/lead {line}")
    starts = desk.clock() + timedelta(days=1, hours=2)
    booking = BookingEvent(BookingChange.CREATED, "u1", starts, None, "L-1", ())
    desk.relay.calcom_event(booking, "delivery-1")
    digest = desk.say("maya", "/funnel today").data["digest"]
    assert isinstance(digest, Digest)
    return digest


def slack_funnel_notes(blocks: list[dict[str, Any]]) -> list[str]:
    texts = [str(b.get("text", {}).get("text", "")) for b in blocks]
    after = next(i for i, text in enumerate(texts) if text.startswith("*Funnel*"))
    return str(blocks[after + 1]["elements"][0]["text"]).split("\n")


def teams_funnel_notes(cards: list[dict[str, Any]]) -> list[str]:
    texts = [e.get("text", "") for e in cards[0]["body"] if e["type"] == "TextBlock"]
    return next(t for t in texts if t.startswith("Meetings ")).split("\n\n")


def text_funnel_notes(text: str, count: int) -> list[str]:
    funnel = next(s for s in text.split("\n\n") if s.startswith("Funnel\n"))
    return [line.strip() for line in funnel.splitlines()[-count:]]


def test_slack_teams_and_text_say_the_same_notes_under_the_funnel_meetings_at_handoff_too() -> None:
    digest = a_digest_with_meetings()
    notes = list(digest_view(digest).notes)
    said = (
        "Meetings booked at hand-off: 1 of 2 hand-offs to closers (50%)"
        " · hand-off → meeting start: median 1 d 2 h over 1 meeting"
    )
    assert notes[1] == said
    assert slack_funnel_notes(digest_blocks(digest)) == notes
    assert teams_funnel_notes(digest_cards(digest)) == notes
    assert text_funnel_notes(digest.text, len(notes)) == notes
