"""`baton doctor`'s calendar line: no feed, feeds reading, and feeds gone unknown for 24 h."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from typer.testing import CliRunner

from bot.bootstrap import build
from bot.config import Settings
from bot.entrypoints.cli import app
from storage import tables as t
from tests.support.world import say

FEED = "https://calendar.example.com/alice/basic.ics"


def _calendar_line(url: str) -> str:
    result = CliRunner().invoke(app, ["doctor"], env={"DATABASE_URL": url})
    (line,) = [x for x in result.stdout.splitlines() if "Calendars" in x]
    return line


def test_the_calendar_line_says_no_feed_then_counts_feeds_then_flags_one_unread_for_a_day(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path}/baton.db"
    settings = Settings(  # type: ignore[call-arg]
        database_url=url, _env_file=None, baton_managers="console:maya"
    )
    baton = build(settings)
    say(baton, "maya", "/rotation add @alice qualifier")
    baton.close()
    assert _calendar_line(url).startswith("✓ Calendars: no rep has a calendar feed")

    baton = build(settings)
    say(baton, "maya", f"/rotation calendar @alice {FEED}")
    baton.close()
    assert _calendar_line(url) == "✓ Calendars: 1 feed"

    baton = build(settings)
    with baton.engine.begin() as conn:
        conn.execute(
            update(t.rep_calendars).values(failing_since=datetime.now(UTC) - timedelta(hours=30))
        )
    baton.close()
    line = _calendar_line(url)
    assert line.startswith("✗ Calendars: 1 of 1 feeds unread for 24 h")
    assert FEED not in line
    assert "calendar.example.com" not in line
