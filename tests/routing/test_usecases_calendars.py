"""A rep's calendar feed in the rotation: set and shown masked, away for a whole day out of
office, back when it ends or the rep says so, and never flipped by a failed fetch."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from routing.calendars import EventFacts, FetchResult, busy_intervals
from routing.errors import NotAllowed
from routing.usecases.context import Outcome
from tests.support.fakes import Desk

AMS = ZoneInfo("Europe/Amsterdam")
URL = "https://calendar.example.com/calendar/ical/bob/private-5ecret/basic.ics"
MON_0900 = datetime(2026, 12, 7, 9, 0, tzinfo=AMS)


def ooo(first: date, last: date) -> FetchResult:
    """A reading with one out-of-office event over whole days ``first``…``last``."""
    facts = EventFacts(first, last + timedelta(days=1), busy_status="OOF")
    return FetchResult(busy=tuple(busy_intervals([facts], AMS)), etag='"v1"')


def desk_with_bob_calendar() -> Desk:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.clock.now = MON_0900.astimezone(UTC) - timedelta(days=3)
    desk.say("bob", f"/rotation calendar {URL}", timezone="Europe/Amsterdam")
    return desk


def read(desk: Desk, result: FetchResult) -> Outcome | None:
    """What the calendar job does: claim what is due, record what the fetch gave."""
    outcome = None
    for feed in desk.relay.calendars_due():
        outcome = desk.relay.record_calendar(feed.rep_id, feed.url, result)
    return outcome


def test_the_feed_is_a_secret_shown_masked_with_host_and_last_four_characters() -> None:
    desk = Desk()
    desk.team(qualifier="bob")
    reply = desk.say("bob", f"/rotation calendar {URL}").reply
    assert "calendar.example.com/….ics" in reply
    assert "private-5ecret" not in reply
    assert "Event titles are never shown" in reply


def test_only_a_manager_sets_someone_elses_calendar() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    with pytest.raises(NotAllowed):
        desk.say("alice", f"/rotation calendar @bob {URL}")
    assert "bob" in desk.say("maya", f"/rotation calendar @bob {URL}").reply


def test_a_whole_day_out_of_office_sends_the_rep_away_with_the_reason_and_return_day() -> None:
    desk = desk_with_bob_calendar()
    desk.clock.now = MON_0900.astimezone(UTC)
    read(desk, ooo(date(2026, 12, 7), date(2026, 12, 7)))
    desk.post("Lead: Pat Lee, pat@acme.example, Acme")
    explanation = desk.lead_explanation(1)
    assert "bob: away (calendar: out of office until Tue 8 Dec)" in explanation
    assert desk.owner(1) == "alice"
    assert any("out of office until Tue 8 Dec" in n.text for n in desk.dms("bob"))


def test_the_calendar_is_read_on_set_and_the_rep_told_what_it_says() -> None:
    desk = desk_with_bob_calendar()
    read(desk, ooo(date(2026, 12, 7), date(2026, 12, 9)))
    [told] = [n.text for n in desk.dms("bob") if "connected" in n.text]
    assert told == (
        "Your calendar is connected (as of 09:00): out of office Mon 7 Dec until Thu 10 Dec."
    )


def test_rotation_show_says_how_old_the_calendar_is_and_never_a_title() -> None:
    desk = desk_with_bob_calendar()
    assert "calendar not read yet" in desk.say("maya", "/rotation show").reply
    read(desk, ooo(date(2026, 12, 7), date(2026, 12, 7)))
    assert "calendar as of 09:00" in desk.say("maya", "/rotation show").reply


def test_a_failed_fetch_keeps_the_last_good_reading_then_after_24_hours_counts_as_unknown() -> None:
    desk = desk_with_bob_calendar()
    desk.clock.now = MON_0900.astimezone(UTC)
    read(desk, ooo(date(2026, 12, 7), date(2026, 12, 11)))
    desk.clock.advance(minutes=15)
    read(desk, FetchResult(error="HTTP 500"))
    desk.clock.advance(hours=23)
    read(desk, FetchResult(error="HTTP 500"))
    assert desk.rep("bob").away_note == "calendar: out of office"  # not flipped
    mark = desk.mark()
    desk.clock.advance(hours=1)  # 24 h 15 min after the last good reading
    read(desk, FetchResult(error="HTTP 500"))
    assert desk.rep("bob").away_until is None  # unknown: available
    told = [n for n in desk.since(mark) if "24 hours" in n.text]
    assert {n.rep_id for n in told} == {desk.rep("bob").id, desk.rep("maya").id}
    assert "HTTP 500" in told[0].text
    assert "private-5ecret" not in told[0].text
    mark = desk.mark()
    desk.clock.advance(minutes=30)
    read(desk, FetchResult(error="timed out"))
    assert not [n for n in desk.since(mark) if "24 hours" in n.text]  # told once
    assert "unreadable for 24 h" in desk.say("maya", "/rotation show").reply


def test_a_reps_own_back_overrides_the_calendar_for_the_rest_of_that_period() -> None:
    desk = desk_with_bob_calendar()
    desk.clock.now = MON_0900.astimezone(UTC)
    read(desk, ooo(date(2026, 12, 7), date(2026, 12, 8)))
    assert desk.rep("bob").away_until is not None
    desk.say("bob", "/rotation back")
    desk.clock.advance(minutes=20)
    read(desk, ooo(date(2026, 12, 7), date(2026, 12, 8)))
    assert desk.rep("bob").away_until is None
    desk.clock.advance(days=1)
    read(desk, ooo(date(2026, 12, 7), date(2026, 12, 8)))
    assert desk.rep("bob").away_until is None  # still the same period


def test_a_hand_set_away_stays_on_top_of_the_calendar() -> None:
    desk = desk_with_bob_calendar()
    desk.clock.now = MON_0900.astimezone(UTC)
    desk.say("bob", "/rotation away until 14 Dec")
    read(desk, ooo(date(2026, 12, 7), date(2026, 12, 7)))
    bob = desk.rep("bob")
    assert bob.away_note is None
    assert bob.away_until == datetime(2026, 12, 14, tzinfo=AMS)


def test_an_event_removed_from_the_feed_brings_the_rep_back() -> None:
    desk = desk_with_bob_calendar()
    desk.clock.now = MON_0900.astimezone(UTC)
    read(desk, ooo(date(2026, 12, 7), date(2026, 12, 9)))
    desk.clock.advance(minutes=20)
    read(desk, FetchResult(busy=()))
    assert desk.rep("bob").away_until is None
    assert any("no longer says you're away" in n.text for n in desk.dms("bob"))


def test_a_feed_is_claimed_once_per_refresh_period() -> None:
    desk = desk_with_bob_calendar()
    assert len(desk.relay.calendars_due()) == 1
    assert desk.relay.calendars_due() == []
    desk.clock.advance(minutes=15)
    assert len(desk.relay.calendars_due()) == 1


def test_calendar_off_forgets_the_feed_and_brings_the_rep_back() -> None:
    desk = desk_with_bob_calendar()
    desk.clock.now = MON_0900.astimezone(UTC)
    read(desk, ooo(date(2026, 12, 7), date(2026, 12, 9)))
    reply = desk.say("bob", "/rotation calendar off").reply
    assert reply.startswith("Calendar feed removed from your profile.")
    assert desk.rep("bob").away_until is None
    assert desk.relay.calendars_due() == []
