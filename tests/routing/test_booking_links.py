"""A closer's booking link at hand-off: prefilled with the prospect for cal.com, Calendly and
HubSpot, in the qualifier's reply and the closer's DM, and the thread says who books."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from routing.calendars.booking import booking_provider, prefilled
from routing.errors import NotAllowed
from routing.stages import Stage
from tests.routing.test_usecases_pipeline import desk_with_team, lead_at


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_a_calcom_link_carries_name_email_notes_and_the_lead_in_metadata() -> None:
    url = prefilled("https://cal.example.com/carl/intro?layout=month", "Sam Ortiz", "s@u.co", "L-4")
    assert query(url) == {
        "layout": ["month"],
        "name": ["Sam Ortiz"],
        "email": ["s@u.co"],
        "notes": ["Baton lead L-4"],
        "metadata[lead]": ["L-4"],
    }


def test_a_calendly_link_carries_name_email_and_the_lead_in_a1() -> None:
    url = prefilled("https://calendly.com/carl/30min", "Sam Ortiz", "s@u.co", "L-4")
    assert query(url) == {"name": ["Sam Ortiz"], "email": ["s@u.co"], "a1": ["Baton lead L-4"]}


def test_a_hubspot_link_splits_the_name() -> None:
    url = prefilled("https://meetings.hubspot.com/carl", "Sam Ortiz", "s@u.co", "L-4")
    assert query(url) == {"firstname": ["Sam"], "lastname": ["Ortiz"], "email": ["s@u.co"]}
    assert booking_provider("https://meetings-eu1.hubspot.com/carl") == "hubspot"


def test_the_hand_off_carries_the_closers_link_to_the_qualifier_and_the_closer() -> None:
    desk = desk_with_team()
    desk.say("carl", "/rotation booking https://cal.example.com/carl/intro")
    desk.say("dina", "/rotation booking https://calendly.com/dina/30min")
    lead_at(Stage.QUALIFIED, desk)
    mark = desk.mark()
    reply = desk.say("alice", "/lead handoff 1").reply
    owner = desk.owner(1)
    assert owner in ("carl", "dina")
    expected = "https://cal.example.com/carl/intro?" if owner == "carl" else "https://calendly.com/"
    assert f"booking link: {expected}" in reply
    assert "sam%40umbrella.co" in reply
    [dm] = [n for n in desk.since(mark) if n.rep_id == desk.rep(owner or "").id]
    assert "sends the prospect your booking link: " in dm.text
    thread = [n.text for n in desk.since(mark) if n.thread is not None and n.card is None]
    assert any(
        f"First meeting: {desk.mention('alice')} sends the prospect {desk.mention(owner or '')}'s"
        in text
        for text in thread
    )


def test_without_a_booking_link_the_hand_off_says_nothing_of_one() -> None:
    desk = lead_at(Stage.QUALIFIED)
    assert "booking link" not in desk.say("alice", "/lead handoff 1").reply


def test_only_a_manager_sets_someone_elses_booking_link() -> None:
    desk = desk_with_team()
    with pytest.raises(NotAllowed):
        desk.say("alice", "/rotation booking @carl https://cal.example.com/carl")
    assert "Booking link set" in desk.say("maya", "/rotation booking @carl https://cal.com/c").reply
