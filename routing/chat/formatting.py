"""How Baton writes a figure, wherever it is shown: digests, `/lead show`, charts, the dashboard.

Amounts have thousands separators, and the team's currency when it has one (``BATON_CURRENCY``,
an ISO 4217 code, passed as ``currency``): ``£24,000``, ``CHF 24,000``; none by default (a team
records deals in its own currency). A change against the previous period is written bare
(``+1, +50%``); whoever shows it beside its figure puts it in brackets.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal

from routing.metrics import CENT, Delta, DeltaKind, Figure, ReasonCount, Tenure

__all__ = [
    "NOTHING",
    "currency_code",
    "currency_prefix",
    "format_change",
    "format_count",
    "format_fair_share",
    "format_figure",
    "format_minutes",
    "format_money",
    "format_reasons",
    "format_share",
    "format_tenure",
    "format_wait",
    "money_heading",
    "plural",
]

NOTHING = "–"
"""A figure that has no value (an average of nothing, a rate from zero)."""


def format_count(count: int) -> str:
    """``1,234``."""
    return f"{count:,}"


SYMBOLS = {
    "GBP": "£",
    "EUR": "€",
    "USD": "$",
    "JPY": "¥",
    "CNY": "CN¥",
    "INR": "₹",
    "KRW": "₩",
    "ILS": "₪",
    "NGN": "₦",
    "PHP": "₱",
    "TRY": "₺",
    "UAH": "₴",
    "VND": "₫",
    "CAD": "CA$",
    "AUD": "A$",
    "NZD": "NZ$",
    "HKD": "HK$",
    "SGD": "S$",
    "MXN": "MX$",
    "BRL": "R$",
}
"""Symbols for the currencies whose symbol says which currency it is; any other ISO code is
written before the amount (``CHF 24,000``). Dollars other than the US dollar say whose."""


def currency_code(text: str | None) -> str:
    """``BATON_CURRENCY`` as an ISO 4217 code (``gbp`` → ``GBP``), or ``""`` for none.

    :class:`ValueError` when it is not three letters: a typo must not print amounts in a
    currency nobody meant.
    """
    code = (text or "").strip().upper()
    if code and not (len(code) == 3 and code.isascii() and code.isalpha()):
        raise ValueError(f"a currency is a three-letter ISO 4217 code such as GBP, not {text!r}")
    return code


def currency_prefix(currency: str) -> str:
    """What goes before an amount: ``£``, ``CHF `` (a code without a symbol), or nothing."""
    if not currency:
        return ""
    if currency in SYMBOLS:
        return SYMBOLS[currency]
    return f"{currency} " if len(currency) == 3 and currency.isalpha() else currency


def format_money(amount: Decimal, currency: str = "") -> str:
    """``42,000`` or ``1,234.50``: cents only when there are some; ``£42,000`` in GBP."""
    cents = amount.quantize(CENT)
    text = f"{cents:,.0f}" if cents == cents.to_integral_value() else f"{cents:,.2f}"
    prefix = currency_prefix(currency)
    return f"-{prefix}{text[1:]}" if text.startswith("-") else f"{prefix}{text}"


def money_heading(heading: str, currency: str = "") -> str:
    """A column of amounts named with its currency: ``Won value (GBP)``, ``won_amount (GBP)``."""
    return f"{heading} ({currency})" if currency else heading


def format_minutes(minutes: float) -> str:
    """``7.5 min``, ``1 h 20 min``, ``2 d 3 h``."""
    if minutes < 60:
        return f"{minutes:.1f}".removesuffix(".0") + " min"
    return format_wait(timedelta(minutes=minutes))


def format_wait(span: timedelta) -> str:
    """A wait in its two largest units: ``10 d 22 h``, ``3 h 05 min``, ``12 min``."""
    minutes = round(span.total_seconds() / 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {mins:02d} min"
    return f"{mins} min"


def format_tenure(tenure: Tenure) -> str:
    """A tenure as a figure: ``4.2 months``; ``under a month`` until some customer has been one
    for a month (the digest leaves it out until then); ``–`` with no customers."""
    if tenure.median_months is None:
        return NOTHING
    if not tenure.measurable:
        return "under a month"
    return f"{tenure.median_months:.1f} months"


def format_share(share: float | None) -> str:
    """``33%``, or ``–`` for a share of nothing."""
    return f"{share:.0%}" if share is not None else NOTHING


def format_fair_share(share: float) -> str:
    """``4.5``: a fair share is a fraction of leads; one decimal is all it means."""
    return f"{share:.1f}"


def format_figure(value: Figure, kind: DeltaKind, currency: str = "") -> str:
    """A headline figure as its kind is written; ``–`` when it has no value."""
    if value is None:
        return NOTHING
    if kind == "money":
        return format_money(Decimal(value), currency)
    if kind == "minutes":
        return format_minutes(float(value))
    if kind == "share":
        return format_share(float(value))
    return format_count(int(value))


def format_change(delta: Delta | None, currency: str = "") -> str:
    """``+1, +50%``, ``±0``, ``-17 pts`` (a share), or ``""`` when there is nothing to compare."""
    if delta is None or delta.change is None:
        return ""
    change = delta.change
    if delta.kind == "money":
        amount = _signed(change, format_money(abs(Decimal(change)), currency))
    elif delta.kind == "minutes":
        amount = _signed(change, format_minutes(abs(float(change))))
    elif delta.kind == "share":
        amount = _signed(change, f"{abs(float(change)) * 100:.0f} pts")
    else:
        amount = _signed(change, f"{abs(change):,}")
    if delta.percent is None or change == 0 or delta.kind == "share":
        return amount
    return f"{amount}, {delta.percent:+.0f}%"


def _signed(value: int | float | Decimal, magnitude: str) -> str:
    if value == 0:
        return "±0"
    return f"+{magnitude}" if value > 0 else f"-{magnitude}"


def format_reasons(reasons: Sequence[ReasonCount]) -> str:
    """``Student (3), No budget (1)``, or ``none``."""
    return ", ".join(f"{r.reason} ({r.count})" for r in reasons) or "none"


def plural(count: int, noun: str) -> str:
    """``1 customer``, ``3 customers``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def format_sla(minutes: int, *, working: bool = False) -> str:
    """A claim SLA as people say it: ``5 min``, ``8 h``, ``1 h 30 min``, ``2 d``; ``working``
    says it counts the assignee's working time (``5 working min``, ``8 working h``)."""
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (mins, "min")) if n]
    if working:
        parts[0] = parts[0].replace(" ", " working ", 1)
    return " ".join(parts)
