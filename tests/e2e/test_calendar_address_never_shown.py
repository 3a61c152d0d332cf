"""A calendar's address is a password: in Slack, every answer to `/rotation calendar` (set,
refused, not allowed, shown again) gives it masked (host and last 4 characters) or not at all,
and no log line holds it — whatever way the command goes wrong."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from tests.e2e.conftest import MANAGER, SlackWorld
from tests.e2e.teams_support import ALICE, teams_world
from tests.support.clock import FakeClock

TOKEN = "private-7c3e9a1f55d2b8e4"
FEED = f"https://calendar.google.com/calendar/ical/bob%40example.com/{TOKEN}/basic.ics"


@pytest.mark.parametrize(
    ("line", "who"),
    [
        (f"/rotation calendar <{FEED}>", "UBOB"),
        (f"/rotation calendar <@UBOB|bob> <{FEED}>", "UALICE"),  # not a manager
        (f"/rotation calendar ftp://calendar.google.com/{TOKEN}/basic.ics", "UBOB"),
        (f"/rotation calendar https://calendar.google.com/{TOKEN}/ basic.ics", "UBOB"),
        (f"/rotation calendar https://[calendar.google.com/{TOKEN}/basic.ics", "UBOB"),
        (f"/rotation calendar webcal://calendar.google.com/{TOKEN}/basic.ics", "UBOB"),
        (f"/rotation calendar https://user:{TOKEN}@calendar.example.com/basic.ics", "UBOB"),
        (f"/rotation calendar https://calendar.google.com/{TOKEN}/basic.ics" + "x" * 5000, "UBOB"),
    ],
)
def test_no_answer_and_no_log_line_holds_the_address(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, line: str, who: str
) -> None:
    assert slack.slack.command("/rotation add <@UBOB|bob> qualifier", MANAGER).status == 200
    with caplog.at_level(logging.DEBUG):
        answer = slack.slack.command(line, who)
        shown = slack.slack.command("/rotation show", MANAGER)
        slack.deliver()
    assert answer.status == 200
    text = answer.json().get("text", "") + shown.json().get("text", "")
    assert TOKEN not in text
    assert TOKEN[-12:] not in text
    assert TOKEN not in caplog.text
    assert all(TOKEN not in call.text for call in slack.double.posts())


def test_teams_reads_a_pasted_link_wrapped_in_html_and_answers_it_masked(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    # Teams sends a pasted link as an HTML anchor, with & escaped as &amp;
    url = f"https://outlook.office365.com/owa/calendar/abc@x.com/{TOKEN}/calendar.ics?a=1&b=2"
    wrapped = url.replace("&", "&amp;")
    with teams_world(tmp_path, clock) as world, caplog.at_level(logging.DEBUG):
        said = world.teams.say_personal(
            ALICE, f'<p>rotation calendar <a href="{wrapped}">{wrapped}</a></p>'
        )
        assert world.post(said).status == 200
        world.deliver()
        (reply,) = world.double.to(ALICE.chat)
        assert "outlook.office365.com/…&b=2" in reply.text
        assert "Calendar feed set" in reply.text
        assert TOKEN not in reply.text
        with world.baton.engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT url FROM rep_calendars").scalar_one()
    assert stored == url
    assert TOKEN not in caplog.text
