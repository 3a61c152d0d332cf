"""The ``/funnel`` grammar: a period word, a number of days, or ``link`` (the dashboard)."""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from routing.commands.tokens import _Args, _within
from routing.commands.types import Command, Funnel, FunnelLink, Help
from routing.commands.usage import usage_for
from routing.limits import MAX_FUNNEL_DAYS

_PERIODS: dict[str, Literal["today", "week", "month"]] = {
    "": "today",
    "today": "today",
    "day": "today",
    "daily": "today",
    "week": "week",
    "weekly": "week",
    "month": "month",
    "monthly": "month",
}
_DAYS = re.compile(r"([0-9]+)\s*(?:d|days?)?")


def _parse_funnel(subcommand: str, rest: str, today: date) -> Command:
    args = _Args(rest, usage_for("funnel", ""), today)
    if subcommand == "help":
        return Help("funnel")
    if subcommand.lower() == "link":
        if args.words():
            args.fail("`/funnel link` takes nothing after it")
        return FunnelLink()
    spoken = " ".join([subcommand, *args.words()]).strip().lower()
    if spoken in _PERIODS:
        return Funnel(_PERIODS[spoken])
    match = _DAYS.fullmatch(spoken)
    if match is None:
        args.fail(f"`{spoken}` is not a period — use today, week, month or days like 7d")
    return Funnel("days", _within(args, "the number of days", match[1], 1, MAX_FUNNEL_DAYS))
