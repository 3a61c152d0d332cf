"""The ``.ics`` of a held meeting read as strictly as calendars read it: hostile company and
person names (RFC 5545 TEXT escaping §3.3.11, control characters, folding of multi-byte UTF-8
at 75 octets §3.1, CRLF), the required properties (§3.6, §3.6.1) and every field round-tripping
through ``icalendar``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
import pytest

from routing.calendars.invitation import Person, invitation

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
START = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
CARL = Person("Carl Diaz", "carl@example.com")
SAM = Person("Sam Ortiz", "sam@umbrella.co")

HOSTILE = [
    'Acme, Inc; "Ltd" \\ x',
    "Line one\nline two\r\nthree\rfour",
    "株式会社テスト" * 12,
    "🎉🚀" * 30 + "x",
    "x" * 73 + "é" * 5,
    "Bell\x07 Esc\x1b VT\x0b FF\x0c FS\x1c NEL\x85 LS\u2028 PS\u2029 DEL\x7f end",
    "Tab\there",
]


def ics_of(summary: str, organizer: Person | None = CARL, attendee: Person | None = SAM) -> str:
    return invitation(
        "baton-L-7-1795449000@baton", START, summary, NOW, organizer=organizer, attendee=attendee
    )


def physical_lines(ics: str) -> list[str]:
    """The file's lines: CRLF after every one (§3.1), none holding a bare CR or LF."""
    assert ics.endswith("\r\n")
    lines = ics[:-2].split("\r\n")
    assert not [line for line in lines if "\r" in line or "\n" in line]
    return lines


@pytest.mark.parametrize("summary", HOSTILE)
def test_no_line_is_longer_than_75_octets_and_no_character_is_split(summary: str) -> None:
    for line in physical_lines(ics_of(summary)):
        assert len(line.encode("utf-8")) <= 75, line
        line.encode("utf-8").decode("utf-8", errors="strict")


@pytest.mark.parametrize("summary", HOSTILE)
def test_no_control_character_but_a_tab_reaches_a_text_value(summary: str) -> None:
    """TEXT holds TSAFE-CHAR, ``:``, ``"`` and escapes only: no CONTROL but HTAB (§3.3.11);
    U+2028/U+2029 and NEL split lines for readers built on ``str.splitlines``."""
    ics = ics_of(summary)
    assert ics.splitlines() == ics[:-2].split("\r\n")
    for line in physical_lines(ics):
        bad = [c for c in line if (c < " " and c != "\t") or "\x7f" <= c <= "\x9f"]
        assert not bad, (line, bad)


@pytest.mark.parametrize("summary", HOSTILE[:5])
def test_the_summary_reads_back_exactly(summary: str) -> None:
    (event,) = icalendar.Calendar.from_ical(ics_of(summary)).walk("VEVENT")
    expected = summary.replace("\r\n", "\n").replace("\r", "\n")
    assert str(event["SUMMARY"]) == expected


def test_separators_are_escaped_not_read_as_structure() -> None:
    """``,`` and ``;`` escaped in TEXT (§3.3.11): unescaped, a reader splits a list there."""
    ics = ics_of('Acme, Inc; "Ltd" \\ x')
    assert 'SUMMARY:Acme\\, Inc\\; "Ltd" \\\\ x' in ics
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["SUMMARY"]) == 'Acme, Inc; "Ltd" \\ x'


def test_control_characters_in_a_name_become_spaces() -> None:
    (event,) = icalendar.Calendar.from_ical(ics_of("Umbrella\x1b Corp\u2028x")).walk("VEVENT")
    assert str(event["SUMMARY"]) == "Umbrella  Corp x"


def test_the_required_properties_are_there_once_and_in_utc() -> None:
    """VCALENDAR: PRODID, VERSION (§3.6); VEVENT: UID, DTSTAMP, DTSTART (§3.6.1), in UTC with
    ``Z`` (§3.3.5 form #2), so no VTIMEZONE is needed; METHOD:PUBLISH with the ORGANIZER."""
    ics = ics_of("Umbrella Corp × Carl Diaz: first meeting")
    calendar = icalendar.Calendar.from_ical(ics)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//Baton//")
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert not calendar.walk("VTIMEZONE")
    (event,) = calendar.walk("VEVENT")
    assert str(event["UID"]) == "baton-L-7-1795449000@baton"
    assert event.decoded("DTSTAMP") == NOW
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(minutes=30)
    assert "DTSTART:20261123T153000Z\r\n" in ics
    assert str(event["ORGANIZER"]) == "mailto:carl@example.com"
    assert event["ORGANIZER"].params["CN"] == "Carl Diaz"
    assert str(event["ATTENDEE"]) == "mailto:sam@umbrella.co"
    for name in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "ORGANIZER", "ATTENDEE"):
        assert ics.count(f"\r\n{name}") == 1, name


@pytest.mark.parametrize(
    "name",
    ['Sam "The Man" Ortiz', "山田 太郎 🎌", "Sam\nOrtiz\x1b", "Ortiz, Sam; Jr.:" + "é" * 80],
)
def test_a_prospect_name_of_any_shape_stays_one_quoted_parameter(name: str) -> None:
    """A quoted param-value holds no DQUOTE nor CONTROL (§3.1, QSAFE-CHAR); ``,;:`` are safe
    inside the quotes."""
    ics = ics_of("x", attendee=Person(name, "sam@umbrella.co"))
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["ATTENDEE"]) == "mailto:sam@umbrella.co"
    cn = event["ATTENDEE"].params["CN"]
    assert '"' not in cn
    assert not [c for c in cn if c < " "]
    assert cn.split()[0] in name


def test_an_address_of_only_forbidden_characters_leaves_the_line_out() -> None:
    """``mailto:`` with nothing after it is no calendar address (§3.3.3): no ORGANIZER."""
    ics = ics_of("x", organizer=Person("Carl", '"<>;'), attendee=Person("Sam", "\x1b"))
    assert "ORGANIZER" not in ics
    assert "ATTENDEE" not in ics
    assert "mailto:\r\n" not in ics


def test_an_address_with_a_control_character_is_written_without_it() -> None:
    ics = ics_of("x", attendee=Person("Sam", "sam@umb\u2028rella.co\x85"))
    (event,) = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert str(event["ATTENDEE"]) == "mailto:sam@umbrella.co"
