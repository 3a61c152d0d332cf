"""`/rotation calendar` and `/rotation booking` in Slack and Teams, over HTTP: the same grammar,
Slack's link wrapping undone, the feed's address answered masked and never logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import SlackWorld
from tests.e2e.teams_support import ALICE, TeamsWorld, teams_world
from tests.support.clock import FakeClock

SECRET = "private-0a1b2c3d4e5f"
FEED = f"https://calendar.google.com/calendar/ical/bob%40example.com/{SECRET}/basic.ics"


@pytest.fixture
def teams(tmp_path: Path, clock: FakeClock) -> Iterator[TeamsWorld]:
    with teams_world(tmp_path, clock) as world:
        yield world


def test_slack_sets_a_calendar_feed_answered_masked_and_never_logged(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        answer = slack.slack.command(f"/rotation calendar <{FEED}>", "UBOB")
    text = answer.json()["text"]
    assert "calendar.google.com/….ics" in text
    assert SECRET not in text
    assert SECRET not in caplog.text
    assert slack.rows("rep_calendars") == 1


def test_slack_refuses_a_feed_that_is_not_a_web_address(slack: SlackWorld) -> None:
    answer = slack.slack.command("/rotation calendar ftp://example.com/cal.ics", "UBOB")
    assert "must start with https://" in answer.json()["text"]
    assert slack.rows("rep_calendars") == 0


def test_teams_sets_a_calendar_feed_with_the_same_words(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        said = teams.teams.say_personal(ALICE, f"rotation calendar {FEED}")
        assert teams.post(said).status == 200
        teams.deliver()
    (reply,) = teams.double.to(ALICE.chat)
    assert "calendar.google.com/….ics" in reply.text
    assert SECRET not in reply.text
    assert SECRET not in caplog.text
