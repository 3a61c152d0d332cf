"""Reading a spreadsheet of leads: which column is which, and what each row says.

Columns are recognised by their header the way a form's field labels are (``E-mail``,
``Company name``, ``First name`` …, see :mod:`routing.lead_post`); ``--map header=field`` names
the rest. Every other column is kept as one of the lead's fields, so routing rules can use it.

Everything here is pure: the file's bytes come in, rows come out. A row that cannot become a
lead (no email and no phone, or a broken CSV line) comes back with a ``problem`` and its line
number; nothing raises on odd content, so one bad row never stops an import.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from routing import limits
from routing.errors import InvalidInput
from routing.lead_post import ParsedLead, Unparsed, parse_lead_post
from routing.text import storable

__all__ = [
    "CsvRow",
    "decode_csv",
    "numbered_rows",
    "parse_maps",
    "read_rows",
    "sniff_delimiter",
]

_DELIMITERS = (",", ";", "\t")
_CORE_COLUMNS = 6
"""Email, name, first and last name, company, phone: read beside the lead's extra fields."""
_FIELD_NAME = re.compile(r"[^\w]+")


@dataclass(frozen=True)
class CsvRow:
    """One data row: its first line in the file, and the lead it holds or why it holds none."""

    line: int
    lead: ParsedLead | None
    problem: str | None = None
    duplicate_of: int | None = None
    """The line of an earlier row with the same email or company domain."""


def decode_csv(data: bytes) -> str:
    """The file's text: UTF-8 with or without a byte-order mark, else Windows-1252 (Excel)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """``,``, ``;`` or a tab: whichever splits the header line into the most columns."""
    header = next(iter(text.splitlines()), "")
    outside_quotes = re.sub(r'"[^"]*"', "", header)
    return max(_DELIMITERS, key=lambda d: (outside_quotes.count(d), d == ","))


def parse_maps(maps: Sequence[str]) -> dict[str, str]:
    """``--map "Work mail=email"`` options as {header (case-insensitive): field}."""
    found: dict[str, str] = {}
    for given in maps:
        header, eq, field = given.partition("=")
        if not eq or not header.strip() or not field.strip():
            raise InvalidInput(f'`--map {given}` should look like `--map "Work mail=email"`.')
        found[_header_key(header)] = _FIELD_NAME.sub("_", field.strip().lower()).strip("_")
    return found


def read_rows(text: str, maps: Mapping[str, str] | None = None) -> Iterator[CsvRow]:
    """Each data row of ``text`` as a lead or a problem, in file order, with earlier-row
    duplicates (same email or company domain) marked."""
    lines = text.splitlines(keepends=True)
    reader = csv.reader(lines, delimiter=sniff_delimiter(text))
    headers = _headers(reader)
    labels = [_label(storable(h), maps or {}) for h in headers[: limits.FIELDS + _CORE_COLUMNS]]
    seen: dict[str, int] = {}
    for line, cells in numbered_rows(reader):
        if isinstance(cells, str):
            yield CsvRow(line, None, cells)
        else:
            yield _with_duplicate(_row(line, labels, cells), seen)


class CsvReader(Protocol):
    """What ``csv.reader`` gives: rows, and the line it has read up to."""

    line_num: int

    def __next__(self) -> list[str]: ...


def numbered_rows(reader: CsvReader) -> Iterator[tuple[int, list[str] | str]]:
    """The data rows left in a ``csv.reader``, each with its first line, blank ones skipped; a
    row the CSV module cannot read comes as the problem, and reading goes on after it."""
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line, f"unreadable CSV ({error})"
        else:
            if any(cell.strip() for cell in cells):
                yield line, cells
        line = reader.line_num + 1


def _headers(reader: Iterator[list[str]]) -> list[str]:
    try:
        headers = next(reader)
    except StopIteration:
        raise InvalidInput("The file is empty: the first line should name the columns.") from None
    except csv.Error as error:
        raise InvalidInput(f"The header line is not readable CSV ({error}).") from None
    if not any(h.strip() for h in headers):
        raise InvalidInput("The first line should name the columns, like `email,name,company`.")
    return headers


def _header_key(header: str) -> str:
    return " ".join(header.strip().lower().split())


def _label(header: str, maps: Mapping[str, str]) -> str:
    """The label a header is read under: its mapped field, else the header itself."""
    return maps.get(_header_key(header), header.strip())


def _row(line: int, labels: Sequence[str], cells: Sequence[str]) -> CsvRow:
    pairs = [(label, _limited(cell)) for label, cell in zip(labels, cells, strict=False) if label]
    parsed = parse_lead_post("", pairs)
    if isinstance(parsed, Unparsed):
        return CsvRow(line, None, parsed.reason)
    return CsvRow(line, parsed)


def _limited(cell: str) -> str:
    """A cell any database takes, within what intake reads of one field (marked where cut)."""
    return limits.truncate(storable(cell), limits.NOTES)


def _with_duplicate(row: CsvRow, seen: dict[str, int]) -> CsvRow:
    if row.lead is None:
        return row
    keys = [k for k in (row.lead.email, row.lead.fields.get("domain")) if k]
    earlier = next((seen[k] for k in keys if k in seen), None)
    for key in keys:
        seen.setdefault(key, row.line)
    if earlier is None:
        return row
    return CsvRow(row.line, row.lead, duplicate_of=earlier)
