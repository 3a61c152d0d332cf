"""Availability from Slack status: ``user_change`` events (Slack's documented shape) over HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.e2e.conftest import INTAKE, MANAGER, SlackWorld
from tests.e2e.slack_double import fixture
from tests.support.clock import FakeClock


def user_change(user: str, text: str = "", emoji: str = "", until: datetime | None = None) -> Any:
    event = fixture("user_change")
    event["user"]["id"] = user
    profile = event["user"]["profile"]
    # The name and timezone Baton already has (set_up's), so only the status changes; a rename
    # has its own tests (test_slack_user_change.py).
    event["user"]["real_name"] = profile["real_name"] = user[1:].lower()
    event["user"]["tz"] = "UTC"
    profile.update(
        status_text=text,
        status_emoji=emoji,
        status_expiration=int(until.timestamp()) if until else 0,
    )
    return event


def set_status(world: SlackWorld, user: str, text: str = "", emoji: str = "", **kw: Any) -> None:
    assert world.slack.event(user_change(user, text, emoji, **kw)).status == 200


def set_up(world: SlackWorld, *users: str) -> None:
    for user in users:
        line = f"/rotation add <@{user}|{user[1:].lower()}> qualifier"
        assert world.slack.command(line, MANAGER).status == 200
    world.deliver()
    world.double.calls.clear()


def thread_reply(world: SlackWorld, ts: str) -> str:
    world.deliver()
    (reply,) = [c for c in world.double.posts(INTAKE) if c.params.get("thread_ts") == ts]
    return reply.text


def test_an_away_status_skips_the_rep_with_its_reason_until_it_expires(
    slack: SlackWorld, clock: FakeClock
) -> None:
    set_up(slack, "UBOB", "UALICE")
    friday = datetime(2026, 12, 4, tzinfo=UTC)  # reps added by mention keep UTC
    set_status(slack, "UBOB", "Vacationing", ":palm_tree:", until=friday)

    first = thread_reply(slack, slack.slack.post_lead("Lead: Ann Lee, ann@acme.example, Acme"))
    assert "<@UALICE>" in first
    assert "bob: away (Slack status 'Vacationing' until Fri 4 Dec)" in first

    clock.now = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
    later = thread_reply(slack, slack.slack.post_lead("Lead: Kim Ro, kim@stark.example, Stark"))
    assert "<@UBOB>" in later
    assert "away" not in later


def test_clearing_the_status_brings_the_rep_back_and_hands_them_the_queue(
    slack: SlackWorld,
) -> None:
    set_up(slack, "UBOB")
    set_status(slack, "UBOB", "OOO — back soon")
    waiting = thread_reply(slack, slack.slack.post_lead("Lead: Ann Lee, ann@acme.example, Acme"))
    assert "waiting in the queue" in waiting
    assert slack.double.posts("UBOB") == []

    set_status(slack, "UBOB")
    slack.deliver()
    (dm,) = slack.double.posts("UBOB")
    assert dm.shows("New lead L-1")


def test_a_reps_own_rotation_back_wins_over_the_same_stale_status(slack: SlackWorld) -> None:
    set_up(slack, "UBOB")
    set_status(slack, "UBOB", "Sick", ":face_with_thermometer:")
    assert slack.slack.command("/rotation back", "UBOB").status == 200
    set_status(slack, "UBOB", "Sick", ":face_with_thermometer:")  # a profile edit resends it

    ok = thread_reply(slack, slack.slack.post_lead("Lead: Ann Lee, ann@acme.example, Acme"))
    assert "<@UBOB>" in ok

    set_status(slack, "UBOB", "Out of office")
    queued = thread_reply(slack, slack.slack.post_lead("Lead: Kim Ro, kim@stark.example, Stark"))
    assert "Slack status 'Out of office'" in queued


def test_a_status_that_is_not_away_changes_nothing_and_never_ends_a_manual_away(
    slack: SlackWorld,
) -> None:
    set_up(slack, "UBOB", "UALICE")
    set_status(slack, "UBOB", "In a meeting", ":spiral_calendar_pad:")
    set_status(slack, "UALICE", "Homesick playlist")
    assert slack.slack.command("/rotation away", "UALICE").status == 200
    set_status(slack, "UALICE", "Vacationing")
    set_status(slack, "UALICE")

    reply = thread_reply(slack, slack.slack.post_lead("Lead: Ann Lee, ann@acme.example, Acme"))
    assert "<@UBOB>" in reply
    assert "away until they're back" in reply
