"""Each event shape the README names, served from loopback and read by the calendar job on
Tuesday 8 Dec 2026 at 08:00 in London: is bob (London, 09:00–17:00) away for the day or not?"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.bot.calendars.test_calendar_rules_from_readme import team

TUE_0800 = datetime(2026, 12, 8, 8, 0, tzinfo=UTC)


def feed(*events: str, head: str = "") -> bytes:
    body = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Microsoft Corporation//Outlook 16.0//EN\r\n"
    return (body + head + "".join(events) + "END:VCALENDAR\r\n").encode()


def event(*lines: str, uid: str = "e1") -> str:
    inner = "".join(f"{line}\r\n" for line in lines)
    head = f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nSUMMARY:x\r\n"
    return f"{head}{inner}END:VEVENT\r\n"


ALL_DAY = ("DTSTART;VALUE=DATE:20261208", "DTEND;VALUE=DATE:20261209")
WEZ = "W. Europe Standard Time"  # Outlook's name for Amsterdam/Berlin (+01:00 in December)
WEEKLY_OOF = (
    f"DTSTART;TZID={WEZ}:20261117T000000",
    f"DTEND;TZID={WEZ}:20261118T000000",
    "RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=8",
    "X-MICROSOFT-CDO-BUSYSTATUS:OOF",
)

SHAPES = {
    "all-day OOF": (feed(event(*ALL_DAY, "X-MICROSOFT-CDO-BUSYSTATUS:OOF")), True),
    "all-day busy, no TRANSP (opaque by RFC 5545)": (feed(event(*ALL_DAY)), True),
    "all-day transparent": (feed(event(*ALL_DAY, "TRANSP:TRANSPARENT")), False),
    "all-day opaque but BUSYSTATUS FREE": (
        feed(event(*ALL_DAY, "TRANSP:OPAQUE", "X-MICROSOFT-CDO-BUSYSTATUS:FREE")),
        False,
    ),
    "all-day tentative": (
        feed(event(*ALL_DAY, "X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE")),
        False,
    ),
    "all-day STATUS:TENTATIVE": (feed(event(*ALL_DAY, "STATUS:TENTATIVE")), False),
    "all-day OOF cancelled": (
        feed(event(*ALL_DAY, "STATUS:CANCELLED", "X-MICROSOFT-CDO-BUSYSTATUS:OOF")),
        False,
    ),
    "weekly OOF in a Windows zone": (feed(event(*WEEKLY_OOF)), True),
    "weekly OOF, this week's EXDATE": (
        feed(event(*WEEKLY_OOF, f"EXDATE;TZID={WEZ}:20261208T000000")),
        False,
    ),
    "weekly OOF, this week's moved to Thursday": (
        feed(
            event(*WEEKLY_OOF),
            event(
                f"RECURRENCE-ID;TZID={WEZ}:20261208T000000",
                f"DTSTART;TZID={WEZ}:20261210T000000",
                f"DTEND;TZID={WEZ}:20261211T000000",
                "X-MICROSOFT-CDO-BUSYSTATUS:OOF",
            ),
        ),
        False,
    ),
    "timed busy exactly the working window": (
        feed(event("DTSTART:20261208T090000Z", "DTEND:20261208T170000Z")),
        True,
    ),
    "timed busy a minute short": (
        feed(event("DTSTART:20261208T090000Z", "DTEND:20261208T165900Z")),
        False,
    ),
    "two busy blocks that touch": (
        feed(
            event("DTSTART:20261208T083000Z", "DTEND:20261208T130000Z"),
            event("DTSTART:20261208T130000Z", "DTEND:20261208T180000Z", uid="e2"),
        ),
        True,
    ),
    "busy in a Windows zone one hour ahead (08:00–16:00 London)": (
        feed(event(f"DTSTART;TZID={WEZ}:20261208T090000", f"DTEND;TZID={WEZ}:20261208T170000")),
        False,
    ),
    "floating times read on the rep's clock": (
        feed(event("DTSTART:20261208T090000", "DTEND:20261208T170000")),
        True,
    ),
    "floating times read on X-WR-TIMEZONE (New York: 14:00–22:00 London)": (
        feed(
            event("DTSTART:20261208T090000", "DTEND:20261208T170000"),
            head="X-WR-TIMEZONE:America/New_York\r\n",
        ),
        False,
    ),
}


@pytest.mark.parametrize(("body", "away"), SHAPES.values(), ids=SHAPES.keys())
def test_each_event_shape_makes_the_day_away_or_not(db_url: str, body: bytes, away: bool) -> None:
    with team(db_url, TUE_0800, body) as world:
        line = world.bob()
        assert ("away (calendar: out of office until Wed 9 Dec)" in line) is away, line
        if not away:
            assert "away" not in line
