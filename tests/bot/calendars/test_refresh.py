"""The calendar job on a real Baton and database (SQLite and PostgreSQL), feeds served from
loopback: `/rotation calendar` in the shared grammar, the feed read in the job's thread, the rep
away for their out-of-office day, a failing feed changing nothing, the address never logged."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.calendars.fetch import FetchPolicy
from bot.calendars.refresh import refresh_calendars
from tests.bot.calendars.feed_server import Route, feed_server
from tests.support.clock import FakeClock
from tests.support.world import make_baton, say

FEEDS = Path(__file__).parents[2] / "fixtures" / "calendars"
MON_0900_AMS = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
LOCAL = FetchPolicy(allow_private=True, timeout=5)


def test_an_outlook_feed_sends_the_rep_away_and_a_failing_one_changes_nothing(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    clock = FakeClock(MON_0900_AMS)
    baton = make_baton(db_url, clock, managers=[("console", "maya")])
    say(baton, "maya", "/rotation add @alice qualifier")
    say(baton, "maya", "/rotation add @bob qualifier")
    body = (FEEDS / "outlook-windows-zones-oof.ics").read_bytes()
    routes = {"/owa/private-token/calendar.ics": Route(body=body, headers={"ETag": '"1"'})}
    with feed_server(routes) as server, caplog.at_level(logging.DEBUG):
        url = server.url("/owa/private-token/calendar.ics")
        reply = say(baton, "maya", f"/rotation calendar @bob {url}").reply
        assert "127.0.0.1/….ics" in reply
        assert "private-token" not in reply
        with baton.engine.begin() as conn:  # the rep's zone, as their chat would report it
            conn.exec_driver_sql("UPDATE reps SET timezone = 'Europe/Amsterdam' WHERE name = 'bob'")
        assert refresh_calendars(baton.relay, LOCAL, clock()) == 1
        shown = say(baton, "maya", "/rotation show").reply
        assert "away (calendar: out of office until Tue 8 Dec)" in shown
        assert "calendar as of 09:00" in shown
        routes["/owa/private-token/calendar.ics"] = Route(500, b"down")
        clock.advance(minutes=15)
        assert refresh_calendars(baton.relay, LOCAL, clock()) == 1
        assert (
            "away (calendar: out of office until Tue 8 Dec)"
            in say(baton, "maya", "/rotation show").reply
        )
    assert "private-token" not in caplog.text
    assert "HTTP 500" in caplog.text
