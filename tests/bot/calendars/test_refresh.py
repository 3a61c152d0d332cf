"""The calendar job on a real Baton and database (SQLite and PostgreSQL), feeds served from
loopback: `/rotation calendar` in the shared grammar, the feed read in the job's thread, the rep
away for their out-of-office day, a failing feed changing nothing, the address never logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.baton import Baton
from bot.bootstrap import build
from bot.calendars.fetch import FetchPolicy
from bot.calendars.refresh import refresh_calendars
from bot.config import Settings
from bot.entrypoints.calendar_emails import CalendarEmails
from bot.entrypoints.scheduler import run_calendars
from routing.commands import parse_command
from routing.roles import Platform
from routing.usecases.context import Actor, RelayConfig
from tests.bot.calendars.feed_server import Route, feed_server
from tests.e2e.slack_double import LoopbackApp, SlackDouble
from tests.support.clock import FakeClock
from tests.support.phones import PHONES
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


SLACK_MAYA = Actor(Platform.SLACK, "UMAYA", "Maya")
OUTLOOK_PATH = "/owa/calendar/abc/def/calendar.ics"


def slack_baton(db_url: str, clock: FakeClock, slack_api: str) -> Baton:
    """Baton with Slack configured and HubSpot sync off; Bob, a qualifier, added by Maya from
    a mention alone (no email known), and his Outlook feed served from loopback."""
    settings = Settings(  # type: ignore[call-arg]
        database_url=db_url,
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_api_url=slack_api,
        baton_calendar_allow_private=True,
    )
    config = RelayConfig(managers=frozenset({("slack", "UMAYA")}), phones=PHONES)
    baton = build(settings, clock=clock, config=config, platforms=False)
    today = clock().date()
    baton.relay.execute(SLACK_MAYA, parse_command("rotation", "add <@UBOB> qualifier", today))
    return baton


def set_feed(baton: Baton, url: str) -> None:
    today = baton.clock().date()
    command = parse_command("rotation", f"calendar <@UBOB> {url}", today)
    baton.relay.execute(SLACK_MAYA, command)


def bobs_busy_starts(baton: Baton) -> list[datetime]:
    with baton.relay.read_uow_factory() as uow:
        bob = uow.reps.find(Platform.SLACK, "UBOB")
        assert bob is not None
        calendar = uow.calendars.get(bob.id or 0)
        assert calendar is not None
        return [span.start for span in calendar.busy]


@pytest.fixture
def slack() -> Iterator[SlackDouble]:
    double = SlackDouble()
    double.add_user("UBOB", "Bob Burns")
    double.users["UBOB"]["profile"]["email"] = "Bob.Burns@firm.com"
    with LoopbackApp(double.web_app()) as served:
        double.url = served.url
        yield double


def test_with_hubspot_off_slack_is_asked_a_calendar_reps_email_and_their_declines_are_free(
    db_url: str, slack: SlackDouble
) -> None:
    clock = FakeClock(MON_0900_AMS)
    baton = slack_baton(db_url, clock, slack.api_url)
    body = (FEEDS / "outlook-declined-invitation.ics").read_bytes()
    with feed_server({OUTLOOK_PATH: Route(body=body)}) as server:
        set_feed(baton, server.url(OUTLOOK_PATH))
        emails = CalendarEmails(baton)
        assert run_calendars(baton, emails) == 1
        assert [call.params.get("user") for call in slack.to("users.info")] == ["UBOB"]
        assert bobs_busy_starts(baton) == [datetime(2026, 12, 9, 9, tzinfo=UTC)]  # accepted only
        clock.advance(minutes=15)
        run_calendars(baton, emails)
        assert len(slack.to("users.info")) == 1  # known now: never asked again
    with baton.relay.read_uow_factory() as uow:
        bob = uow.reps.find(Platform.SLACK, "UBOB")
        assert bob is not None
        assert uow.rep_emails.email_of(bob.id or 0) == "bob.burns@firm.com"
    baton.close()


def test_without_the_email_a_declined_invitation_stays_busy_until_a_manager_gives_it(
    db_url: str, slack: SlackDouble
) -> None:
    """Slack leaves the email out without ``users:read.email``: the feed reads as before and
    Bob is asked once per process; a manager's `/rotation owner` with his email makes the
    feed due again and read in full (no validators), his declined invitations free."""
    slack.scopes = [s for s in slack.scopes if s != "users:read.email"]
    clock = FakeClock(MON_0900_AMS)
    baton = slack_baton(db_url, clock, slack.api_url)
    body = (FEEDS / "outlook-declined-invitation.ics").read_bytes()
    with feed_server({OUTLOOK_PATH: Route(body=body, headers={"ETag": '"7"'})}) as server:
        set_feed(baton, server.url(OUTLOOK_PATH))
        emails = CalendarEmails(baton)
        run_calendars(baton, emails)
        assert bobs_busy_starts(baton) == [
            datetime(2026, 12, 8, 13, tzinfo=UTC),
            datetime(2026, 12, 9, 9, tzinfo=UTC),
            datetime(2026, 12, 10, tzinfo=UTC),  # the all-day offsite, on Bob's (UTC) clock
        ]
        clock.advance(minutes=1)
        today = clock().date()
        owner = parse_command("rotation", "owner <@UBOB> bob.burns@firm.com", today)
        baton.relay.execute(SLACK_MAYA, owner)
        assert run_calendars(baton, emails) == 1  # due again at once, not in 15 minutes
        assert bobs_busy_starts(baton) == [datetime(2026, 12, 9, 9, tzinfo=UTC)]
        assert len(slack.to("users.info")) == 1
    baton.close()
