"""What a person reads when one run of the scheduler's sweep has several things to tell them:
one message listing the leads, never a message per lead.

An import of 195 rows misses its claim SLA together; told lead by lead, a manager got 209 DMs
in one minute. The sweep holds its notices and tells each person once: a single notice as it
was written, several as one message with a line per topic listing the leads' refs.
"""

from __future__ import annotations

from collections.abc import Sequence

REFS_SHOWN = 100
"""Refs listed under one topic; the rest are counted, so a message stays well inside a chat's
limits (100 refs are about 700 characters)."""

MISSED_AGAIN = "Missed the claim SLA two or more times, still unclaimed"
WAITING = "Waiting in the queue: nobody is available to take them"
MOVED_ON = "Moved on to the next rep: not claimed within {sla}"
NEW_FOR_YOU = "New for you, each to claim within {sla} (`/lead mine` lists them)"
REMINDED = "Still yours, waiting for your claim; the next {sla} start now (`/lead mine` lists them)"


def refs_line(refs: Sequence[str]) -> str:
    """``L-1, L-2, L-3``; past :data:`REFS_SHOWN`, ``… and 95 more``."""
    shown = ", ".join(refs[:REFS_SHOWN])
    more = len(refs) - REFS_SHOWN
    return f"{shown} … and {more} more" if more > 0 else shown


def batched_text(held: Sequence[tuple[str, str | None, str]]) -> str:
    """One message for several held notices, each ``(topic, lead ref, sentence)``: a heading,
    then a line per topic listing its leads by number (the same on every database, whatever
    order the sweep met them in); a notice about no lead is its sentence on a line of its own."""
    topics: dict[str, list[str]] = {}
    lines: list[str] = []
    for topic, ref, text in held:
        if ref is None:
            lines.append(f"• {text}")
        else:
            topics.setdefault(topic, []).append(ref)
    leads = sum(len(refs) for refs in topics.values())
    heading = f"From the claim SLA check ({leads} lead{'' if leads == 1 else 's'}):"
    body = [
        f"• {topic} ({len(refs)}): {refs_line(sorted(refs, key=_by_number))}"
        for topic, refs in topics.items()
    ]
    return "\n".join([heading, *body, *lines])


def _by_number(ref: str) -> tuple[int, str]:
    """``L-9`` before ``L-10``."""
    number = ref.rpartition("-")[2]
    return (int(number) if number.isdigit() else -1, ref)
