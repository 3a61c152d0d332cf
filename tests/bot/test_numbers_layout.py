"""The manager's numbers of a huge team laid out by Slack, Teams and text, within each's limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from bot.slack.render.digest import SOURCE_ROWS_SHOWN, digest_blocks
from bot.teams.render.digest import CARD_BUDGET, digest_cards
from bot.teams.render.size import json_size
from routing.chat.digest import digest_view
from routing.chat.digest_text import digest_text
from routing.events import EventType, LeadEvent
from routing.metrics import period_for
from routing.metrics.costs import Spend
from routing.metrics.numbers import NumbersInputs, manager_numbers
from routing.stages import Stage
from tests.bot.slack.test_slack_digest import assert_within_slack_limits
from tests.support.digests import a_digest

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
WEEK = period_for("week", NOW, ZoneInfo("UTC"), previous_complete=True)
LONG = "Bartholomew-Maximilian " * 9


def _lead(lead: int, rep: int, source: str) -> list[LeadEvent]:
    """A lead from ``source`` that ``rep`` logged, qualified and handed to closer ``rep + 1``,
    then left alone long enough to stall; every third one is won."""
    at = WEEK.start - timedelta(days=20) if lead % 2 else WEEK.start + timedelta(hours=lead % 100)
    steps = [
        (EventType.CREATED, Stage.NEW, None, {"origin": "inbound", "source": source}),
        (EventType.CLAIMED, Stage.WORKING, rep, {}),
        (EventType.QUALIFIED, Stage.QUALIFIED, rep, {"budget": "20k"}),
        (EventType.HANDED_OFF, Stage.WITH_CLOSER, rep + 1, {"role": "closer"}),
    ]
    if lead % 3 == 0:
        steps.append((EventType.WON, Stage.WON, rep + 1, {"amount": "1000"}))
    events = []
    for i, (kind, stage, owner, payload) in enumerate(steps):
        actor = rep if i else None
        events.append(
            LeadEvent(lead, kind, at + timedelta(minutes=i), actor, None, stage, owner, payload)
        )
    return events


def _huge() -> object:
    names = {i: f"{LONG[:190]} <&> {i:05d}" for i in range(1, 602)}
    events = [
        e
        for lead in range(1, 1201)
        for e in _lead(lead, lead % 300 * 2 + 1, f"{LONG} {lead % 300}")
    ]
    roles = {i: frozenset({"qualifier", "closer"} if i % 2 else {"closer"}) for i in names}
    inputs = NumbersInputs(spend=[Spend(f"{LONG} 7", "2026-11", Decimal(900))], rep_roles=roles)
    numbers = manager_numbers(events, WEEK, NOW, names, inputs)
    assert len(numbers.sources) == 150
    assert len(numbers.stalls) > 100
    assert len(numbers.closer_win_rates) >= 50
    assert numbers.costs is not None
    return replace(a_digest(), numbers=numbers)


def test_a_huge_teams_numbers_stay_inside_slacks_limits() -> None:
    blocks = digest_blocks(_huge())  # type: ignore[arg-type]
    assert_within_slack_limits(blocks)
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert any("The manager's numbers" in text for text in texts)
    assert any(f"the {SOURCE_ROWS_SHOWN} with the most leads" in text for text in texts)


def test_a_huge_teams_numbers_fit_teams_messages_every_row_included() -> None:
    digest = _huge()
    cards = digest_cards(digest)  # type: ignore[arg-type]
    assert all(json_size(card) <= CARD_BUDGET for card in cards)
    shown = "".join(str(card) for card in cards)
    assert "Cost and return by source" in shown
    assert "Stalled (no event for 14 days)" in shown
    view = digest_view(digest)  # type: ignore[arg-type]
    assert view.numbers is not None
    text = digest_text(view)
    assert text.count("Bartholomew") > 150
