"""The free times a hand-off proposes, from a closer's real feed served on loopback and read by
the calendar job: on the closer's clock (New York here), two hours' notice, :00/:30, within
working hours, weekends skipped, busy time and Baton's own holds subtracted."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.baton import Baton
from bot.calendars.fetch import FetchPolicy
from bot.calendars.refresh import refresh_calendars
from routing.arrival import posted
from routing.roles import Platform
from tests.bot.calendars.feed_server import Route, feed_server
from tests.support.clock import FakeClock
from tests.support.phones import PHONES
from tests.support.world import make_baton, say

LOCAL = FetchPolicy(allow_private=True, timeout=5)
PATH = "/remote.php/dav/calendars/carl/personal/?export"
FEED = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Nextcloud//EN\r\n"
    b"BEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20261101T000000Z\r\n"
    b"DTSTART;TZID=America/New_York:20261123T113000\r\n"
    b"DTEND;TZID=America/New_York:20261123T121500\r\nSUMMARY:Pipeline review\r\nEND:VEVENT\r\n"
    b"BEGIN:VEVENT\r\nUID:free\r\nDTSTAMP:20261101T000000Z\r\n"
    b"DTSTART;VALUE=DATE:20261124\r\nDTEND;VALUE=DATE:20261125\r\nSUMMARY:Birthday\r\n"
    b"TRANSP:TRANSPARENT\r\nEND:VEVENT\r\n"
    b"END:VCALENDAR\r\n"
)


def closer_with_feed(sqlite_url: str, clock: FakeClock, server_url: str) -> Baton:
    baton = make_baton(sqlite_url, clock, managers=[("console", "maya")])
    say(baton, "maya", "/rotation add @alice qualifier")
    say(baton, "maya", "/rotation add @carl closer")
    with baton.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE reps SET timezone = 'America/New_York' WHERE name = 'carl'")
    say(baton, "carl", f"/rotation calendar {server_url}")
    assert refresh_calendars(baton.relay, LOCAL, clock()) == 1
    return baton


def hand_off(baton: Baton, n: int) -> str:
    company = ("Umbrella", "Initech", "Hooli")[n - 1]
    text = f"Name: Sam Ortiz\nEmail: sam@{company.lower()}.co\nCompany: {company}"
    baton.relay.ingest(posted(Platform.SLACK, "C0LEADS", f"9.{n}", text, phones=PHONES))
    say(baton, "alice", f"/lead claim {n}")
    say(baton, "alice", f"/lead qualify {n} budget=50k authority=CTO need=CRM wants a demo")
    return say(baton, "alice", f"/lead handoff {n}").reply


def test_notice_busy_time_and_a_hold_for_another_lead_are_subtracted(sqlite_url: str) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 14, 5, tzinfo=UTC))  # Mon 09:05 in New York
    with feed_server({PATH: Route(body=FEED)}) as server:
        baton = closer_with_feed(sqlite_url, clock, server.url(PATH))
        first = hand_off(baton, 1)
        # 11:05 at the earliest, 11:30 after snapping, busy until 12:15: 12:30
        assert "1) Mon 23 Nov 12:30, 2) Tue 24 Nov 09:00, 3) Wed 25 Nov 09:00" in first
        assert "America/New_York" in first or "New York" in first
        say(baton, "alice", "/lead slot L-1 1")
        second = hand_off(baton, 2)
        assert "1) Mon 23 Nov 13:00, 2) Tue 24 Nov 09:00, 3) Wed 25 Nov 09:00" in second
        assert "Pipeline review" not in first + second
    baton.engine.dispose()


def test_a_friday_afternoon_hand_off_proposes_monday_to_wednesday(sqlite_url: str) -> None:
    clock = FakeClock(datetime(2026, 11, 27, 20, 30, tzinfo=UTC))  # Fri 15:30 in New York
    with feed_server({PATH: Route(body=FEED)}) as server:
        baton = closer_with_feed(sqlite_url, clock, server.url(PATH))
        reply = hand_off(baton, 1)
        assert "1) Mon 30 Nov 09:00, 2) Tue 1 Dec 09:00, 3) Wed 2 Dec 09:00" in reply
    baton.engine.dispose()


def test_the_last_time_of_a_day_ends_with_the_working_hours(sqlite_url: str) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 19, 29, tzinfo=UTC))  # Mon 14:29 in New York
    with feed_server({PATH: Route(body=FEED)}) as server:
        baton = closer_with_feed(sqlite_url, clock, server.url(PATH))
        reply = hand_off(baton, 1)
        assert "1) Mon 23 Nov 16:30, 2) Tue 24 Nov 09:00, 3) Wed 25 Nov 09:00" in reply
    baton.engine.dispose()


def test_a_time_picked_with_lead_slot_counts_as_a_meeting_booked_at_hand_off(
    sqlite_url: str,
) -> None:
    clock = FakeClock(datetime(2026, 11, 23, 14, 5, tzinfo=UTC))
    with feed_server({PATH: Route(body=FEED)}) as server:
        baton = closer_with_feed(sqlite_url, clock, server.url(PATH))
        hand_off(baton, 1)
        hand_off(baton, 2)
        say(baton, "alice", "/lead slot L-2 2")
        clock.advance(hours=1)
        funnel = say(baton, "maya", "/funnel").reply
    baton.engine.dispose()
    assert "Meetings booked at hand-off: 1 of 2 hand-offs to closers (50%)" in funnel
    # handed off Mon 09:05, the meeting Tue 09:00 (New York)
    assert "hand-off → meeting start: median 23 h 55 min over 1 meeting" in funnel
