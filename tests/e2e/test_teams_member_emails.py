"""A Teams person's email comes from the Bot Framework roster (``TeamsInfo.get_member`` against
the connector double) while HubSpot sync is on: the sender when first seen, and whoever a
``rotation add`` names; once per person; a failed lookup never fails the command."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from storage import tables as t
from tests.e2e.teams_support import ALICE, BOB, MAYA, TeamsWorld, teams_world
from tests.support.clock import FakeClock

HUBSPOT = {"hubspot_access_token": "pat-na1-test", "hubspot_api_url": "http://127.0.0.1:9"}


def emails(world: TeamsWorld) -> dict[str, str | None]:
    """User id → the email Baton keeps for their CRM owner."""
    r, c = t.reps, t.crm_owners
    with world.baton.engine.connect() as conn:
        rows = conn.execute(select(r.c.user_id, c.c.email).join(c, c.c.rep_id == r.c.id)).all()
    return {row.user_id: row.email for row in rows}


def test_rotation_add_stores_the_roster_email_of_the_sender_and_the_rep_once_each(
    tmp_path: Path, clock: FakeClock
) -> None:
    with teams_world(tmp_path, clock, **HUBSPOT) as world:
        world.double.add_member(MAYA, "maya@contoso.example")
        world.double.add_member(ALICE, None, upn="alice.able@contoso.example")
        said = world.teams.say_personal(MAYA, "rotation add @Alice Able qualifier", ALICE)
        assert world.post(said).status == 200
        assert emails(world) == {
            MAYA.id: "maya@contoso.example",
            ALICE.id: "alice.able@contoso.example",  # no email: the sign-in name
        }
        assert [who for _c, who in world.double.roster_lookups] == [MAYA.id, ALICE.id]
        assert world.double.roster_lookups[0][0] == MAYA.chat
        world.post(world.teams.say_personal(MAYA, "rotation add @Alice Able closer", ALICE))
        assert len(world.double.roster_lookups) == 2  # each person once per process


def test_a_roster_that_does_not_know_the_person_is_a_warning_and_the_command_still_works(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with teams_world(tmp_path, clock, **HUBSPOT) as world:
        with caplog.at_level(logging.WARNING):
            said = world.teams.say_personal(MAYA, "rotation add @Bob Baker qualifier", BOB)
            assert world.post(said).status == 200
        assert emails(world) == {}
        assert "Teams roster lookup of 29:1bob-baker for their email failed" in caplog.text
        world.deliver()
        (reply,) = world.double.to(MAYA.chat)
        assert "Bob Baker" in reply.text


def test_without_hubspot_the_roster_is_never_asked(tmp_path: Path, clock: FakeClock) -> None:
    with teams_world(tmp_path, clock) as world:
        world.double.add_member(MAYA, "maya@contoso.example")
        world.post(world.teams.say_personal(MAYA, "rotation add @Alice Able qualifier", ALICE))
        assert world.double.roster_lookups == []
        assert emails(world) == {}


def test_without_hubspot_a_rep_given_a_calendar_has_their_roster_email_asked_once(
    tmp_path: Path, clock: FakeClock
) -> None:
    """Their declined invitations are recognised by it; nobody else is asked."""
    with teams_world(tmp_path, clock) as world:
        world.double.add_member(MAYA, "maya@contoso.example")
        world.double.add_member(ALICE, "Alice.Able@contoso.example")
        world.post(world.teams.say_personal(MAYA, "rotation add @Alice Able qualifier", ALICE))
        assert world.double.roster_lookups == []
        feed = "rotation calendar @Alice Able https://outlook.office365.com/owa/calendar/a/b/c.ics"
        assert world.post(world.teams.say_personal(MAYA, feed, ALICE)).status == 200
        assert [who for _c, who in world.double.roster_lookups] == [ALICE.id]
        assert emails(world) == {ALICE.id: "alice.able@contoso.example"}
        world.post(world.teams.say_personal(ALICE, "rotation show"))
        assert len(world.double.roster_lookups) == 1  # known now, and asked once per process
