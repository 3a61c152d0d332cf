"""Reading a spreadsheet of leads: which column is which, and what each row says.

Columns are recognised by their header the way a form's field labels are (``E-mail``,
``Company name``, ``First name`` …, see :mod:`routing.lead_post`); ``--map header=field`` names
the rest. Every other column is kept as one of the lead's fields, so routing rules can use it.

Everything here is pure: the file's bytes come in, rows come out. A row that cannot become a
lead (no email and no phone, or a broken CSV line) comes back with a ``problem`` and its line
number; nothing raises on odd content, so one bad row never stops an import.
"""

from __future__ import annotations

import _csv
import codecs
import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from routing import limits
from routing.arrival import fitted_pairs
from routing.errors import InvalidInput
from routing.lead_post import ParsedLead, Unparsed, parse_lead_post
from routing.text import storable

__all__ = [
    "CsvRow",
    "decode_csv",
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


_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
"""UTF-32 first: its little-endian mark begins with UTF-16's. Excel's "Unicode text" is UTF-16."""


def decode_csv(data: bytes) -> str:
    """The file's text: UTF-16 or UTF-32 with a byte-order mark, UTF-8 with or without one, else
    Windows-1252 (Excel)."""
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            return data.decode(encoding, errors="replace")
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
    _fit_field_limit(len(text))
    records = _records(text.splitlines(keepends=True), 0, sniff_delimiter(text))
    headers = _headers(records)
    labels = [_label(storable(h), maps or {}) for h in headers[: limits.FIELDS + _CORE_COLUMNS]]
    seen: dict[str, int] = {}
    for line, cells, problem in records:
        if problem is not None:
            yield CsvRow(line, None, problem)
        elif any(cell.strip() for cell in cells):
            yield _with_duplicate(_row(line, labels, cells), seen)


def _fit_field_limit(size: int) -> None:
    """Let the reader take a cell as long as the file (a 1 MB cell is cut later, with the
    marker, as in a post), rather than refuse the row at ``csv``'s default 128 KiB."""
    if size > csv.field_size_limit():
        csv.field_size_limit(size)


def _reader(lines: Sequence[str], first: int, delimiter: str) -> _csv.Reader:
    """A strict reader from line index ``first``: a quote left open is an error, not a cell
    that swallows the rows after it."""
    rest = (lines[i] for i in range(first, len(lines)))
    return csv.reader(rest, delimiter=delimiter, strict=True)


def _records(
    lines: Sequence[str], first: int, delimiter: str
) -> Iterator[tuple[int, list[str], str | None]]:
    """(line number, cells, problem) of each record from line index ``first``.

    A record spans several lines only inside a closed quote. One whose quote is not closed
    where it should be (at the end of the file, or by a stray quote rows later) is reported on
    the line it starts, and reading goes on from the next line, so the rows it would have
    swallowed are read as rows. A one-line record with a stray quote is read leniently, as
    spreadsheets do (``"Sam" Ortiz``).
    """
    while first < len(lines):
        reader = _reader(lines, first, delimiter)
        start = first
        try:
            for cells in reader:
                yield start + 1, cells, None
                start = first + reader.line_num
            return
        except csv.Error as error:
            spanned = first + reader.line_num - start
            if spanned <= 1:
                yield start + 1, _lenient(lines[start], delimiter), None
            else:
                yield start + 1, [], _open_quote(spanned, error)
            first = start + 1


def _lenient(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter), [])


def _open_quote(spanned: int, error: csv.Error) -> str:
    return (
        f"a quote opened on this line is not closed where its row ends ({error}); "
        f"the {spanned - 1} lines after it are read as rows of their own"
    )


def _headers(records: Iterator[tuple[int, list[str], str | None]]) -> list[str]:
    first = next(records, None)
    if first is None:
        raise InvalidInput("The file is empty: the first line should name the columns.")
    _line, headers, problem = first
    if problem is not None:
        raise InvalidInput(f"The header line is not readable CSV: {problem}.")
    if not any(h.strip() for h in headers):
        raise InvalidInput("The first line should name the columns, like `email,name,company`.")
    return headers


def _header_key(header: str) -> str:
    return " ".join(header.strip().lower().split())


def _label(header: str, maps: Mapping[str, str]) -> str:
    """The label a header is read under: its mapped field, else the header itself."""
    return maps.get(_header_key(header), header.strip())


def _row(line: int, labels: Sequence[str], cells: Sequence[str]) -> CsvRow:
    pairs = [(label, cell) for label, cell in zip(labels, cells, strict=False) if label]
    parsed = parse_lead_post("", fitted_pairs(pairs, len(pairs)))
    if isinstance(parsed, Unparsed):
        return CsvRow(line, None, parsed.reason)
    return CsvRow(line, parsed)


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
