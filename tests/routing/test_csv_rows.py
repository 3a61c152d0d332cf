"""Reading lead spreadsheets: headers, delimiters, encodings, bad rows and earlier duplicates."""

from __future__ import annotations

import pytest

from routing import limits
from routing.csv_rows import (
    CsvRow,
    decode_csv,
    parse_maps,
    read_rows,
    sniff_delimiter,
)
from routing.errors import InvalidInput
from tests.support.csv_files import generate_csv
from tests.support.phones import PHONES


def rows(text: str, maps: dict[str, str] | None = None) -> list[CsvRow]:
    return list(read_rows(text, maps, phones=PHONES))


def test_columns_are_recognised_by_their_header_names_and_the_rest_are_kept_as_fields() -> None:
    (row,) = rows(
        "E-mail,First Name,Last name,Company name,Phone,Lead source,Budget\n"
        "sam@umbrella.co,Sam,Ortiz,Umbrella Corp,+1 555 0100,webinar,10k\n"
    )
    lead = row.lead
    assert lead is not None
    assert (lead.email, lead.name, lead.company, lead.phone) == (
        "sam@umbrella.co",
        "Sam Ortiz",
        "Umbrella Corp",
        "+1 555 0100",
    )
    assert dict(lead.fields) == {"source": "webinar", "budget": "10k", "domain": "umbrella.co"}
    assert row.line == 2


def test_a_mapped_header_is_read_as_the_field_it_names() -> None:
    text = "E-Mail-Adresse,Firma\nsam@umbrella.co,Umbrella\n"
    (unmapped,) = rows(text)
    assert unmapped.lead is not None
    assert unmapped.lead.company is None
    assert unmapped.lead.fields["firma"] == "Umbrella"
    (mapped,) = rows(text, parse_maps(["e-mail-ADRESSE=email", "Firma=company"]))
    assert mapped.lead is not None
    assert (mapped.lead.email, mapped.lead.company) == ("sam@umbrella.co", "Umbrella")
    assert "firma" not in mapped.lead.fields


def test_a_map_without_a_field_is_refused_with_the_right_form() -> None:
    with pytest.raises(InvalidInput, match="should look like"):
        parse_maps(["Work mail"])


def test_a_row_without_email_or_phone_is_a_problem_with_its_line_number() -> None:
    text = 'email,name,notes\nsam@x.io,Sam,"two\nlines"\n,Nobody,hi\nbob@y.io,Bob,\n'
    found = rows(text)
    assert [(r.line, r.problem) for r in found] == [
        (2, None),
        (4, "no email address or phone number found"),
        (5, None),
    ]


def test_blank_rows_are_passed_over_and_a_short_row_keeps_what_it_has() -> None:
    found = rows("email,name,company\n\n,,\nsam@x.io\n")
    assert [(r.line, r.lead.email if r.lead else None) for r in found] == [(4, "sam@x.io")]


def test_semicolons_and_tabs_are_sniffed_and_a_quoted_comma_does_not_count() -> None:
    assert sniff_delimiter('"Name, full";email;company\n') == ";"
    assert sniff_delimiter("email\tname\n") == "\t"
    assert sniff_delimiter("email\n") == ","
    (row,) = rows("email;company\nsam@x.io;Umbrella, Inc\n")
    assert row.lead is not None
    assert row.lead.company == "Umbrella, Inc"


def test_utf8_with_a_byte_order_mark_reads_the_first_header_cleanly() -> None:
    text = decode_csv("\ufeffemail,name\nzoe@zuerich.ch,Zoë\n".encode())
    (row,) = rows(text)
    assert row.lead is not None
    assert row.lead.name == "Zoë"


def test_a_file_that_is_not_utf8_is_read_as_windows_1252() -> None:
    assert decode_csv("name\nJosé\n".encode("cp1252")) == "name\nJosé\n"


def test_a_later_row_with_the_same_email_or_company_domain_names_the_first() -> None:
    found = rows("email\nann@acme.io\nbob@acme.io\nann@acme.io\nzed@gmail.com\nzed@gmail.com\n")
    assert [r.duplicate_of for r in found] == [None, 2, 2, None, 5]


def test_an_overlong_cell_is_cut_with_a_marker() -> None:
    (row,) = rows(f"email,notes\nsam@x.io,{'x' * 9000}\n")
    assert row.lead is not None
    notes = row.lead.fields["notes"]
    assert len(notes) == limits.NOTES
    assert notes.endswith(limits.MARKER)


def test_an_empty_file_or_a_blank_header_is_refused() -> None:
    for text in ("", "\n,,\n"):
        with pytest.raises(InvalidInput):
            rows(text)


def test_a_generated_file_gives_its_bad_and_duplicate_rows_back_by_line() -> None:
    made = generate_csv(500)
    found = rows(made.text)
    assert len(found) == made.rows
    assert [r.line for r in found if r.problem] == made.bad_lines
    assert [r.line for r in found if r.duplicate_of] == made.duplicate_lines


def test_a_cell_longer_than_csvs_default_field_limit_is_read_and_cut_with_the_marker() -> None:
    (row,) = rows(f'email,notes\nsam@x.io,"{"x" * 1_000_000}"\n')
    assert row.lead is not None
    assert row.lead.fields["notes"] == "x" * (limits.NOTES - 1) + limits.MARKER


def test_a_quote_left_open_is_reported_on_its_line_and_the_next_rows_are_rows() -> None:
    found = rows('email,name\nsam@x.io,"Sam\nann@y.io,Ann\nzoe@z.io,Zoe\n')
    assert [(r.line, r.lead.email if r.lead else None) for r in found] == [
        (2, None),
        (3, "ann@y.io"),
        (4, "zoe@z.io"),
    ]
    assert found[0].problem is not None
    assert "not closed" in found[0].problem


def test_a_quoted_cell_over_several_lines_stays_one_cell() -> None:
    (row,) = rows('email,notes\nsam@x.io,"line one\nline two"\n')
    assert row.lead is not None
    assert row.lead.fields["notes"] == "line one\nline two"


def test_a_stray_quote_inside_a_one_line_row_is_read_as_spreadsheets_do() -> None:
    (row,) = rows('email,name\nsam@x.io,"Sam" Ortiz\n')
    assert row.lead is not None
    assert row.lead.name == "Sam Ortiz"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files_are_read_by_their_byte_order_mark(encoding: str) -> None:
    text = "email\tname\nzoe@zuerich.ch\tZoë\n"
    marks = {"utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}
    data = marks.get(encoding, b"") + text.encode(encoding)
    assert decode_csv(data) == text


def test_cells_are_made_storable_before_they_are_read() -> None:
    (row,) = rows("email,name,plan\nsam@x.io,Zoe\u0308 \x00Brandt,pro\x00\n")
    assert row.lead is not None
    assert row.lead.name == "Zoë Brandt"
    assert row.lead.fields["plan"] == "pro"
