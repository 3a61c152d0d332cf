"""README "Calendars and meetings", rule by rule, on a real Baton: feeds served from loopback,
read by the calendar job, a frozen clock, and only the public words (`/rotation show`, the
messages in the outbox) looked at."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.baton import Baton
from bot.calendars.fetch import FetchPolicy
from bot.calendars.refresh import refresh_calendars
from routing.arrival import posted
from routing.roles import Platform
from storage.tables import outbox
from tests.bot.calendars.feed_server import FeedServer, Route, feed_server
from tests.support.clock import FakeClock
from tests.support.phones import PHONES
from tests.support.world import make_baton, say

LOCAL = FetchPolicy(allow_private=True, timeout=5)
PATH = "/calendar/ical/bob%40example.com/private-9f8e7d6c5b4a/basic.ics"
SECRET = "private-9f8e7d6c5b4a"


def ics(*events: str, zone: str = "Europe/London") -> bytes:
    head = (
        "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\n"
        f"X-WR-CALNAME:bob@example.com\r\nX-WR-TIMEZONE:{zone}\r\n"
    )
    return (head + "".join(events) + "END:VCALENDAR\r\n").encode()


def ooo(uid: str, start: str, end: str, title: str = "Skiing in Val d'Isere") -> str:
    """Google's out-of-office entry: a timed, opaque event (dates ``YYYYMMDD``, whole days)."""
    return (
        f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n"
        f"DTSTART:{start}T000000Z\r\nDTEND:{end}T000000Z\r\n"
        f"SUMMARY:{title}\r\nTRANSP:OPAQUE\r\nEND:VEVENT\r\n"
    )


@dataclass
class Team:
    baton: Baton
    clock: FakeClock
    server: FeedServer

    def serve(self, body: bytes, **route: object) -> None:
        self.server.routes[PATH] = Route(body=body, **route)  # type: ignore[arg-type]

    def read(self) -> None:
        assert refresh_calendars(self.baton.relay, LOCAL, self.clock()) == 1

    def show(self) -> str:
        return say(self.baton, "maya", "/rotation show").reply

    def bob(self) -> str:
        (line,) = [line for line in self.show().splitlines() if "bob" in line]
        return line

    def messages(self, words: str) -> list[str]:
        with self.baton.engine.connect() as conn:
            notices = [json.dumps(row) for row in conn.execute(select(outbox.c.notice)).scalars()]
        return [n for n in notices if words in n]


@contextmanager
def team(db_url: str, now: datetime, body: bytes) -> Iterator[Team]:
    clock = FakeClock(now)
    baton = make_baton(db_url, clock, managers=[("console", "maya")])
    say(baton, "maya", "/rotation add @alice qualifier")
    say(baton, "maya", "/rotation add @bob qualifier")
    with baton.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE reps SET timezone = 'Europe/London' WHERE name = 'bob'")
    with feed_server({PATH: Route(body=body, headers={"ETag": '"v1"'})}) as server:
        world = Team(baton, clock, server)
        assert SECRET not in say(baton, "bob", f"/rotation calendar {server.url(PATH)}").reply
        world.read()
        yield world
    baton.engine.dispose()


FRI_0800 = datetime(2026, 12, 11, 8, 0, tzinfo=UTC)


def test_away_friday_and_monday_is_one_period_said_with_the_day_of_return(db_url: str) -> None:
    body = ics(ooo("a", "20261211", "20261212"), ooo("b", "20261214", "20261215"))
    with team(db_url, FRI_0800, body) as world:
        assert "bob> weight 1: away (calendar: out of office until Tue 15 Dec)" in world.show()
        assert "Skiing" not in world.show()
        assert len(world.messages("out of office until Tue 15 Dec")) == 1
        say(world.baton, "alice", "/rotation away 2026-12-18")
        text = "Name: Sam Ortiz\nEmail: sam@umbrella.co\nCompany: Umbrella Corp"
        world.baton.relay.ingest(posted(Platform.SLACK, "C0LEADS", "9.1", text, phones=PHONES))
        assert world.messages("bob: away (calendar: out of office until Tue 15 Dec)")


def test_a_partial_day_or_a_day_with_a_gap_is_not_away(db_url: str) -> None:
    morning = (
        "BEGIN:VEVENT\r\nUID:m\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261211T000000Z\r\n"
        "DTEND:20261211T130000Z\r\nSUMMARY:Dentist\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:n\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:20261211T133000Z\r\n"
        "DTEND:20261211T235900Z\r\nSUMMARY:Offsite\r\nEND:VEVENT\r\n"
    )
    with team(db_url, FRI_0800, ics(morning)) as world:
        assert "away" not in world.bob()


def test_a_reps_own_back_wins_for_the_rest_of_the_period_and_not_the_next(db_url: str) -> None:
    body = ics(ooo("a", "20261211", "20261212"), ooo("b", "20261214", "20261215"))
    body = body.replace(
        b"END:VCALENDAR", ooo("c", "20261221", "20261222").encode() + b"END:VCALENDAR"
    )
    with team(db_url, FRI_0800, body) as world:
        assert "away (calendar" in world.bob()
        say(world.baton, "bob", "/rotation back")
        for hours in (0.25, 72):  # read again Friday, then on Monday (same period)
            world.clock.advance(hours=hours)
            world.read()
            assert "away" not in world.bob(), hours
        world.clock.advance(days=7)  # Mon 21 Dec: the next period counts again
        world.read()
        assert "away (calendar: out of office until Tue 22 Dec)" in world.bob()


def test_back_during_a_long_vacation_that_began_weeks_ago_holds_the_next_day(db_url: str) -> None:
    # the vacation began 16 days before: before the 8 days of busy times Baton keeps
    body = ics(ooo("long", "20261123", "20261219"))
    with team(db_url, datetime(2026, 12, 9, 8, 0, tzinfo=UTC), body) as world:
        assert "away (calendar: out of office until Mon 21 Dec)" in world.bob()
        say(world.baton, "bob", "/rotation back")
        world.clock.advance(days=1)
        world.read()
        assert "away" not in world.bob()
        assert len(world.messages("calendar says you're out of office")) == 1


def test_a_manual_away_is_never_ended_by_the_calendar(db_url: str) -> None:
    with team(db_url, FRI_0800, ics()) as world:
        say(world.baton, "bob", "/rotation away 2026-12-18")
        world.serve(ics(ooo("a", "20261211", "20261212")))
        world.clock.advance(minutes=15)
        world.read()
        world.serve(ics())
        world.clock.advance(minutes=15)
        world.read()
        assert "away until Fri 18 Dec, calendar as of" in world.bob()


def test_not_modified_keeps_the_reading_and_moves_its_time(db_url: str) -> None:
    with team(db_url, FRI_0800, ics(ooo("a", "20261211", "20261212"))) as world:
        assert "calendar as of 08:00" in world.bob()
        world.clock.advance(minutes=15)
        world.read()
        assert world.server.seen[-1]["if-none-match"] == '"v1"'
        assert "calendar as of 08:15" in world.bob()
        assert "away (calendar: out of office until Mon 14 Dec)" in world.bob()


@pytest.mark.parametrize(
    "route",
    [
        Route(404, b"Not Found"),
        Route(500, b"oops"),
        Route(200, b"<!DOCTYPE html><html><body>Sign in - Google Accounts</body></html>",
              {"Content-Type": "text/html; charset=utf-8"}),
        Route(302, b"", {"Location": "https://accounts.google.com/ServiceLogin"}),
    ],
)  # fmt: skip
def test_a_failing_feed_flips_nobody_then_after_24_hours_counts_as_unknown_told_once(
    db_url: str, route: Route
) -> None:
    with team(db_url, FRI_0800, ics(ooo("a", "20261211", "20261212"))) as world:
        world.server.routes[PATH] = route
        for _ in range(3):
            world.clock.advance(hours=4)
            world.read()
            assert "away (calendar: out of office until Mon 14 Dec)" in world.bob()
        assert "calendar as of 08:00" in world.bob()  # Fri 20:00 now: still Friday's
        world.clock.advance(hours=5)  # Sat 01:00: yesterday's reading says its day
        assert "calendar as of Fri 08:00" in world.bob()
        world.clock.advance(hours=8)  # 25 h after the last good reading
        for _ in range(3):
            world.read()
            world.clock.advance(minutes=15)
        assert "away" not in world.bob()
        told = world.messages("for 24 hours")
        assert len(told) == 2  # the rep, and the one manager
        assert not any(SECRET in text for text in told)
        assert all("calendar.google.com" not in t or "….ics" in t for t in told)


def test_a_feed_sent_gzipped_though_identity_was_asked_is_read(db_url: str) -> None:
    body = ics(ooo("a", "20261211", "20261212"))
    with team(db_url, FRI_0800, ics()) as world:
        world.serve(gzip.compress(body), headers={"Content-Encoding": "gzip"})
        world.clock.advance(minutes=15)
        world.read()
        assert "away (calendar: out of office until Mon 14 Dec)" in world.bob()


def test_a_gzip_bomb_is_refused_at_10_mb_unpacked(db_url: str) -> None:
    bomb = gzip.compress(ics(ooo("a", "20261211", "20261212")) + b" " * (11 * 1024 * 1024))
    assert len(bomb) < 1024 * 1024
    with team(db_url, FRI_0800, ics(ooo("a", "20261211", "20261212"))) as world:
        world.serve(bomb, headers={"Content-Encoding": "gzip"})
        world.clock.advance(minutes=15)
        world.read()
        assert "away (calendar: out of office until Mon 14 Dec)" in world.bob()
        assert "calendar as of 08:00" in world.bob()


def test_setting_the_same_address_again_keeps_the_reading_and_flips_nobody(db_url: str) -> None:
    with team(db_url, FRI_0800, ics(ooo("a", "20261211", "20261212"))) as world:
        again = say(world.baton, "bob", f"/rotation calendar {world.server.url(PATH)}").reply
        assert SECRET not in again
        assert "away (calendar: out of office until Mon 14 Dec)" in world.bob()
        world.clock.advance(seconds=30)
        world.read()  # read again at once, as for a new address
        assert "away (calendar: out of office until Mon 14 Dec)" in world.bob()
        assert world.messages("no longer says you're away") == []


def test_calendar_off_brings_a_rep_away_by_it_back(db_url: str) -> None:
    with team(db_url, FRI_0800, ics(ooo("a", "20261211", "20261212"))) as world:
        assert "back in the rotation" in say(world.baton, "bob", "/rotation calendar off").reply
        assert "away" not in world.bob()
