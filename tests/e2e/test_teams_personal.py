"""What Baton says to one person in Teams: in their own 1:1 chat, on their own clock."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from routing.roles import Platform
from routing.usecases.context import Actor
from tests.e2e.teams_support import ALICE, MAYA, WEB, TeamsWorld, teams_world
from tests.support.clock import FakeClock

LEAD_POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"
CHANNEL = "19:sales-floor@thread.tacv2"


@pytest.fixture
def teams(tmp_path: Path, clock: FakeClock) -> Iterator[TeamsWorld]:
    with teams_world(tmp_path, clock) as world:
        yield world


def timezone_of(world: TeamsWorld, user_id: str) -> str:
    return world.baton.relay.rep(Actor(Platform.TEAMS, user_id)).timezone


def test_a_teams_reps_timezone_is_the_one_their_client_reports(teams: TeamsWorld) -> None:
    said = {**teams.teams.say_personal(ALICE, "lead mine"), "localTimezone": "America/New_York"}
    teams.post(said)
    assert timezone_of(teams, ALICE.id) == "America/New_York"


@pytest.mark.parametrize("zone", ["Mars/Base", "", "../../etc/passwd", "UTC\x00", 5, "A" * 100])
def test_a_timezone_baton_does_not_know_leaves_the_reps_clock_as_it_was(
    teams: TeamsWorld, zone: object
) -> None:
    teams.post(teams.teams.say_personal(ALICE, "lead mine"))  # Europe/Berlin
    teams.post({**teams.teams.say_personal(ALICE, "lead mine"), "localTimezone": zone})
    assert timezone_of(teams, ALICE.id) == "Europe/Berlin"


@pytest.mark.parametrize(
    "command", ["lead mine", "lead show L-1", "funnel today", "lead help", "rotation show"]
)
def test_a_read_only_command_in_a_channel_is_answered_in_the_persons_chat(
    teams: TeamsWorld, command: str
) -> None:
    teams.post(teams.teams.installed_personally(MAYA))
    teams.post(teams.teams.lead_post(WEB, LEAD_POST))
    teams.deliver()
    in_her_chat = len(teams.double.to(MAYA.chat))
    said = teams.teams.say_in_channel(MAYA, command, channel=CHANNEL)

    assert teams.post(said).status == 200
    teams.deliver()

    (note,) = teams.double.to(said["conversation"]["id"])
    assert "sent you the details" in note.text
    assert len(teams.double.to(MAYA.chat)) > in_her_chat, "the answer is in Maya's chat"


def test_a_person_seen_only_in_the_channel_gets_a_chat_opened_for_the_answer(
    teams: TeamsWorld,
) -> None:
    said = teams.teams.say_in_channel(MAYA, "lead help", channel=CHANNEL)
    teams.post(said)
    teams.deliver()
    (created,) = teams.double.created()
    assert created.body["members"][0]["id"] == MAYA.id
    assert any(call.shows("Usage") or call.text for call in teams.double.to(MAYA.chat))


def test_without_a_way_to_open_a_chat_the_answer_stays_in_the_thread_and_says_why_in_the_log(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    said = teams.teams.say_in_channel(MAYA, "lead help", channel=CHANNEL)
    said["channelData"].pop("tenant")
    said["conversation"].pop("tenantId")
    caplog.set_level(logging.INFO)

    teams.post(said)
    teams.deliver()

    (answer,) = teams.double.to(said["conversation"]["id"])
    assert "sent you the details" not in answer.text
    assert any("no 1:1 chat" in r.getMessage() for r in caplog.records)


def test_a_command_that_changes_something_is_still_answered_in_the_thread(
    teams: TeamsWorld,
) -> None:
    said = teams.teams.say_in_channel(MAYA, "lead new Initech tom@initech.com", channel=CHANNEL)
    teams.post(said)
    teams.deliver()
    assert any(call.shows("Initech") for call in teams.double.to(said["conversation"]["id"]))
