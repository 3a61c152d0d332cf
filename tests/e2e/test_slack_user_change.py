"""A rep who renames themselves in Slack is named anew by Baton: Slack's ``user_change`` event (the
recorded payload, ``tests/fixtures/slack/user_change.json``) refreshes the stored rep's name, over
HTTP and through the relay, without adding anyone who is not in the team."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage import tables as t
from tests.e2e.conftest import INTAKE, MANAGER, SlackWorld
from tests.e2e.slack_double import fixture


def _renamed(user: str, real_name: str, display_name: str = "") -> dict[str, Any]:
    event = fixture("user_change")  # Bob Baker, on vacation: the shape Slack documents
    event["user"]["id"] = user
    event["user"]["real_name"] = event["user"]["profile"]["real_name"] = real_name
    event["user"]["profile"]["display_name"] = display_name
    event["user"]["profile"].update(status_text="", status_emoji="")
    return event


def _names(world: SlackWorld) -> dict[str, str]:
    with world.baton.engine.connect() as conn:
        rows = conn.execute(select(t.reps.c.user_id, t.reps.c.name))
        return {str(user_id): str(name) for user_id, name in rows}


def test_a_user_change_renames_the_rep_and_applies_its_status_in_one_go(slack: SlackWorld) -> None:
    assert slack.slack.command("/rotation add <@UBOB|bob> qualifier", MANAGER).status == 200
    assert _names(slack)["UBOB"] == "bob"

    assert slack.slack.event(fixture("user_change")).status == 200

    assert _names(slack)["UBOB"] == "Bob Baker"
    with slack.baton.engine.connect() as conn:
        zone = conn.execute(select(t.reps.c.timezone).where(t.reps.c.user_id == "UBOB"))
        assert zone.scalar_one() == "Europe/Berlin"
    slack.deliver()
    slack.double.calls.clear()
    ts = slack.slack.post_lead("Lead: Ann Lee, ann@acme.example, Acme")
    slack.deliver()
    (reply,) = [c for c in slack.double.posts(INTAKE) if c.params.get("thread_ts") == ts]
    assert "Bob Baker: away (Slack status 'Vacationing')" in reply.text  # the same event


def test_a_renamed_rep_keeps_the_new_name_when_they_act_next(slack: SlackWorld) -> None:
    """The names Baton remembers in memory follow the event too: a command from the rep does
    not put the old name back."""
    assert slack.slack.command("/rotation add <@UBOB|bob> qualifier", MANAGER).status == 200
    assert slack.slack.command("/lead mine", "UBOB").status == 200  # remembered as they were
    assert slack.slack.event(_renamed("UBOB", "Robert Baker")).status == 200
    assert slack.slack.command("/lead mine", "UBOB").status == 200
    assert _names(slack)["UBOB"] == "Robert Baker"


def test_a_display_name_is_taken_when_there_is_no_real_name(slack: SlackWorld) -> None:
    assert slack.slack.command("/rotation add <@UBOB|bob> qualifier", MANAGER).status == 200
    assert slack.slack.event(_renamed("UBOB", "", "bobby")).status == 200
    assert _names(slack)["UBOB"] == "bobby"


def test_a_profile_edit_of_someone_outside_the_team_adds_nobody(slack: SlackWorld) -> None:
    before = slack.rows("reps")
    assert slack.slack.event(_renamed("USTRANGER", "Stranger Danger")).status == 200
    assert slack.rows("reps") == before
    assert "USTRANGER" not in _names(slack)


def test_a_user_change_of_odd_shape_is_answered_and_renames_nobody(slack: SlackWorld) -> None:
    assert slack.slack.command("/rotation add <@UBOB|bob> qualifier", MANAGER).status == 200
    event = fixture("user_change")
    event["user"]["profile"] = ["not", "an", "object"]
    event["user"]["real_name"] = {"not": "a string"}
    assert slack.slack.event(event).status == 200
    assert _names(slack)["UBOB"] == "bob"
