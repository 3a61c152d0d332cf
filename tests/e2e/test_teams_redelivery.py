"""Teams resends an activity when Baton is slow to answer: every state-changing activity (typed
command, card submit, card click) takes effect once, and its redelivery gets the first answer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from routing.commands import parse_command
from routing.roles import Platform
from routing.usecases.context import Actor
from storage import tables as t
from tests.e2e.teams_support import ALICE, DAVE, FRANK, MAYA, WEB, TeamsWorld, teams_world
from tests.support.clock import FakeClock

LEAD_POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"


@pytest.fixture
def teams(tmp_path: Path, clock: FakeClock) -> Iterator[TeamsWorld]:
    with teams_world(tmp_path, clock) as world:
        for line, who in (
            ("rotation add @Alice Able qualifier", ALICE),
            ("rotation add @Dave Closer closer", DAVE),
            ("rotation add @Frank Account account_manager", FRANK),
        ):
            assert world.post(world.teams.say_personal(MAYA, line, who)).status == 200
        yield world


def as_rep(world: TeamsWorld, user_id: str, text: str) -> None:
    word, _, rest = text.partition(" ")
    command = parse_command(word, rest, world.baton.clock().date())
    world.baton.relay.execute(Actor(Platform.TEAMS, user_id), command)


def expansion_total(world: TeamsWorld) -> str:
    with world.baton.engine.connect() as conn:
        query = select(t.leads.c.expansion_total).where(t.leads.c.id == 1)
        return str(conn.execute(query).scalar_one())


def test_a_redelivered_lead_new_makes_one_lead_and_one_reply(teams: TeamsWorld) -> None:
    said = teams.teams.say_personal(MAYA, "lead new Initech tom@initech.com Tom Smykowski")

    assert teams.post(said).status == 200
    queued = teams.rows("outbox")
    assert teams.post(said).status == 200

    assert teams.rows("leads") == 1
    assert teams.rows("outbox") == queued
    teams.deliver()
    replies = [c for c in teams.double.to(MAYA.chat) if c.shows("Initech")]
    assert len(replies) == 1


def test_a_redelivered_expansion_is_counted_once(teams: TeamsWorld) -> None:
    teams.post(teams.teams.lead_post(WEB, LEAD_POST))
    for user, text in (
        (ALICE, "lead claim L-1"),
        (ALICE, "lead qualify L-1 budget=40k"),
        (ALICE, "lead handoff L-1"),
        (DAVE, "lead won L-1 12000"),
        (DAVE, "lead handoff L-1"),
    ):
        as_rep(teams, user.id, text)
    said = teams.teams.say_personal(FRANK, "lead expand L-1 1000")

    teams.post(said)
    teams.post(said)

    assert expansion_total(teams) == "1000"
    with teams.baton.engine.connect() as conn:
        types = conn.execute(select(t.lead_events.c.type)).scalars().all()
    assert types.count("expanded") == 1


def test_a_redelivered_refusal_is_answered_once(teams: TeamsWorld) -> None:
    said = teams.teams.say_personal(DAVE, "lead claim L-99")
    teams.post(said)
    teams.post(said)
    teams.deliver()
    assert len([c for c in teams.double.to(DAVE.chat) if c.shows("L-99")]) == 1


def test_a_redelivered_card_click_changes_nothing_and_gets_the_first_answer(
    teams: TeamsWorld,
) -> None:
    teams.post(teams.teams.lead_post(WEB, LEAD_POST))
    click = teams.teams.execute(ALICE, "claim", {"baton": "claim", "lead": 1})

    first = teams.post(click)
    events = teams.rows("lead_events")
    again = teams.post(click)

    assert first.status == again.status == 200
    assert again.json() == first.json()
    assert "L-1 is yours" in first.body
    assert teams.rows("lead_events") == events


def test_a_redelivered_card_submit_is_applied_once(teams: TeamsWorld) -> None:
    teams.post(teams.teams.lead_post(WEB, LEAD_POST))
    as_rep(teams, ALICE.id, "lead claim L-1")
    submit = teams.teams.submit(ALICE, {"baton": "disqualify", "lead": 1, "reason": "no budget"})

    teams.post(submit)
    queued = teams.rows("outbox")
    teams.post(submit)

    assert teams.rows("outbox") == queued
    with teams.baton.engine.connect() as conn:
        types = conn.execute(select(t.lead_events.c.type)).scalars().all()
    assert types.count("disqualified") == 1


def test_the_same_activity_id_in_another_conversation_is_another_command(
    teams: TeamsWorld,
) -> None:
    """Teams message ids are timestamps: two people may send one at the same millisecond."""
    maya = teams.teams.say_personal(MAYA, "lead new Initech tom@initech.com")
    alice = teams.teams.say_personal(ALICE, "lead new Hooli gavin@hooli.com")
    alice["id"] = maya["id"]

    teams.post(maya)
    teams.post(alice)

    assert teams.rows("leads") == 2
