"""The ``/funnel`` grammar: a period word, a number of days, ``link`` (the dashboard), and the
manager's costs: ``spend`` per source and month, ``cost`` of a role per month."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Literal

from routing import limits
from routing.amounts import parse_amount
from routing.commands.tokens import _Args, _within
from routing.commands.types import Command, Funnel, FunnelCost, FunnelLink, FunnelSpend, Help
from routing.commands.usage import usage_for
from routing.commands.words import normalise_role
from routing.errors import InvalidInput
from routing.limits import MAX_FUNNEL_DAYS
from routing.roles import Role

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
    if subcommand.lower() == "spend":
        return _funnel_spend(_Args(rest, usage_for("funnel", "spend"), today))
    if subcommand.lower() == "cost":
        return _funnel_cost(_Args(rest, usage_for("funnel", "cost"), today))
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


_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_PER_MONTH = re.compile(r"\s*(?:/\s*(?:month|mo|m)|per\s+month|a\s+month|monthly)\s*$", re.I)
_COSTED_ROLES = tuple(r.value for r in Role if r is not Role.MANAGER)


def _month(args: _Args, words: list[str]) -> str | None:
    """Take a trailing ``YYYY-MM`` from ``words``, checked; None when there is none."""
    if not words:
        return None
    match = _MONTH.fullmatch(words[-1])
    if match is None:
        return None
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        args.fail(f"`{words[-1]}` is not a month — write it like 2026-11")
    words.pop()
    return f"{year:04d}-{month:02d}"


def _amount(args: _Args, text: str) -> Decimal:
    try:
        return parse_amount(text)
    except InvalidInput as error:
        args.fail(error.message)


def _funnel_spend(args: _Args) -> FunnelSpend:
    """``spend`` alone lists; else the source (any words), the amount, and maybe the month."""
    words = args.words()
    if not words:
        return FunnelSpend()
    month = _month(args, words)
    if len(words) < 2:
        args.fail("give the source and the amount, like `/funnel spend webinar 2k`")
    amount = _amount(args, words.pop())
    source = " ".join(" ".join(words).split())
    args.within("the source", source, limits.SOURCE)
    return FunnelSpend(source, amount, month)


def _funnel_cost(args: _Args) -> FunnelCost:
    """``cost`` alone lists; else a role, its monthly amount, and maybe the month it starts."""
    words = args.words()
    if not words:
        return FunnelCost()
    month = _month(args, words)
    if len(words) < 2:
        args.fail("give the role and its cost a month, like `/funnel cost prospector 6k/month`")
    taken = 2 if len(words) > 2 and f"{words[0]} {words[1]}".lower() == "account manager" else 1
    role = normalise_role(" ".join(words[:taken]), args.usage)
    if role not in _COSTED_ROLES:
        args.fail(f"a cost is for a working role: {', '.join(_COSTED_ROLES)}")
    amount = _amount(args, _PER_MONTH.sub("", " ".join(words[taken:])))
    return FunnelCost(role, amount, month)
