"""Spreadsheet cells that a spreadsheet will not run: formula neutralising for CSV exports.

A cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
spreadsheets skip before reading a formula) is prefixed with ``'``, the way OWASP recommends, so
a lead named ``=HYPERLINK(…)`` shows as text. Numbers we write ourselves (ids, amounts) are not
passed through here, so a negative amount stays a number.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
MAX_CELL_CHARS = 32_000  # Excel's limit is 32,767 characters a cell


def neutralise(text: str) -> str:
    """``text`` safe to open in a spreadsheet: a leading formula character is quoted."""
    if len(text) > MAX_CELL_CHARS:
        text = text[:MAX_CELL_CHARS]
    return f"'{text}" if text[:1] in _FORMULA_FIRST else text


def cell(value: object) -> str:
    """Any exported value as a cell: empty for none, ISO for times, neutralised for text."""
    if value is None:
        return ""
    if type(value) is str:
        return neutralise(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return neutralise(str(value))
