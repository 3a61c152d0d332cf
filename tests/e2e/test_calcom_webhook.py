"""``POST /calcom/events`` over HTTP with cal.com's documented payload: signed → the lead's
thread says "meeting booked for Tue 10:30" once; forged, unsigned or stale → 401 and nothing;
the same bytes again → 200 and nothing; cancelled and rescheduled update it."""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from bot.web.calcom import calcom_signature
from tests.e2e.calcom_world import BOOKED, SECRET, calcom_world, send, signed
from tests.e2e.conftest import INTAKE, MANAGER, SlackWorld
from tests.e2e.slack_double import SlackDouble
from tests.support.clock import FakeClock


@pytest.fixture
def world(sqlite_url: str, clock: FakeClock, slack_double: SlackDouble) -> Iterator[SlackWorld]:
    with calcom_world(sqlite_url, clock, slack_double) as world:
        yield world


def said(world: SlackWorld, words: str) -> list[str]:
    world.deliver()
    return [c.text for c in world.double.posts(INTAKE) if words in c.text]


def lead_posted(world: SlackWorld) -> None:
    """L-1, owned (an email finds only owned leads): given to bob on the qualifier rotation."""
    assert world.slack.command("/rotation add <@UBOB|bob> qualifier", MANAGER).status == 200
    world.slack.post_lead("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    world.deliver()


def test_a_signed_booking_is_said_once_on_the_lead_and_a_replay_does_nothing(
    world: SlackWorld,
) -> None:
    lead_posted(world)
    body = json.dumps(BOOKED).encode()
    assert send(world, body, calcom_signature(SECRET, body)) == (
        200,
        {"status": "booked", "lead": 1},
    )
    assert send(world, body, calcom_signature(SECRET, body))[1]["status"] == "duplicate"
    assert said(world, "meeting booked") == ["L-1: meeting booked for Tue 10:30."]
    assert world.rows("meetings") == 1


@pytest.mark.parametrize(
    "signature", [None, "", "0" * 64, calcom_signature("wrong-secret", b"{}"), "sha256=abc"]
)
def test_a_forged_or_unsigned_call_is_refused_and_changes_nothing(
    world: SlackWorld, signature: str | None
) -> None:
    lead_posted(world)
    status, answer = send(world, json.dumps(BOOKED).encode(), signature)
    assert status == 401
    assert "X-Cal-Signature-256" in answer["error"]
    assert world.rows("meetings") == 0
    assert world.rows("delivery_keys") == 0


def test_a_signature_over_other_bytes_is_refused(world: SlackWorld) -> None:
    body = json.dumps(BOOKED).encode()
    status, _ = send(world, body + b" ", calcom_signature(SECRET, body))
    assert status == 401


def test_a_stale_call_is_refused(world: SlackWorld) -> None:
    lead_posted(world)
    old = copy.deepcopy(BOOKED)
    old["createdAt"] = "2026-11-22T08:00:00Z"
    assert signed(world, old)[0] == 401
    assert world.rows("meetings") == 0


def test_without_a_lead_reference_the_attendees_email_finds_the_lead(world: SlackWorld) -> None:
    lead_posted(world)
    anonymous = copy.deepcopy(BOOKED)
    anonymous["payload"]["metadata"] = {}
    anonymous["payload"]["responses"].pop("notes")
    anonymous["payload"]["additionalNotes"] = ""
    assert signed(world, anonymous) == (200, {"status": "booked", "lead": 1})


def test_cancelled_and_rescheduled_update_the_lead(world: SlackWorld) -> None:
    lead_posted(world)
    signed(world, BOOKED)
    moved = copy.deepcopy(BOOKED)
    moved["triggerEvent"] = "BOOKING_RESCHEDULED"
    moved["createdAt"] = "2026-11-23T08:59:40Z"
    moved["payload"].update(
        uid="n3wUid", rescheduleUid=BOOKED["payload"]["uid"], startTime="2026-11-25T11:00:00Z"
    )
    assert signed(world, moved)[1]["status"] == "moved"
    cancelled = copy.deepcopy(moved)
    cancelled["triggerEvent"] = "BOOKING_CANCELLED"
    cancelled["createdAt"] = "2026-11-23T08:59:50Z"
    assert signed(world, cancelled)[1]["status"] == "cancelled"
    assert said(world, "L-1: meeting") == [
        "L-1: meeting booked for Tue 10:30.",
        "L-1: meeting moved to Wed 11:00.",
        "L-1: meeting for Wed 11:00 cancelled.",
    ]


def test_what_is_not_a_booking_is_ignored(world: SlackWorld) -> None:
    assert signed(world, {"triggerEvent": "PING", "payload": {}}) == (200, {"status": "ignored"})
    body = b"not json"
    assert send(world, body, calcom_signature(SECRET, body))[0] == 400


def test_without_a_configured_secret_every_call_is_refused(slack: SlackWorld) -> None:
    body = json.dumps(BOOKED).encode()
    url = slack.slack.url + "/calcom/events"
    request = urllib.request.Request(
        url, data=body, headers={"X-Cal-Signature-256": calcom_signature("", body)}, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 401
