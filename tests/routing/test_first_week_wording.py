"""What people read in their first week says what happened, in plain words (issue 18, item 16)."""

from __future__ import annotations

from datetime import date

import pytest

from routing.errors import UsageError
from routing.inbound import webhook_arrival
from routing.lead import SourceRef
from tests.support.fakes import Desk
from tests.support.phones import PHONES


def desk_with_team() -> Desk:
    desk = Desk()
    desk.team(qualifier="alice", closer="erin", account_manager="anna")
    return desk


def qualified_lead(desk: Desk, line: str) -> str:
    desk.post("Name: Sam Ortiz\nEmail: sam@umbrella.co\nCompany: Umbrella\nMessage: hello there")
    desk.say("alice", "/lead claim L-1")
    return desk.say("alice", line).reply


def facts(desk: Desk, ref: str = "L-1") -> list[str]:
    return desk.say("maya", f"/lead show {ref}").reply.split("\n")


def test_lead_show_gives_one_notes_line_with_the_posts_message_and_the_qualification_notes() -> (
    None
):
    desk = desk_with_team()
    qualified_lead(desk, "/lead qualify L-1 budget=20k great call")
    notes = [line for line in facts(desk) if line.startswith("Notes:")]
    assert notes == ["Notes: hello there · at qualification: great call"]


def test_a_quoted_value_keeps_its_spaces_and_says_nothing_about_notes() -> None:
    desk = desk_with_team()
    reply = qualified_lead(desk, '/lead qualify L-1 need="lead routing" timeline=Q1')
    assert reply == "L-1 is qualified. Hand it to a closer: `/lead handoff L-1`."
    assert "Need: lead routing" in facts(desk)


def test_words_after_a_value_are_said_to_be_notes_with_how_to_quote_them() -> None:
    desk = desk_with_team()
    reply = qualified_lead(desk, "/lead qualify L-1 need=lead routing")
    assert reply == (
        "L-1 is qualified. Hand it to a closer: `/lead handoff L-1`. Notes: `routing` (the words "
        'without a `key=`). If they belong to need, quote it: `need="lead routing"`.'
    )


def test_history_amounts_have_thousands_separators() -> None:
    desk = desk_with_team()
    qualified_lead(desk, "/lead qualify L-1 budget=20k")
    desk.say("alice", "/lead handoff L-1")
    desk.say("erin", "/lead won L-1 18500.50")
    assert facts(desk)[-1].endswith("won by erin: 18,500.50")


def test_one_open_lead_is_singular() -> None:
    desk = desk_with_team()
    desk.post("Lead: Sam Ortiz, sam@umbrella.co, Umbrella")
    assert desk.say("alice", "/lead mine").reply.startswith("You have 1 open lead:")


def test_working_hours_are_confirmed_with_their_days() -> None:
    desk = desk_with_team()
    desk.say("maya", "/rotation add @dave closer")
    reply = desk.say("maya", "/rotation hours @dave 09:00-17:30 mon-fri").reply
    assert reply == f"Working hours for {desk.mention('dave')}: 09:00–17:30 Mon–Fri (UTC)."


def refusal(desk: Desk, who: str, line: str) -> str:
    with pytest.raises(UsageError) as refused:
        desk.say(who, line)
    return refused.value.problem


def test_away_until_yesterday_is_refused_without_suggesting_a_past_date() -> None:
    desk = desk_with_team()
    assert refusal(desk, "maya", "/rotation away @alice until yesterday") == (
        "`yesterday` is in the past — give today or a later day, like tomorrow"
    )
    unknown = refusal(desk, "maya", "/rotation away @alice until blursday")
    suggested = date.fromisoformat(unknown.split("use ")[1].split(",")[0])
    assert suggested > desk.clock().date()


def test_a_mistyped_subcommand_gets_a_did_you_mean() -> None:
    desk = desk_with_team()
    assert refusal(desk, "alice", "/lead qualifyy L-1").startswith(
        "`qualifyy` is not a /lead subcommand — did you mean `/lead qualify`? Use new, claim,"
    )
    assert refusal(desk, "maya", "/rotation hour @dave 9-5").startswith(
        "`hour` is not a /rotation subcommand — did you mean `/rotation hours`?"
    )
    assert "did you mean" not in refusal(desk, "alice", "/lead frobnicate L-1")


def test_a_webhook_lead_says_it_came_by_webhook_not_as_a_post() -> None:
    desk = desk_with_team()
    arrival = webhook_arrival(
        "website",
        {"email": "kim@initech.com", "company": "Initech"},
        "{}",
        "k-1",
        SourceRef("slack", "C-intake", ""),
        phones=PHONES,
    )
    desk.relay.ingest(arrival)
    desk.post("Name: Sam\nEmail: sam@umbrella.co\nSource: LinkedIn")
    assert "Source: website (webhook)" in facts(desk, "L-1")
    assert "Source: LinkedIn (inbound post)" in facts(desk, "L-2")
