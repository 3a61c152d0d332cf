"""Parse-and-evaluate time of a 20,000-event calendar feed, and its peak memory.

    .venv/bin/python benchmarks/calendar_feed.py [--events 20000] [--repeat 3]

The feed is generated like an Outlook export of a long-used calendar: Windows zone names with a
VTIMEZONE, most events single and spread over four years (three quarters outside the window Baton
keeps), one in twenty weekly recurring with an EXDATE and a moved instance, all-day OOF days.
Timed: reading it (``bot.calendars.refresh.parse``: icalendar + recurring-ical-events over the
kept window, then the busy spans) and evaluating it (``routing.calendars.away_periods`` over the
kept window). Memory: the process's peak RSS (``ru_maxrss``) over what it held before the feed
was read, and tracemalloc's peak for one read (run apart, since tracing slows it). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# This file is named like the standard library's ``calendar``: its folder must not shadow it.
sys.path.remove(str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.calendars.refresh import parse
from routing.calendars import away_periods
from routing.calendars.feed import WINDOW_AFTER, WINDOW_BEFORE

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Amsterdam")
VTIMEZONE = """BEGIN:VTIMEZONE\r
TZID:W. Europe Standard Time\r
BEGIN:STANDARD\r
DTSTART:16010101T030000\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:16010101T020000\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3\r
END:DAYLIGHT\r
END:VTIMEZONE\r
"""


def feed(events: int) -> bytes:
    """``events`` VEVENTs, deterministic."""
    parts = [
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:Microsoft Exchange Server 2010\r\n",
        VTIMEZONE,
    ]
    first = date(2024, 1, 1)
    for i in range(events):
        day = first + timedelta(days=(i * 7) % (4 * 365))
        hour = 8 + i % 9
        start = f"{day:%Y%m%d}T{hour:02d}0000"
        end = f"{day:%Y%m%d}T{hour:02d}4500"
        body = [
            "BEGIN:VEVENT",
            f"UID:bench-{i}@example.com",
            "DTSTAMP:20261201T120000Z",
            f"SUMMARY:Meeting {i}",
            "TRANSP:OPAQUE",
            "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
        ]
        if i % 97 == 0:
            body += [
                f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
                f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            ]
            body[-3] = "X-MICROSOFT-CDO-BUSYSTATUS:OOF"
        else:
            body += [
                f"DTSTART;TZID=W. Europe Standard Time:{start}",
                f"DTEND;TZID=W. Europe Standard Time:{end}",
            ]
        if i % 20 == 1:
            body += ["RRULE:FREQ=WEEKLY;COUNT=30", f"EXDATE;TZID=W. Europe Standard Time:{start}"]
        body.append("END:VEVENT")
        parts.append("\r\n".join(body) + "\r\n")
    parts.append("END:VCALENDAR\r\n")
    return "".join(parts).encode()


def once(body: bytes) -> tuple[float, float, int, int]:
    started = time.perf_counter()
    spans = parse(body, ZONE, NOW)
    read = time.perf_counter() - started
    started = time.perf_counter()
    first = NOW.date() - timedelta(days=WINDOW_BEFORE.days - 1)
    periods = away_periods(spans, ZONE, None, first, (WINDOW_BEFORE + WINDOW_AFTER).days - 2)
    evaluated = time.perf_counter() - started
    return read, evaluated, len(spans), len(periods)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    body = feed(args.events)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    runs = [once(body) for _ in range(args.repeat)]
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    once(body)
    _current, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    best = min(runs)
    print(
        json.dumps(
            {
                "events": args.events,
                "feed_bytes": len(body),
                "busy_spans_kept": best[2],
                "away_periods": best[3],
                "parse_seconds_best": round(best[0], 3),
                "parse_seconds_all": [round(r[0], 3) for r in runs],
                "evaluate_ms_best": round(min(r[1] for r in runs) * 1000, 2),
                "peak_rss_mb_over_start": round((peak_rss - before) / 1024, 1),
                "peak_rss_mb": round(peak_rss / 1024, 1),
                "tracemalloc_peak_mb": round(traced_peak / 1024 / 1024, 1),
                "load_average": [round(x, 2) for x in __import__("os").getloadavg()],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
