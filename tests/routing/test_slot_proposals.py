"""With a closer's calendar and no booking link, a hand-off proposes three free times; picking
one holds it, plans the meeting on the lead, tells the closer and gives an .ics invitation."""

from __future__ import annotations

from datetime import UTC, datetime

import icalendar
import pytest

from routing.calendars import BusyInterval, BusyKind, FetchResult
from routing.chat.slots import SlotChoices, notice_slots, slot_button_command, slot_command
from routing.commands import LeadSlotAt
from routing.errors import InvalidInput, NotAllowed, UsageError
from routing.notices import FILE_CONTENT, FILE_NAME, FILE_TYPE, Notice, NoticeKind
from routing.roles import Platform
from routing.stages import Stage
from routing.usecases.context import Actor, Outcome
from tests.routing.test_usecases_pipeline import desk_with_team, lead_at
from tests.support.fakes import Desk

URL = "https://calendar.example.com/carl/private-x/basic.ics"
TUESDAY_9 = datetime(2026, 11, 24, 9, tzinfo=UTC)


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


GOOGLE = "https://calendar.google.com/calendar/ical/carl%40example.com/private-abc/basic.ics"


def click(desk: Desk, who: str, lead_id: int, start: datetime) -> Outcome:
    """A time button as every platform hands it over: the lead and the start it carries."""
    command = slot_command(f"L-{lead_id}", int(start.timestamp()))
    return desk.relay.execute(Actor(Platform.CONSOLE, who, who), command)


def files_since(desk: Desk, mark: int) -> list[Notice]:
    return [n for n in desk.since(mark) if n.kind is NoticeKind.FILE]


def test_a_hand_off_offers_the_free_times_as_buttons_carrying_the_lead_and_the_start() -> None:
    desk = carl_with_calendar()
    slots = desk.say("alice", "/lead handoff 1").slots
    assert slots is not None
    assert [c.label for c in slots.choices] == [
        "Mon 23 Nov 15:00",
        "Tue 24 Nov 09:00",
        "Wed 25 Nov 09:00",
    ]
    assert slots.value(slots.choices[1]) == f"L-1@{int(TUESDAY_9.timestamp())}"
    assert slots.typed == "or type `/lead slot L-1 1`"
    assert SlotChoices.from_data(slots.as_data()) == slots


def test_a_time_button_holds_that_time_and_sends_the_invitation_as_a_file() -> None:
    desk = carl_with_calendar()
    desk.say("alice", "/lead handoff 1")
    mark = desk.mark()
    outcome = click(desk, "alice", 1, TUESDAY_9)
    assert outcome.reply.startswith("Held Tue 24 Nov 09:00 (UTC) with")
    assert "as meeting-L-1.ics" in outcome.reply
    assert outcome.slots is None
    (sent,) = files_since(desk, mark)
    alice = [r.id for r in desk.uow.committed.reps.values() if r.user_id == "alice"]
    assert [sent.rep_id] == alice
    assert sent.data[FILE_NAME] == "meeting-L-1.ics"
    assert sent.data[FILE_TYPE] == "text/calendar"
    assert sent.data[FILE_CONTENT] == outcome.data["ics"]
    texts = [n.text for n in desk.since(mark)]
    assert "L-1: meeting planned for Tue 24 Nov 09:00 with " + desk.mention("carl") + "." in texts


def test_clicking_a_time_twice_holds_it_once_and_sends_one_invitation() -> None:
    desk = carl_with_calendar()
    desk.say("alice", "/lead handoff 1")
    mark = desk.mark()
    click(desk, "alice", 1, TUESDAY_9)
    again = click(desk, "alice", 1, TUESDAY_9)
    other = click(desk, "alice", 1, datetime(2026, 11, 25, 9, tzinfo=UTC))
    typed = desk.say("alice", "/lead slot 1 1")
    for answer in (again, other, typed):
        assert answer.reply.startswith("L-1's first meeting is already held for Tue 24 Nov 09:00")
    assert len(files_since(desk, mark)) == 1
    assert [m.starts_at for m in desk.uow.committed.meetings.values()] == [TUESDAY_9]


def test_a_time_button_gone_stale_says_why_and_holds_nothing() -> None:
    desk = carl_with_calendar()
    desk.say("alice", "/lead handoff 1")
    with pytest.raises(InvalidInput, match="no longer free"):
        click(desk, "alice", 1, datetime(2026, 11, 23, 10, tzinfo=UTC))  # carl is busy
    with pytest.raises(InvalidInput, match="has passed"):
        click(desk, "alice", 1, datetime(2026, 11, 23, 8, tzinfo=UTC))
    desk.clock.advance(days=1, hours=1)  # Tuesday 10:00: the 09:00 button is stale
    with pytest.raises(InvalidInput, match="Tue 24 Nov 09:00 has passed"):
        click(desk, "alice", 1, TUESDAY_9)
    with pytest.raises(NotAllowed):
        click(desk, "bob", 1, datetime(2026, 11, 25, 9, tzinfo=UTC))
    desk.say("carl", "/lead meeting 1")  # the lead moved on
    with pytest.raises(InvalidInput, match="not with a closer"):
        click(desk, "alice", 1, datetime(2026, 11, 25, 9, tzinfo=UTC))
    assert desk.uow.committed.meetings == {}


def test_a_time_held_for_one_lead_is_a_stale_button_for_another() -> None:
    desk = carl_with_calendar()
    desk.say("alice", "/lead handoff 1")
    desk.post("Lead: Kim Ro, kim@stark.example, Stark")
    who = desk.owner(2) or ""
    desk.say(who, "/lead claim 2")
    desk.say(who, "/lead qualify 2 budget=1k")
    desk.say(who, "/lead handoff 2")
    click(desk, "alice", 1, TUESDAY_9)
    with pytest.raises(InvalidInput, match="no longer free"):
        click(desk, who, 2, TUESDAY_9)


def test_the_invitation_names_the_closer_and_the_prospect_and_reads_as_icalendar() -> None:
    desk = carl_with_calendar()
    desk.say("carl", f"/rotation calendar {GOOGLE}")
    for feed in desk.relay.calendars_due():
        desk.relay.record_calendar(feed.rep_id, feed.url, FetchResult(busy=()))
    desk.say("alice", "/lead handoff 1")
    ics = str(click(desk, "alice", 1, TUESDAY_9).data["ics"])
    calendar = icalendar.Calendar.from_ical(ics)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == TUESDAY_9
    assert event["UID"] == f"baton-L-1-{int(TUESDAY_9.timestamp())}@baton"
    assert str(event["ORGANIZER"]) == "mailto:carl@example.com"
    assert event["ORGANIZER"].params["CN"] == "carl"
    lead = desk.uow.committed.leads[1]
    assert str(event["ATTENDEE"]) == f"mailto:{lead.email}"
    assert event["ATTENDEE"].params["CN"] == lead.name


def test_the_invitation_names_the_closer_by_their_known_email_when_the_feed_names_nobody() -> None:
    desk = carl_with_calendar()  # a feed address that names nobody
    desk.say("alice", "/lead handoff 1")
    unknown = icalendar.Calendar.from_ical(str(click(desk, "alice", 1, TUESDAY_9).data["ics"]))
    assert "ORGANIZER" not in unknown.walk("VEVENT")[0]
    desk = carl_with_calendar()
    desk.say("maya", "/rotation add @carl closer email=Carl.Diaz@Firm.example")
    desk.say("alice", "/lead handoff 1")
    ics = str(click(desk, "alice", 1, TUESDAY_9).data["ics"])
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["ORGANIZER"]) == "mailto:carl.diaz@firm.example"
    assert event["ORGANIZER"].params["CN"] == "carl"


def test_a_button_value_that_is_not_baton_s_is_a_usage_error() -> None:
    assert slot_button_command("L-3@1795510800") == LeadSlotAt(
        3, datetime(2026, 11, 24, 9, tzinfo=UTC)
    )
    for value in ("", "L-3", "L-3@", "L-3@soon", "L-3@-5", "L-3@99999999999", "x@1795510800"):
        with pytest.raises(UsageError):
            slot_button_command(value)
    with pytest.raises(UsageError):
        slot_command(3, True)


def test_a_manager_handing_off_sends_the_qualifier_the_times_as_buttons() -> None:
    desk = carl_with_calendar()
    mark = desk.mark()
    reply = desk.say("maya", "/lead handoff 1")
    assert reply.slots is None  # the manager's reply: the times are the qualifier's to pick
    alice = [r.id for r in desk.uow.committed.reps.values() if r.user_id == "alice"]
    (dm,) = [n for n in desk.since(mark) if n.rep_id in alice]
    slots = notice_slots(dm)
    assert slots is not None
    assert [c.label for c in slots.choices][:2] == ["Mon 23 Nov 15:00", "Tue 24 Nov 09:00"]
