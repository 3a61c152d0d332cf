"""``@Baton funnel link`` in Teams: the link goes to the private chat, never to a channel."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.teams_support import GENERAL, MAYA, TeamsWorld, teams_world
from tests.support.clock import FakeClock


@pytest.fixture
def teams(tmp_path: Path, clock: FakeClock) -> Iterator[TeamsWorld]:
    with teams_world(tmp_path, clock) as world:
        yield world


def test_a_link_asked_for_in_a_channel_arrives_in_the_private_chat_only(
    teams: TeamsWorld,
) -> None:
    assert teams.post(teams.teams.installed_personally(MAYA)).status == 200
    asked = teams.teams.say_in_channel(MAYA, "funnel link", channel=GENERAL)
    assert teams.post(asked).status == 200
    teams.deliver()
    in_channel = [c for c in teams.double.sent() if GENERAL in c.conversation]
    assert in_channel
    assert not any("/dashboard?t=" in c.text for c in in_channel)
    assert any(c.shows("1:1 chat") for c in in_channel)
    private = teams.double.to(MAYA.chat)
    assert any("/dashboard?t=v1." in c.text for c in private)


def test_a_link_asked_for_in_the_private_chat_is_answered_there(teams: TeamsWorld) -> None:
    assert teams.post(teams.teams.say_personal(MAYA, "funnel link")).status == 200
    teams.deliver()
    assert any("/dashboard?t=v1." in c.text for c in teams.double.to(MAYA.chat))
