"""The dashboard's period choices, built with the digest's own period functions.

Every choice is a :class:`routing.metrics.Period` from :func:`routing.metrics.period_for`, and
the comparison period is :func:`routing.metrics.previous` of it, exactly as the digest computes
them, so a figure shown for "yesterday" or "last week" is the one the daily or weekly digest sent.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from routing import limits
from routing.errors import InvalidInput
from routing.metrics import Period, period_for

PeriodChoice = Literal[
    "today", "yesterday", "this_week", "last_week", "this_month", "last_30_days", "custom"
]
CHOICES: tuple[tuple[PeriodChoice, str], ...] = (
    ("today", "Today"),
    ("yesterday", "Yesterday"),
    ("this_week", "This week"),
    ("last_week", "Last week"),
    ("this_month", "This month"),
    ("last_30_days", "Last 30 days"),
    ("custom", "From … to …"),
)
DEFAULT: PeriodChoice = "this_week"
TREND_WEEKS = 12


def period_of(
    choice: PeriodChoice,
    now: datetime,
    tz: ZoneInfo,
    first: date | None = None,
    last: date | None = None,
) -> Period:
    """The period a choice names as of ``now``; ``custom`` is the whole local days first…last."""
    if choice == "today":
        return period_for("today", now, tz)
    if choice == "yesterday":
        return period_for("day", now, tz, previous_complete=True)
    if choice == "this_week":
        return period_for("week", now, tz)
    if choice == "last_week":
        return period_for("week", now, tz, previous_complete=True)
    if choice == "this_month":
        return period_for("month", now, tz)
    if choice == "last_30_days":
        return period_for("days", now, tz, 30)
    if first is None or last is None:
        raise InvalidInput("a custom period needs both a from and a to date")
    return days_between(first, last, tz)


def days_between(first: date, last: date, tz: ZoneInfo) -> Period:
    """The local days ``first`` to ``last`` inclusive: the digest's complete ``days`` period."""
    if last < first:
        raise InvalidInput(f"the period cannot end ({last}) before it starts ({first})")
    count = (last - first).days + 1
    if count > limits.MAX_FUNNEL_DAYS:
        raise InvalidInput(f"a period is at most {limits.MAX_FUNNEL_DAYS} days, not {count}")
    day_after = datetime.combine(last + timedelta(days=1), time(12), tzinfo=tz)
    return period_for("days", day_after, tz, count, previous_complete=True)


def trend_weeks(now: datetime, tz: ZoneInfo, weeks: int = TREND_WEEKS) -> list[Period]:
    """The last ``weeks`` ISO weeks, oldest first: whole weeks, then the current one so far."""
    local = now.astimezone(tz)
    whole = [
        period_for("week", local - timedelta(weeks=back), tz, previous_complete=True)
        for back in range(weeks - 2, -1, -1)
    ]
    return [*whole, period_for("week", now, tz)]
