"""Reading a spreadsheet of spend (``baton spend import spend.csv``): source, month, amount.

The file is read by the rules of ``baton import`` (:mod:`routing.csv_rows`): UTF-8 with or
without a byte-order mark, else Windows-1252; ``,``, ``;`` or tab sniffed from the header;
headers compared ignoring case and spacing. Columns are found by their header: ``source``
(or ``channel``, ``campaign``), ``month`` (``2026-11``, or a date in it such as ``2026-11-01``)
and ``amount`` (or ``spend``, ``cost``), written as in chat (``2,000``, ``2k``, ``€2.5k``).
A row that cannot be read comes back with its line number and why; nothing raises on odd content.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from routing import limits
from routing.amounts import parse_amount
from routing.csv_rows import csv_reader, numbered_rows
from routing.errors import InvalidInput
from routing.metrics.sources import written_source
from routing.text import storable

__all__ = ["SpendLine", "read_spend"]

_COLUMNS = {
    "source": ("source", "channel", "campaign", "lead source"),
    "month": ("month", "period", "date"),
    "amount": ("amount", "spend", "cost", "spent"),
}
_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})(?:-[0-9]{1,2})?")


@dataclass(frozen=True)
class SpendLine:
    """One data row: its line, and either the spend it holds or the problem with it."""

    line: int
    source: str | None = None
    month: str | None = None
    amount: Decimal | None = None
    problem: str | None = None


def read_spend(text: str) -> Iterator[SpendLine]:
    """Each data row of ``text``; :class:`InvalidInput` when the header lacks a column."""
    reader = csv_reader(text)
    try:
        header = [" ".join(storable(h).strip().lower().split()) for h in next(reader)]
    except (StopIteration, csv.Error):
        raise InvalidInput("The first line should name the columns: source,month,amount.") from None
    index = {}
    for column, names in _COLUMNS.items():
        found = next((i for i, h in enumerate(header) if h in names), None)
        if found is None:
            raise InvalidInput(
                f"No `{column}` column: the first line should name source, month and amount."
            )
        index[column] = found
    for line, cells in numbered_rows(reader):
        if isinstance(cells, str):
            yield SpendLine(line, problem=cells)
        else:
            yield _line(line, cells, index)


def _line(line: int, cells: list[str], index: dict[str, int]) -> SpendLine:
    def cell(column: str) -> str:
        at = index[column]
        return storable(cells[at]).strip() if at < len(cells) else ""

    source = written_source(cell("source"))
    if not source:
        return SpendLine(line, problem="no source")
    if len(source) > limits.SOURCE:
        return SpendLine(line, problem=f"the source is over {limits.SOURCE} characters")
    month = _month(cell("month"))
    if month is None:
        return SpendLine(line, problem=f"`{cell('month')[:20]}` is not a month like 2026-11")
    try:
        amount = parse_amount(cell("amount"))
    except InvalidInput as error:
        return SpendLine(line, problem=error.message)
    return SpendLine(line, source, month, amount)


def _month(text: str) -> str | None:
    match = _MONTH.fullmatch(text)
    if match is None or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        return None
    return f"{int(match[1]):04d}-{int(match[2]):02d}"
