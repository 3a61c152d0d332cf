"""The ``.ics`` invitation a qualifier sends a prospect for a time Baton held (RFC 5545).

``METHOD:PUBLISH`` with one VEVENT in UTC: any calendar adds it as is; Baton has no mailbox to be
the organizer of a ``REQUEST``. Text values are escaped (``\\``, ``;``, ``,`` and new lines;
other control characters, which RFC 5545 §3.3.11 keeps out of TEXT, become spaces) and lines
folded at 75 octets (§3.1), so a company name cannot break the file.

The closer is the ``ORGANIZER`` when their address is known (a Google secret address carries the
calendar id, their email; else the email Baton knows for them from their chat or a manager), the
prospect an ``ATTENDEE`` when the lead has an email, so the
prospect's calendar shows who the meeting is with; an unknown address leaves the line out.
(RFC 5546 §3.2.1 lists no ``ATTENDEE`` in a ``PUBLISH``; Google's and Outlook's own published
calendars carry them all the same, and every calendar reads them.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from routing.calendars.slots import MEETING
from routing.rotation.hours import as_utc

ICS_TYPE = "text/calendar"
"""The invitation file's media type."""


@dataclass(frozen=True)
class Person:
    """Someone the invitation names: a display name, and an address when one is known."""

    name: str
    email: str | None = None


def invitation(
    uid: str,
    start: datetime,
    summary: str,
    now: datetime,
    *,
    organizer: Person | None = None,
    attendee: Person | None = None,
) -> str:
    stamp = "%Y%m%dT%H%M%SZ"
    people: list[str] = []
    if organizer is not None and _address(organizer):
        people.append(f"ORGANIZER{_person(organizer)}")
    if attendee is not None and _address(attendee):
        people.append(f"ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION{_person(attendee)}")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Baton//first meeting//EN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{_escaped(uid)}",
        f"DTSTAMP:{as_utc(now).strftime(stamp)}",
        f"DTSTART:{as_utc(start).strftime(stamp)}",
        f"DTEND:{as_utc(start + MEETING).strftime(stamp)}",
        f"SUMMARY:{_escaped(summary)}",
        *people,
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_folded(line) + "\r\n" for line in lines)


def _person(person: Person) -> str:
    """``;CN="Carl Diaz":mailto:carl@example.com``: a quoted parameter holds no ``"`` nor control
    characters (RFC 5545 §3.1), and the address none of the characters that end a value."""
    shown = "".join(c if _plain(c) else " " for c in person.name if c != '"')
    name = " ".join(shown.split())[:200]
    return f';CN="{name}":mailto:{_address(person)}'


def _address(person: Person) -> str:
    """The email as a ``mailto:`` can carry it: no space, no control character, none of what
    ends a value."""
    email = person.email or ""
    return "".join(c for c in email if c > " " and _plain(c) and c not in '"<>;:,\\')


def _plain(char: str) -> bool:
    """Not a control character (C0, DEL, C1) nor a line or paragraph separator, which some
    readers split lines on."""
    return not ("\x00" <= char < " " or "\x7f" <= char <= "\x9f" or char in "\u2028\u2029")


def _escaped(text: str) -> str:
    """A TEXT value (RFC 5545 §3.3.11): ``\\``, ``;``, ``,`` and new lines escaped, any other
    control character (a tab excepted) a space."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")
    return "".join(c if c == "\t" or _plain(c) else " " for c in text)


def _folded(line: str) -> str:
    """Lines of at most 75 octets, continued with a space (never splitting a character)."""
    parts: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not parts else 74
        if len((current + char).encode()) > limit:
            parts.append(current)
            current = char
        else:
            current += char
    parts.append(current)
    return "\r\n ".join(parts)
