"""The console shows a hand-off's free times as its buttons (each with the command that picks
it) and writes the ``.ics`` it would upload to a file, printing the path."""

from __future__ import annotations

from pathlib import Path

import icalendar

from bot.console.session import ConsoleNotifier, ConsoleSession
from routing.calendars import FetchResult
from routing.roles import Platform
from tests.support.world import make_baton

LEAD = "/post Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"


def test_the_console_prints_the_times_and_writes_the_invitation_file(
    sqlite_url: str, clock: object, tmp_path: Path
) -> None:
    said: list[str] = []
    files = tmp_path / "files"
    notifiers = {Platform.CONSOLE.value: ConsoleNotifier(said.append, files)}
    baton = make_baton(sqlite_url, clock, {("console", "maya")}, notifiers)
    session = ConsoleSession(baton.relay, baton.sender().drain, said.append, "maya")
    for line in ("/rotation add @alice qualifier", "/rotation add @carl closer"):
        session.handle(line)
    session.handle("/as carl")
    session.handle("/rotation calendar https://calendar.example.com/carl/private-x/basic.ics")
    for feed in baton.relay.calendars_due():
        baton.relay.record_calendar(feed.rep_id, feed.url, FetchResult(busy=()))
    session.handle("/as alice")
    for line in (LEAD, "/lead claim L-1", "/lead qualify L-1 budget=40k", "/lead handoff L-1"):
        session.handle(line)
    handed = next(line for line in said if "is now with @carl" in line)
    assert "Pick a time with the prospect (UTC):" in handed
    assert "[Mon 23 Nov 11:00: /lead slot L-1 1]" in handed

    session.handle("/lead slot L-1 1")
    path = files / "meeting-L-1.ics"
    assert any(line.endswith(f"[file: {path}]") and "DM @alice" in line for line in said)
    (event,) = icalendar.Calendar.from_ical(path.read_text()).walk("VEVENT")
    assert str(event["ATTENDEE"]) == "mailto:sam@umbrella.co"


def test_a_file_name_never_leaves_the_directory(tmp_path: Path) -> None:
    notifier = ConsoleNotifier(print, tmp_path / "files")
    written = notifier._write_file("../../etc/passwd", "x")
    assert written.parent == tmp_path / "files"
    assert written.read_text() == "x"
