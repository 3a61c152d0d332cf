"""`baton demo`'s transcript reads in time order: what a sweep sends is printed under that
sweep's minute, and a lead kept for want of anyone else says so without promising the queue."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from bot.entrypoints.demo import Transcript, run_demo

_HEADING = re.compile(r"^\[(\d\d:\d\d)\]( .*)?$")


@pytest.fixture(scope="module")
def blocks(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, list[str]]]:
    """The demo's transcript as (heading, lines under it) blocks."""
    folder = tmp_path_factory.mktemp("demo")
    lines: list[str] = []
    run_demo(7, f"sqlite:///{folder}/demo.db", lines.append, chart=folder / "chart.png")
    found: list[tuple[str, list[str]]] = [("", [])]
    for line in lines:
        if _HEADING.match(line):
            found.append((line, []))
        elif line:
            found[-1][1].append(line)
    return found


def _minute(heading: str) -> datetime:
    match = _HEADING.match(heading)
    assert match is not None, heading
    return datetime.strptime(match[1], "%H:%M")


def test_a_kept_lead_is_said_once_under_its_sweeps_minute_not_glued_to_the_queue(
    blocks: list[tuple[str, list[str]]],
) -> None:
    kept = [(h, line) for h, lines in blocks for line in lines if "stays with" in line]
    assert kept, "the seeded day keeps some lead with its rep"
    posted: dict[str, datetime] = {}
    for heading, lines in blocks:
        for line in lines:
            assigned = re.search(r"#leads thread: (L-\d+) → ", line)
            if heading.endswith("#leads: a new post") and assigned:
                posted[assigned[1]] = _minute(heading)
    for heading, line in kept:
        assert heading.endswith("] SLA sweep"), (heading, line)
        assert "waits in the queue" not in line
        ref = re.search(r"so (L-\d+) stays with", line)
        assert ref is not None, line
        assert (_minute(heading) - posted[ref[1]]).total_seconds() == 5 * 60


def test_every_reminder_is_printed_under_an_sla_sweep(
    blocks: list[tuple[str, list[str]]],
) -> None:
    reminders = [h for h, lines in blocks for line in lines if "Reminder: L-" in line]
    assert reminders
    assert all(h.endswith("] SLA sweep") for h in reminders)


def test_a_sweep_heading_is_printed_only_over_what_the_sweep_said(
    blocks: list[tuple[str, list[str]]],
) -> None:
    sweeps = [lines for h, lines in blocks if h.endswith("] SLA sweep")]
    assert sweeps
    assert all(lines for lines in sweeps)


def test_the_transcript_writes_a_waiting_heading_before_its_first_line_only() -> None:
    written: list[str] = []
    transcript = Transcript(written.append)
    transcript.heading = "[11:00] SLA sweep"
    transcript("one")
    transcript("two")
    transcript.heading = "[11:01] SLA sweep"
    transcript.heading = None
    transcript("three")
    assert written == ["", "[11:00] SLA sweep", "one", "two", "three"]
