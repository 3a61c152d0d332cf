"""Reading a spreadsheet of leads: which column is which, and what each row says.

Columns are recognised by their header the way a form's field labels are (``E-mail``,
``Company name``, ``First name`` …, see :mod:`routing.lead_post`); ``--map header=field`` names
the rest. Every other column is kept as one of the lead's fields, so routing rules can use it.

Everything here is pure: the file's bytes come in, rows come out. A row that cannot become a
lead (no email and no phone, or a broken CSV line) comes back with a ``problem`` and its line
number; nothing raises on odd content, so one bad row never stops an import. A quote left open
is such a problem, on the line it opened, and never a cell that swallows the rows after it
(:func:`csv_reader`, which the spend import reads with too).
"""

from __future__ import annotations

import _csv
import codecs
import csv
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from routing import limits
from routing.arrival import fitted_pairs
from routing.errors import InvalidInput
from routing.lead_post import ParsedLead, Unparsed, parse_lead_post
from routing.phones import PhoneReader
from routing.text import storable

__all__ = [
    "CsvRow",
    "csv_reader",
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


def read_rows(
    text: str, maps: Mapping[str, str] | None = None, *, phones: PhoneReader
) -> Iterator[CsvRow]:
    """Each data row of ``text`` as a lead or a problem, in file order, with earlier-row
    duplicates (same email or company domain) marked; ``phones`` finds phone numbers in free
    text (a notes column)."""
    reader = csv_reader(text)
    headers = _headers(reader)
    labels = [_label(storable(h), maps or {}) for h in headers[: limits.FIELDS + _CORE_COLUMNS]]
    seen: dict[str, int] = {}
    for line, cells in numbered_rows(reader):
        if isinstance(cells, str):
            yield CsvRow(line, None, cells)
        else:
            yield _with_duplicate(_row(line, labels, cells, phones), seen)


def csv_reader(text: str) -> CsvReader:
    """A reader of ``text``'s records, its delimiter sniffed, that takes a cell as long as the
    file (a 1 MB cell is cut later, with the marker, as in a post) and reads quotes strictly
    (:class:`_Records`)."""
    if len(text) > csv.field_size_limit():
        csv.field_size_limit(len(text))
    return _Records(text.splitlines(keepends=True), sniff_delimiter(text))


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


class _Records:
    """``csv.reader`` over ``lines``, strict about quotes, that goes on after a broken record.

    A record spans several lines only inside a closed quote. One whose quote is not closed where
    it should be (at the end of the file, or by a stray quote rows later) raises ``csv.Error``
    naming the problem, and reading goes on from the line after the one it started on, so the
    rows it would have swallowed are read as rows. A one-line record with a stray quote is read
    leniently, as spreadsheets do (``"Sam" Ortiz``). ``line_num`` is the lines read so far, as
    ``csv.reader``'s.
    """

    def __init__(self, lines: Sequence[str], delimiter: str) -> None:
        self.lines = lines
        self.delimiter = delimiter
        self.line_num = 0
        self._first = 0
        self._reader = self._strict_from(0)

    def _strict_from(self, first: int) -> _csv.Reader:
        self._first = first
        rest = (self.lines[i] for i in range(first, len(self.lines)))
        return csv.reader(rest, delimiter=self.delimiter, strict=True)

    def __iter__(self) -> _Records:
        return self

    def __next__(self) -> list[str]:
        start = self.line_num
        try:
            cells = next(self._reader)
        except csv.Error as error:
            spanned = self._first + self._reader.line_num - start
            self._reader = self._strict_from(start + 1)
            self.line_num = start + 1
            if spanned <= 1:
                return next(csv.reader([self.lines[start]], delimiter=self.delimiter), [])
            raise csv.Error(
                f"a quote opened on this line is not closed where its row ends ({error}); "
                f"the {spanned - 1} lines after it are read as rows of their own"
            ) from None
        self.line_num = self._first + self._reader.line_num
        return cells


def _headers(reader: CsvReader) -> list[str]:
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


def _row(line: int, labels: Sequence[str], cells: Sequence[str], phones: PhoneReader) -> CsvRow:
    pairs = [(label, cell) for label, cell in zip(labels, cells, strict=False) if label]
    parsed = parse_lead_post("", fitted_pairs(pairs, len(pairs)), phones=phones)
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
