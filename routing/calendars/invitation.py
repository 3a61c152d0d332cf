"""The ``.ics`` invitation a qualifier sends a prospect for a time Baton held (RFC 5545).

``METHOD:PUBLISH`` with one VEVENT in UTC: any calendar adds it as is; Baton has no mailbox to be
the organizer of a ``REQUEST``. Text values are escaped (``\\``, ``;``, ``,`` and new lines) and
lines folded at 75 octets, so a company name cannot break the file.
"""

from __future__ import annotations

from datetime import datetime

from routing.calendars.slots import MEETING
from routing.rotation.hours import as_utc


def invitation(uid: str, start: datetime, summary: str, now: datetime) -> str:
    stamp = "%Y%m%dT%H%M%SZ"
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
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_folded(line) + "\r\n" for line in lines)


def _escaped(text: str) -> str:
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


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
