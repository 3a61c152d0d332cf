"""Money amounts as reps type them in chat: ``12000``, ``12,000``, ``$12k``, ``€12.5k``, ``1.2m``.

Currency symbols and codes are accepted and dropped: a deal is recorded in the team's currency,
so the symbol only tells us the rep meant money. Thousands may be grouped with commas, spaces or
apostrophes, but only in groups of three, so ``1,5`` is read as one and a half (a decimal comma
takes one or two digits) and ``12 5`` is refused rather than guessed to be 125.

Amounts are bounded (:data:`routing.limits.MAX_AMOUNT`, in cents at most): a typo of thirty
digits gets a clear answer, never a number the database or the digest cannot hold.
"""

from __future__ import annotations

import re
from decimal import Decimal

from routing.errors import InvalidInput
from routing.limits import AMOUNT_DECIMALS, MAX_AMOUNT

__all__ = ["parse_amount"]

_RULE = "amount must be a positive number such as 12000 or 12.5k"
_MAX_DIGITS = len(str(int(MAX_AMOUNT)))
_LARGEST = f"{MAX_AMOUNT:,.0f}"

_CURRENCY = r"(?:[$€£¥₹]|usd|eur|gbp|chf|cad|aud|jpy|inr|sek|nok|dkk|pln)"
_GROUPED = r"[0-9]{1,3}(?:(?P<sep>[,\s'’])[0-9]{3})(?:(?P=sep)[0-9]{3})*"
_AMOUNT = re.compile(
    rf"""
    (?P<sign>[-−])?\s*
    (?:{_CURRENCY}\s*)?
    (?P<int>{_GROUPED}|[0-9]+)
    (?:\.(?P<frac>[0-9]+)|,(?P<cfrac>[0-9]{{1,2}}))?
    \s*(?P<suffix>k|m|mm|bn|b)?
    (?:\s*{_CURRENCY})?
    """,
    re.IGNORECASE | re.VERBOSE,
)
_MULTIPLIERS = {
    "": Decimal(1),
    "k": Decimal(1_000),
    "m": Decimal(1_000_000),
    "mm": Decimal(1_000_000),
    "b": Decimal(1_000_000_000),
    "bn": Decimal(1_000_000_000),
}


def parse_amount(text: str) -> Decimal:
    """The positive amount ``text`` denotes; :class:`InvalidInput` when it is not one."""
    written = " ".join(text.split())
    if not written:
        raise InvalidInput(f"an amount is required: {_RULE}")
    if len(written) > 64:
        raise InvalidInput(f"`{written[:20]}…` is not an amount: {_RULE}")
    match = _AMOUNT.fullmatch(written)
    if match is None or _mixes_commas(match):
        raise InvalidInput(f"`{written}` is not an amount: {_RULE}")
    if _dot_may_group_thousands(match):
        raise InvalidInput(f"`{written}` is ambiguous (a dot before three digits): {_RULE}")
    amount = _number(match) * _MULTIPLIERS[(match["suffix"] or "").lower()]
    if match["sign"] or amount <= 0:
        raise InvalidInput(f"`{written}` is not a positive amount: {_RULE}")
    if amount > MAX_AMOUNT:
        raise InvalidInput(f"`{written}` is more than Baton records: at most {_LARGEST}")
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > AMOUNT_DECIMALS:
        raise InvalidInput(f"`{written}` has more than {AMOUNT_DECIMALS} decimals: {_RULE}")
    return _plain(amount) if match["suffix"] else amount


def _mixes_commas(match: re.Match[str]) -> bool:
    """``12,000.5`` is fine; ``12,000,50`` mixes a grouping comma with a decimal comma."""
    return match["sep"] == "," and match["cfrac"] is not None


def _dot_may_group_thousands(match: re.Match[str]) -> bool:
    """``12.000`` is twelve thousand to half of Europe; refuse it rather than record twelve.

    With a suffix there is no doubt: ``1.200k`` is 1200.
    """
    fraction = match["frac"]
    return fraction is not None and len(fraction) == 3 and not match["suffix"]


def _number(match: re.Match[str]) -> Decimal:
    """The number as written, exactly: it has too few digits for a Decimal ever to round it."""
    digits = re.sub(r"[^0-9]", "", match["int"]).lstrip("0") or "0"
    fraction = match["frac"] or match["cfrac"]
    if len(digits) > _MAX_DIGITS:
        raise InvalidInput(f"`{match[0].strip()}` is more than Baton records: at most {_LARGEST}")
    if len((fraction or "").rstrip("0")) > AMOUNT_DECIMALS + 9:  # not in cents even as billions
        raise InvalidInput(
            f"`{match[0].strip()}` has more than {AMOUNT_DECIMALS} decimals: {_RULE}"
        )
    return Decimal(f"{digits}.{fraction}" if fraction else digits)


def _plain(amount: Decimal) -> Decimal:
    """``12.5k`` is 12500, not ``12500.0``, and never ``1.25E+4`` as ``normalize`` alone gives."""
    if amount == amount.to_integral_value():
        return amount.quantize(Decimal(1))
    return amount.normalize()
