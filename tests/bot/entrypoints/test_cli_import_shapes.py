"""`baton import` on the file shapes spreadsheets really produce, on SQLite and PostgreSQL: a 1 MB
cell is cut with the marker, a quote left open is reported on its line without swallowing the
rows after it, UTF-16 files with a byte-order mark are read, and every cell is stored storable."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.entrypoints.cli import app
from routing import limits
from routing.text import storable
from tests.bot.entrypoints.test_cli_import import leads
from tests.support.world import make_baton, say


@pytest.fixture
def database(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: object) -> str:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("BATON_OUTBOUND_TO_QUALIFIERS", "BATON_RULES_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("BATON_MANAGERS", "console:maya")
    baton = make_baton(db_url, clock, managers={("console", "maya")})
    say(baton, "maya", "/rotation add @ann qualifier")
    baton.engine.dispose()
    return db_url


def run(file: Path) -> Result:
    return CliRunner().invoke(app, ["import", str(file)])


def test_a_row_with_a_1_mb_cell_is_imported_with_the_cell_cut_and_marked(
    database: str, tmp_path: Path
) -> None:
    huge = "x" * 1_000_000
    file = tmp_path / "big.csv"
    file.write_text(f"email,company,notes\nsam@umbrella.example,{huge},{huge}\n", encoding="utf-8")
    result = run(file)
    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    (lead,) = leads(database)
    assert lead["company"] == "x" * (limits.COMPANY - 1) + limits.MARKER
    fields = lead["fields"]
    assert isinstance(fields, dict)
    assert fields["notes"] == "x" * (limits.NOTES - 1) + limits.MARKER


def test_an_unterminated_quote_is_reported_on_its_line_and_the_rows_after_it_are_imported(
    database: str, tmp_path: Path
) -> None:
    file = tmp_path / "open.csv"
    file.write_text(
        "email,name,company\n"
        'sam@umbrella.example,"Sam Ortiz,Umbrella\n'
        "ann@globex.example,Ann Lee,Globex\n"
        "zoe@initech.example,Zoe Brandt,Initech\n",
        encoding="utf-8",
    )
    result = run(file)
    assert result.exit_code == 0, result.output
    assert "line 2: unreadable CSV (a quote opened on this line is not closed" in result.output
    assert "2 created" in result.output
    assert [lead["name"] for lead in leads(database)] == ["Ann Lee", "Zoe Brandt"]


def test_a_stray_quote_rows_later_does_not_swallow_the_rows_between(
    database: str, tmp_path: Path
) -> None:
    file = tmp_path / "stray.csv"
    file.write_text(
        "email,name,company\n"
        'sam@umbrella.example,"Sam Ortiz,Umbrella\n'
        "ann@globex.example,Ann Lee,Globex\n"
        'zoe@initech.example,"Zoe" Brandt,Initech\n'
        'dan@acme.example,"Dan ""the man"" Ode","Acme, Inc."\n',
        encoding="utf-8",
    )
    result = run(file)
    assert result.exit_code == 0, result.output
    assert "line 2: unreadable CSV (a quote opened on this line" in result.output
    names = [lead["name"] for lead in leads(database)]
    assert names == ["Ann Lee", "Zoe Brandt", 'Dan "the man" Ode']


def test_a_utf16_file_with_a_byte_order_mark_is_read(database: str, tmp_path: Path) -> None:
    shapes = [  # UTF-16 both ways, Excel's "Unicode text" (UTF-16, tabs), UTF-32
        (codecs.BOM_UTF16_LE, "utf-16-le", ","),
        (codecs.BOM_UTF16_BE, "utf-16-be", ";"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "\t"),
        (codecs.BOM_UTF32_LE, "utf-32-le", ","),
    ]
    for n, (mark, encoding, delimiter) in enumerate(shapes):
        rows = [["E-mail", "Name", "Company"], [f"zoe@initech{n}.example", "Zoë Brandt", "Initech"]]
        text = "".join(delimiter.join(row) + "\r\n" for row in rows)
        file = tmp_path / f"unicode-{n}.csv"
        file.write_bytes(mark + text.encode(encoding))
        result = run(file)
        assert result.exit_code == 0, (encoding, result.output)
        assert "1 created" in result.output, (encoding, result.output)
    found = [(lead["email"], lead["name"], lead["company"]) for lead in leads(database)]
    assert found == [(f"zoe@initech{n}.example", "Zoë Brandt", "Initech") for n in range(4)]


def test_nul_decomposed_and_windows_1252_cells_are_stored_storable(
    database: str, tmp_path: Path
) -> None:
    file = tmp_path / "odd.csv"
    file.write_bytes(
        b"email,name,company,plan\n"
        b"sam@umbrella.example,Sam\x00 Ortiz,Caf\xe9 Noir,pro\x00\n"  # cp1252 (not UTF-8)
    )
    assert run(file).exit_code == 0
    (lead,) = leads(database)
    assert (lead["name"], lead["company"]) == ("Sam Ortiz", "Café Noir")
    decomposed = tmp_path / "nfd.csv"
    decomposed.write_text("email,name\nzoe@initech.example,Zoe\u0308 Brandt\n", encoding="utf-8")
    assert run(decomposed).exit_code == 0
    stored = leads(database)[1]
    assert stored["name"] == "Zoë Brandt"
    for lead in leads(database):
        fields = lead["fields"]
        assert isinstance(fields, dict)
        for value in [lead["name"], lead["company"], *fields.values()]:
            assert value is None or storable(str(value)) == value
