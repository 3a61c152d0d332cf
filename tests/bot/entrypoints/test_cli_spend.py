"""`baton spend import`, `baton import --source` and `baton export numbers` on SQLite."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner, Result

from bot.entrypoints.cli import app
from bot.entrypoints.refusals import CONFIG_ERROR
from storage import tables as t


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("BATON_MANAGERS", "BATON_OUTBOUND_TO_QUALIFIERS", "BATON_RULES_FILE"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path}/spend.db"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


def run(*args: str) -> Result:
    return CliRunner().invoke(app, list(args))


def rows(url: str, table: t.Table) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = [tuple(r) for r in conn.execute(select(table))]
    engine.dispose()
    return found


def test_spend_import_enters_each_row_and_reports_the_bad_ones_by_line(
    tmp_path: Path, database: str
) -> None:
    file = tmp_path / "spend.csv"
    file.write_bytes(
        "\ufeffSource;Month;Amount\nWebinar;2026-11;2,000\nAds;2026-10-01;€1,5k\n"
        ";2026-11;5\nWebinar;November;5\nAds;2026-11;lots\n".encode()
    )
    result = run("spend", "import", str(file))
    assert result.exit_code == 0, result.output
    assert "5 rows read: 2 entered, 3 bad." in result.output
    assert "line 4: no source" in result.output
    assert "line 5: `November` is not a month like 2026-11" in result.output
    assert "line 6:" in result.output
    spend = {(r[1], r[2], r[3]) for r in rows(database, t.source_spend)}
    assert spend == {("2026-11", "Webinar", "2000"), ("2026-10", "Ads", "1500")}


def test_spend_import_dry_run_changes_nothing(tmp_path: Path, database: str) -> None:
    file = tmp_path / "spend.csv"
    file.write_text("source,month,amount\nwebinar,2026-11,2k\n", encoding="utf-8")
    result = run("spend", "import", str(file), "--dry-run")
    assert "1 rows read: 1 would be entered, 0 bad." in result.output
    assert not Path(database.removeprefix("sqlite:///")).exists()


def test_a_spend_file_without_an_amount_column_is_refused_in_one_line(tmp_path: Path) -> None:
    file = tmp_path / "spend.csv"
    file.write_text("source,month\nwebinar,2026-11\n", encoding="utf-8")
    result = run("spend", "import", str(file))
    assert result.exit_code == CONFIG_ERROR
    assert "No `amount` column" in result.output


def test_imported_leads_take_the_source_option_or_the_files_name(
    tmp_path: Path, database: str
) -> None:
    for name, extra in (("fair.csv", ()), ("other.csv", ("--source", "Trade fair"))):
        file = tmp_path / name
        file.write_text(f"email,company\nx@{name[:4]}.io,X\n", encoding="utf-8")
        assert run("import", str(file), *extra).exit_code == 0
    created = [r[-1] for r in rows(database, t.lead_events) if r[2] == "created"]
    sources = sorted(
        json.loads(p)["source"] if isinstance(p, str) else p["source"] for p in created
    )
    assert sources == ["Trade fair", "fair.csv"]


def test_export_numbers_writes_the_numbers_of_last_week(tmp_path: Path, database: str) -> None:
    assert run("db", "upgrade").exit_code == 0
    out = tmp_path / "numbers.csv"
    result = run("export", "numbers", "--out", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8-sig")
    assert text.startswith("section,row,figure,value\n")
    assert "pipeline,all,open,0" in text
