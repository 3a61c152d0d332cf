"""A Teams outage delays messages and loses none: 429 (with Retry-After) and 5xx are retried on
the outbox's schedule, in order, and each message arrives once when the connector is back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.teams_support import ALICE, BOB, INTAKE, MAYA, WEB, TeamsWorld, teams_world
from tests.support.clock import FakeClock

LEAD_POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"


@pytest.fixture
def teams(tmp_path: Path, clock: FakeClock) -> Iterator[TeamsWorld]:
    with teams_world(tmp_path, clock) as world:
        world.post(world.teams.installed_personally(ALICE))
        world.post(world.teams.say_personal(MAYA, "rotation add @Alice Able qualifier", ALICE))
        world.deliver()
        yield world


def test_an_outage_of_429_then_500s_loses_nothing(teams: TeamsWorld, clock: FakeClock) -> None:
    post = teams.teams.lead_post(WEB, LEAD_POST)
    teams.post(post)
    teams.post(teams.teams.execute(ALICE, "claim", {"baton": "claim", "lead": 1}))
    teams.double.fail(429, 500, 500, 503, 502)

    assert teams.deliver() == 0  # 429: not before Retry-After
    clock.advance(seconds=6)
    assert teams.deliver() == 0
    for _failure in range(4):  # each 5xx backs off (2, 4, 8, 16 s): nothing waits on the wall clock
        clock.advance(seconds=20)
        assert teams.deliver() == 0
    clock.advance(seconds=60)
    delivered = teams.deliver()

    thread = f"{INTAKE};messageid={post['id']}"
    cards = teams.double.to(thread)
    assert delivered == 4  # the thread card, Alice's card, "claimed" and the card update
    assert cards[0].shows("L-1 → <at>Alice Able</at>")
    assert cards[1].shows("claimed L-1")
    # The rotation DM and the lead card reached Alice once each.
    assert len(teams.double.to(ALICE.chat)) == 2
    (update,) = teams.double.updates(thread)
    assert update.activity_id == teams.card_ref(1)
    assert teams.outbox("pending") == 0
    assert teams.outbox("failed") == 0
    assert [c.status for c in teams.double.calls if c.status >= 300] == [429, 500, 500, 503, 502]


def test_a_refusal_is_final_and_the_managers_are_told(teams: TeamsWorld) -> None:
    """Bob was only mentioned; Teams won't open a chat with him (no app installed for him)."""
    teams.post(teams.teams.say_personal(MAYA, "rotation add @Bob Baker qualifier", BOB))
    teams.double.fail(403)

    teams.deliver()

    assert teams.outbox("failed") == 1
    warning = teams.double.to(MAYA.chat)[-1]
    assert warning.shows("I couldn't reach <at>Bob Baker</at> (Teams)")
    assert warning.shows("added you to the qualifier rotation")
