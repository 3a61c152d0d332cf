"""A cal.com webhook's JSON read into a booking change: the lead by metadata, a response, or an
attendee's email; any other shape ignored, never an error."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.calendars.calcom import BookingChange, booking_event

BOOKED: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "calcom" / "booking_created.json").read_text()
)


def test_a_created_booking_is_read_with_its_lead_time_and_attendees() -> None:
    event = booking_event(BOOKED)
    assert event is not None
    assert event.change is BookingChange.CREATED
    assert event.uid == "bFJeNb2uX8ANpT3JL5EfXw"
    assert event.starts_at == datetime(2026, 11, 24, 10, 30, tzinfo=UTC)
    assert event.lead_ref == "L-1"
    assert event.emails == ("sam@umbrella.co",)


def test_the_lead_is_read_from_the_notes_when_metadata_lost_it() -> None:
    payload = {**BOOKED["payload"], "metadata": {}}
    event = booking_event({**BOOKED, "payload": payload})
    assert event is not None
    assert event.lead_ref == "L-1"


def test_other_triggers_and_shapes_are_not_bookings() -> None:
    assert booking_event({**BOOKED, "triggerEvent": "MEETING_ENDED"}) is None
    assert booking_event({**BOOKED, "payload": []}) is None
    assert booking_event([BOOKED]) is None
    assert booking_event({**BOOKED, "payload": {**BOOKED["payload"], "uid": 7}}) is None


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(trigger=st.sampled_from([c.value for c in BookingChange]), payload=_json, created=_json)
def test_any_json_is_read_or_ignored_never_an_error(
    trigger: str, payload: object, created: object
) -> None:
    booking_event({"triggerEvent": trigger, "createdAt": created, "payload": payload})
    if isinstance(payload, dict):
        booking_event({"triggerEvent": trigger, "payload": {**payload, "uid": "u"}})
