"""``POST /calcom/events`` with the bodies cal.com really sends, not a tidy fixture.

What cal.com sends (calcom/cal.com, packages/features/webhooks/lib/sendPayload.ts and the
booking handlers): ``{"triggerEvent", "createdAt": new Date().toISOString(), "payload": {...}}``
signed with ``X-Cal-Signature-256: hex(HMAC-SHA256(secret, body))``, or the literal
``no-secret-provided`` when the webhook has no secret. The "Ping test" button of the webhook form
(trpc ``webhook.testTrigger``) sends ``triggerEvent: "PING"`` with a ``payload`` of ``type:
"Test"`` and no ``uid``, signed with the secret typed in the form. ``handleCancelBooking`` sends
the cancelled booking's ``uid``, ``startTime`` (dayjs ``format()``: an offset, not ``Z``),
attendees and responses, but no ``metadata``; a reschedule is a new booking (new ``uid``) with
``rescheduleUid`` the old one's and ``metadata`` only what the reschedule page's URL carried.
So the lead of a cancellation or a move must be found from the booking Baton already knows.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

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


def lead_posted(world: SlackWorld) -> None:
    assert world.slack.command("/rotation add <@UBOB|bob> qualifier", MANAGER).status == 200
    world.slack.post_lead("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    world.deliver()


def said(world: SlackWorld, words: str) -> list[str]:
    world.deliver()
    return [c.text for c in world.double.posts(INTAKE) if words in c.text]


def booked_by_someone_else() -> dict[str, Any]:
    """Booked from the prefilled link (metadata.lead) by a colleague of the prospect: no
    attendee email matches the lead, and the notes were cleared."""
    body = copy.deepcopy(BOOKED)
    body["payload"]["attendees"][0]["email"] = "assistant@umbrella-group.example"
    body["payload"]["responses"]["email"]["value"] = "assistant@umbrella-group.example"
    body["payload"]["responses"]["notes"]["value"] = ""
    body["payload"]["additionalNotes"] = ""
    return body


def as_cancelled(created: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(created)
    body["triggerEvent"] = "BOOKING_CANCELLED"
    body["createdAt"] = "2026-11-23T08:59:50.120Z"
    payload = body["payload"]
    payload.pop("metadata")
    payload.update(
        status="CANCELLED",
        cancellationReason="Cannot make it",
        startTime="2026-11-24T10:30:00+00:00",
    )
    return body


def as_rescheduled(created: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(created)
    body["triggerEvent"] = "BOOKING_RESCHEDULED"
    body["createdAt"] = "2026-11-23T08:59:45.001Z"
    payload = body["payload"]
    payload.update(
        uid="r3sch3dUl3d",
        rescheduleUid=created["payload"]["uid"],
        rescheduleStartTime="2026-11-24T10:30:00Z",
        startTime="2026-11-25T11:00:00Z",
        endTime="2026-11-25T11:30:00Z",
        metadata={"videoCallUrl": "https://app.cal.com/video/r3sch3dUl3d"},
    )
    return body


def test_the_ping_test_of_the_webhook_form_is_200_and_changes_nothing(world: SlackWorld) -> None:
    lead_posted(world)
    ping = {
        "triggerEvent": "PING",
        "createdAt": "2026-11-23T08:59:58.312Z",
        "payload": {
            "type": "Test",
            "title": "Test trigger event",
            "description": "",
            "startTime": "2026-11-23T08:59:58.312Z",
            "endTime": "2026-11-23T08:59:58.312Z",
            "attendees": [
                {"email": "sam@umbrella.co", "name": "John Doe", "timeZone": "Europe/London"}
            ],
            "organizer": {"name": "Cal", "email": "no-reply@cal.com", "timeZone": "Europe/London"},
        },
    }
    assert signed(world, ping) == (200, {"status": "ignored"})
    assert world.rows("meetings") == 0
    assert said(world, "meeting") == []


def test_a_webhook_without_a_secret_is_refused_like_an_unsigned_one(world: SlackWorld) -> None:
    lead_posted(world)
    status, _ = send(world, json.dumps(BOOKED).encode(), "no-secret-provided")
    assert status == 401
    assert world.rows("meetings") == 0


@pytest.mark.parametrize("body", [b"", b"   ", b"<html>", b"{", b"\xff\xfe"])
def test_a_signed_body_that_is_not_json_is_400_and_changes_nothing(
    world: SlackWorld, body: bytes
) -> None:
    assert send(world, body, calcom_signature(SECRET, body)) == (
        400,
        {"error": "the body is not JSON"},
    )
    assert world.rows("meetings") == 0


@pytest.mark.parametrize("body", [b"[1, 2]", b"null", b'"BOOKING_CREATED"', b'{"payload": []}'])
def test_signed_json_that_is_not_a_booking_object_is_ignored(
    world: SlackWorld, body: bytes
) -> None:
    assert send(world, body, calcom_signature(SECRET, body)) == (200, {"status": "ignored"})
    assert world.rows("meetings") == 0


@pytest.mark.parametrize(
    "trigger", ["BOOKING_REQUESTED", "BOOKING_REJECTED", "MEETING_ENDED", "FORM_SUBMITTED", ""]
)
def test_other_triggers_are_ignored(world: SlackWorld, trigger: str) -> None:
    lead_posted(world)
    other = copy.deepcopy(BOOKED)
    other["triggerEvent"] = trigger
    assert signed(world, other) == (200, {"status": "ignored"})
    assert world.rows("meetings") == 0


def test_start_times_with_milliseconds_or_an_offset_are_read(world: SlackWorld) -> None:
    lead_posted(world)
    body = copy.deepcopy(BOOKED)
    body["payload"]["startTime"] = "2026-11-24T11:30:00.000+01:00"
    assert signed(world, body) == (200, {"status": "booked", "lead": 1})
    assert said(world, "meeting booked") == ["L-1: meeting booked for Tue 10:30."]


def test_a_cancellation_as_calcom_sends_it_finds_its_booking_without_metadata(
    world: SlackWorld,
) -> None:
    lead_posted(world)
    created = booked_by_someone_else()
    assert signed(world, created) == (200, {"status": "booked", "lead": 1})
    assert signed(world, as_cancelled(created)) == (200, {"status": "cancelled", "lead": 1})
    assert said(world, "L-1: meeting") == [
        "L-1: meeting booked for Tue 10:30.",
        "L-1: meeting for Tue 10:30 cancelled.",
    ]


def test_a_reschedule_as_calcom_sends_it_moves_the_booking_it_replaces(world: SlackWorld) -> None:
    lead_posted(world)
    created = booked_by_someone_else()
    signed(world, created)
    assert signed(world, as_rescheduled(created)) == (200, {"status": "moved", "lead": 1})
    assert said(world, "L-1: meeting") == [
        "L-1: meeting booked for Tue 10:30.",
        "L-1: meeting moved to Wed 11:00.",
    ]
    assert world.rows("meetings") == 2


def test_a_cancellation_redelivered_is_said_once(world: SlackWorld) -> None:
    lead_posted(world)
    signed(world, BOOKED)
    cancelled = as_cancelled(BOOKED)
    assert signed(world, cancelled)[1]["status"] == "cancelled"
    assert signed(world, cancelled)[1]["status"] == "duplicate"
    assert len(said(world, "cancelled")) == 1


def test_a_booking_for_an_unknown_lead_is_answered_200_and_changes_nothing(
    world: SlackWorld,
) -> None:
    lead_posted(world)
    stranger = booked_by_someone_else()
    stranger["payload"]["metadata"] = {"lead": "L-999"}
    assert signed(world, stranger)[0] == 200
    assert world.rows("meetings") == 0
    assert said(world, "meeting") == []


def test_a_signed_call_from_the_future_is_refused(world: SlackWorld) -> None:
    lead_posted(world)
    ahead = copy.deepcopy(BOOKED)
    ahead["createdAt"] = "2026-11-23T10:30:00.000Z"
    assert signed(world, ahead)[0] == 401
    assert world.rows("meetings") == 0


def test_an_attendee_email_in_other_case_finds_the_lead(world: SlackWorld) -> None:
    lead_posted(world)
    body = copy.deepcopy(BOOKED)
    body["payload"]["metadata"] = {"videoCallUrl": "https://app.cal.com/video/x"}
    body["payload"]["responses"].pop("notes")
    body["payload"]["additionalNotes"] = ""
    body["payload"]["attendees"] = [
        {"email": "guest@other.example", "name": "Guest"},
        {"email": " Sam@Umbrella.CO ", "name": "Sam Ortiz"},
    ]
    assert signed(world, body) == (200, {"status": "booked", "lead": 1})


def test_a_notes_answer_naming_the_lead_finds_it_without_metadata(world: SlackWorld) -> None:
    lead_posted(world)
    body = booked_by_someone_else()
    body["payload"]["metadata"] = {}
    body["payload"]["responses"]["notes"]["value"] = "Baton lead L-1 (sent by Alice)"
    assert signed(world, body) == (200, {"status": "booked", "lead": 1})
