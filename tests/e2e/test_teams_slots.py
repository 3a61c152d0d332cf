"""The free times of a hand-off as Teams card buttons, over real HTTP: a click holds the time
once and replaces the card (the buttons go), and the qualifier gets the ``.ics`` in their chat."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import icalendar
import pytest

from routing.calendars import FetchResult
from tests.e2e.teams_support import ALICE, DAVE, MAYA, WEB, TeamsWorld, teams_world
from tests.e2e.test_teams_relay import invoke_card, last, set_up_team
from tests.support.clock import FakeClock

GOOGLE = "https://calendar.google.com/calendar/ical/dave%40example.com/private-abc/basic.ics"
LEAD_POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"


@pytest.fixture
def teams(tmp_path: Path, clock: FakeClock) -> Iterator[TeamsWorld]:
    with teams_world(tmp_path, clock) as world:
        yield world


def handed_off(world: TeamsWorld) -> list[dict[str, Any]]:
    """L-1 qualified by Alice and handed to Dave, whose calendar is free: the time buttons of
    the card that replaced the one she clicked."""
    set_up_team(world)
    send = world.teams
    assert world.post(send.say_personal(DAVE, f"rotation calendar {GOOGLE}")).status == 200
    for feed in world.baton.relay.calendars_due():
        world.baton.relay.record_calendar(feed.rep_id, feed.url, FetchResult(busy=()))
    assert world.post(send.lead_post(WEB, LEAD_POST)).status == 200
    world.deliver()
    invoke_card(world.post(send.execute(ALICE, "claim", {"baton": "claim", "lead": 1})))
    assert world.post(send.say_personal(ALICE, "lead qualify L-1 budget=40k")).status == 200
    card = invoke_card(world.post(send.execute(ALICE, "handoff", {"baton": "handoff", "lead": 1})))
    return [action for action in card["actions"] if action.get("verb") == "slot"]


def test_a_click_on_a_time_holds_it_replaces_the_card_and_sends_the_ics(
    teams: TeamsWorld,
) -> None:
    buttons = handed_off(teams)
    assert len(buttons) == 3
    second = buttons[1]
    assert second["type"] == "Action.Execute"
    assert set(second["data"]) == {"baton", "lead", "start"}

    card = invoke_card(teams.post(teams.teams.execute(ALICE, "slot", second["data"])))
    assert f"Held {second['title']} " in str(card)
    assert "slot" not in [action.get("verb") for action in card.get("actions", [])]
    teams.deliver()
    sent = last(teams.double.to(ALICE.chat))
    (attachment,) = sent.body["attachments"]
    assert attachment["contentType"] == "text/calendar"
    assert attachment["name"] == "meeting-L-1.ics"
    prefix = "data:text/calendar;base64,"
    assert attachment["contentUrl"].startswith(prefix)
    ics = base64.b64decode(attachment["contentUrl"].removeprefix(prefix)).decode()
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert int(event.decoded("DTSTART").timestamp()) == second["data"]["start"]
    assert str(event["ORGANIZER"]) == "mailto:dave@example.com"
    assert "BEGIN:VCALENDAR" in sent.text  # a client that shows no such attachment


def test_a_submitted_time_twice_and_a_stale_one_hold_one_meeting(teams: TeamsWorld) -> None:
    first = handed_off(teams)[0]
    send = teams.teams
    assert teams.post(send.submit(ALICE, first["data"])).status == 200  # Action.Submit
    assert teams.post(send.submit(ALICE, first["data"])).status == 200
    stale = {**first["data"], "start": 1_700_000_000}
    assert teams.post(send.submit(MAYA, stale)).status == 200
    teams.deliver()
    assert teams.rows("meetings") == 1
    assert last(teams.double.to(MAYA.chat)).shows("already held")
    said = teams.double.to(ALICE.chat)
    assert [call.shows("Held ") for call in said].count(True) == 1
    assert any(call.shows("already held") for call in said)
    files = [
        c
        for c in teams.double.to(ALICE.chat)
        if c.body.get("attachments") and "text/calendar" in str(c.body)
    ]
    assert len(files) == 1
