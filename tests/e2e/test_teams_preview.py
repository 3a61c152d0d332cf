"""``@Baton rotation preview`` in Teams is a dry run, as in Slack and the console: it answers who
would get the lead and why, and the rotation is where it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.teams_support import ALICE, BOB, INTAKE, MAYA, WEB, TeamsWorld, teams_world
from tests.support.clock import FakeClock

PREVIEW = "rotation preview Lead: Kim, kim@x.example, X"


@pytest.fixture
def teams(tmp_path: Path, clock: FakeClock) -> Iterator[TeamsWorld]:
    with teams_world(tmp_path, clock) as world:
        for who in (ALICE, BOB):
            line = f"rotation add @{who.name} qualifier"
            assert world.post(world.teams.say_personal(MAYA, line, who)).status == 200
        world.deliver()
        yield world


def previews(world: TeamsWorld) -> list[str]:
    return [call.text for call in world.double.to(MAYA.chat) if call.shows("Preview:")]


def test_previews_in_teams_leave_the_rotation_where_it_was(teams: TeamsWorld) -> None:
    for _ in range(3):
        assert teams.post(teams.teams.say_personal(MAYA, PREVIEW)).status == 200
    teams.deliver()

    answers = previews(teams)
    assert len(answers) == 3
    assert all("would go to <at>Alice Able</at>" in text for text in answers), answers
    assert all("Nothing changed." in text for text in answers)

    post = teams.teams.lead_post(WEB, "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    assert teams.post(post).status == 200
    teams.deliver()
    (card,) = teams.double.to(f"{INTAKE};messageid={post['id']}")
    assert card.shows("L-1 → <at>Alice Able</at>")


def test_a_redelivered_preview_is_answered_once(teams: TeamsWorld) -> None:
    said = teams.teams.say_personal(MAYA, PREVIEW)

    assert teams.post(said).status == 200
    assert teams.post(said).status == 200
    teams.deliver()

    assert len(previews(teams)) == 1
