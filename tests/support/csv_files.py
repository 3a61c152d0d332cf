"""A generated lead spreadsheet with known duplicates and bad rows, for tests and the benchmark."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

HEADER = ("E-mail", "First name", "Last name", "Company", "Phone", "Country", "Employees")


@dataclass
class GeneratedCsv:
    text: str
    rows: int
    bad_lines: list[int] = field(default_factory=list)
    duplicate_lines: list[int] = field(default_factory=list)

    @property
    def good(self) -> int:
        return self.rows - len(self.bad_lines)


def generate_csv(rows: int, *, delimiter: str = ",", bom: bool = False) -> GeneratedCsv:
    """Every 50th row has no email and no phone (bad); every 20th repeats an earlier row's
    company domain (a duplicate); the rest are distinct companies. Line 1 is the header."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(HEADER)
    made = GeneratedCsv("", rows)
    for n in range(1, rows + 1):
        line = n + 1
        if n % 50 == 0:
            writer.writerow(("", "No", "Contact", f"Ghost {n} Ltd", "", "DE", "10"))
            made.bad_lines.append(line)
        elif n % 20 == 0:
            writer.writerow((f"other{n}@firm{n - 1}.io", "Dup", f"Row {n}", "", "", "FR", "5"))
            made.duplicate_lines.append(line)
        else:
            email = f"pat{n}@firm{n}.io"
            writer.writerow(
                (email, "Pat", f"Doe {n}", f"Firm {n}; Ltd", f"+49 30 {n:07d}", "US", n)
            )
    made.text = ("\ufeff" if bom else "") + out.getvalue()
    return made
