"""How days, dates and clock times read in chat: English names whatever the process locale is."""

from __future__ import annotations

from datetime import datetime, time

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def clock_text(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


def day_and_date(moment: datetime, with_year: bool) -> str:
    """``Mon 24 Nov`` (``Mon 24 Nov 2027`` with the year)."""
    text = f"{DAYS[moment.weekday()]} {moment.day} {MONTHS[moment.month - 1]}"
    return f"{text} {moment.year}" if with_year else text


def _day_runs(days: frozenset[int]) -> list[list[int]]:
    """Consecutive runs of weekdays, a run through Sunday continuing into Monday (Sat–Mon)."""
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    if len(runs) > 1 and runs[0][0] == 0 and runs[-1][-1] == 6:
        runs[-1].extend(runs.pop(0))
    return runs


def describe_days(days: frozenset[int]) -> str:
    """``Mon–Fri``, ``Mon, Wed, Fri``, ``Sat–Mon``, ``every day`` or ``no days``."""
    if len(days) == 7:
        return "every day"
    if not days:
        return "no days"
    parts = []
    for run in _day_runs(days):
        if len(run) >= 3:
            parts.append(f"{DAYS[run[0]]}–{DAYS[run[-1]]}")
        else:
            parts.extend(DAYS[day] for day in run)
    return ", ".join(parts)
