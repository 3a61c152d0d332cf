"""With a closer's calendar and no booking link, a hand-off proposes three free times; picking
one holds it, plans the meeting on the lead, tells the closer and gives an .ics invitation."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from routing.calendars import BusyInterval, BusyKind, FetchResult
from routing.errors import InvalidInput, NotAllowed
from routing.stages import Stage
from tests.routing.test_usecases_pipeline import desk_with_team, lead_at
from tests.support.fakes import Desk

URL = "https://calendar.example.com/carl/private-x/basic.ics"


def carl_with_calendar() -> Desk:
    """Monday 23 Nov 09:00 UTC; carl (UTC, 09:00–17:00) is busy Monday until 15:00."""
    desk = desk_with_team()
    desk.say("maya", "/rotation remove @dina closer")
    desk.say("carl", f"/rotation calendar {URL}")
    busy = (
        BusyInterval(
            datetime(2026, 11, 23, 9, tzinfo=UTC),
            datetime(2026, 11, 23, 15, tzinfo=UTC),
            BusyKind.BUSY,
        ),
    )
    for feed in desk.relay.calendars_due():
        desk.relay.record_calendar(feed.rep_id, feed.url, FetchResult(busy=busy))
    return lead_at(Stage.QUALIFIED, desk)


def test_a_hand_off_proposes_three_free_times_from_the_closers_calendar() -> None:
    desk = carl_with_calendar()
    reply = desk.say("alice", "/lead handoff 1").reply
    assert (
        "free times for a first meeting: 1) Mon 23 Nov 15:00, 2) Tue 24 Nov 09:00, "
        "3) Wed 25 Nov 09:00 (UTC). Pick one with the prospect: `/lead slot L-1 1`."
    ) in reply


def test_picking_a_time_holds_it_plans_the_meeting_and_gives_an_invitation() -> None:
    desk = carl_with_calendar()
    desk.say("alice", "/lead handoff 1")
    mark = desk.mark()
    outcome = desk.say("alice", "/lead slot 1 2")
    assert outcome.reply.startswith("Held Tue 24 Nov 09:00 (UTC) with")
    ics = str(outcome.data["ics"])
    assert "DTSTART:20261124T090000Z\r\n" in ics
    assert "DTEND:20261124T093000Z\r\n" in ics
    texts = [n.text for n in desk.since(mark)]
    assert "L-1: meeting planned for Tue 24 Nov 09:00 with " + desk.mention("carl") + "." in texts
    assert any("first meeting planned for Tue 24 Nov 09:00" in t for t in texts)
    desk.post("Lead: Kim Ro, kim@stark.example, Stark")
    desk.say("bob", "/lead claim 2") if desk.owner(2) == "bob" else desk.say(
        "alice", "/lead claim 2"
    )
    who = desk.owner(2) or ""
    desk.say(who, "/lead qualify 2 budget=1k")
    assert "2) Tue 24 Nov 09:30" in desk.say(who, "/lead handoff 2").reply  # 09:00 is held


def test_only_the_sender_the_closer_or_a_manager_picks_and_only_a_proposed_number() -> None:
    desk = carl_with_calendar()
    desk.say("alice", "/lead handoff 1")
    with pytest.raises(NotAllowed):
        desk.say("bob", "/lead slot 1 1")
    desk.post("Lead: Kim Ro, kim@stark.example, Stark")
    with pytest.raises(InvalidInput, match="not with a closer"):
        desk.say("maya", "/lead slot 2 1")
