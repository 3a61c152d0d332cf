"""`baton import FILE.csv` end to end on SQLite: the command, its options and its summary."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner, Result

from bot.entrypoints.cli import app
from bot.entrypoints.refusals import CONFIG_ERROR
from storage import tables as t
from tests.support.csv_files import generate_csv
from tests.support.world import make_baton, say

ROWS = 2000
"""10,000 rows run in benchmarks/import_csv.py; the suite keeps to 2,000 to stay quick."""


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("BATON_MANAGERS", "BATON_OUTBOUND_TO_QUALIFIERS", "BATON_RULES_FILE"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path}/import.db"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("BATON_MANAGERS", "console:maya")
    return url


@pytest.fixture
def team(database: str, clock: object) -> str:
    baton = make_baton(database, clock, managers={("console", "maya")})
    for line in (
        "/rotation add @ann qualifier",
        "/rotation add @ben qualifier",
        "/rotation add @pat prospector",
    ):
        say(baton, "maya", line)
    baton.engine.dispose()
    return database


def run(*args: str) -> Result:
    return CliRunner().invoke(app, ["import", *args])


def write(tmp_path: Path, text: str, name: str = "leads.csv") -> Path:
    file = tmp_path / name
    file.write_text(text, encoding="utf-8")
    return file


def count(url: str, table: t.Table) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(table)).scalar_one()
    engine.dispose()
    return int(n)


def leads(url: str) -> list[dict[str, object]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(select(t.leads).order_by(t.leads.c.id)).mappings()]
    engine.dispose()
    return rows


def test_a_generated_file_imports_with_its_duplicates_matched_and_bad_rows_reported(
    team: str, tmp_path: Path
) -> None:
    made = generate_csv(ROWS, delimiter=";", bom=True)
    result = run(str(write(tmp_path, made.text)))
    assert result.exit_code == 0, result.output
    bad, dups = len(made.bad_lines), len(made.duplicate_lines)
    assert f"{ROWS} rows were read: {made.good - dups} created, {dups} matched to owner, " in (
        result.output
    )
    assert f"{bad} bad" in result.output
    assert f"line {made.bad_lines[0]}: no email address or phone number found" in result.output
    assert count(team, t.leads) == made.good
    stored = leads(team)
    assert {row["stage"] for row in stored} == {"assigned"}
    assert count(team, t.outbox) >= made.good  # each assignee's message, and the managers' summary


def test_running_the_same_file_again_creates_nothing(team: str, tmp_path: Path) -> None:
    file = write(tmp_path, generate_csv(120).text)
    assert run(str(file)).exit_code == 0
    before = count(team, t.leads)
    again = run(str(file))
    assert again.exit_code == 0
    assert "118 already imported, 2 bad" in again.output
    assert count(team, t.leads) == before


def test_a_dry_run_shows_each_row_and_changes_nothing(team: str, tmp_path: Path) -> None:
    before = (count(team, t.leads), count(team, t.intake_keys), count(team, t.outbox))
    made = generate_csv(60)
    result = run(str(write(tmp_path, made.text)), "--dry-run")
    assert result.exit_code == 0, result.output
    assert re.search(r"line 2: created — .+: into the qualifier rotation\n", result.output)
    assert re.search(r"line 21: matched to owner — .+: to whoever gets line 20\n", result.output)
    assert "60 rows would be read: 56 created, 3 matched to owner, 1 bad" in result.output
    assert (count(team, t.leads), count(team, t.intake_keys), count(team, t.outbox)) == before


def test_map_names_a_column_the_headers_do_not(team: str, tmp_path: Path) -> None:
    file = write(tmp_path, "Kontakt,Firma\nsam@umbrella.co,Umbrella\n")
    result = run(str(file), "--map", "Kontakt=email", "--map", "Firma=company")
    assert result.exit_code == 0, result.output
    (lead,) = leads(team)
    assert (lead["email"], lead["company"]) == ("sam@umbrella.co", "Umbrella")


def test_as_makes_every_row_the_prospectors_outbound_lead(team: str, tmp_path: Path) -> None:
    file = write(tmp_path, "email,company\nsam@umbrella.co,Umbrella\nbill@initech.com,Initech\n")
    result = run(str(file), "--as", "console:pat")
    assert result.exit_code == 0, result.output
    stored = leads(team)
    assert [(r["origin"], r["stage"], r["pool"]) for r in stored] == [
        ("outbound", "working", "prospector")
    ] * 2


def test_as_someone_who_is_not_a_prospector_is_refused_before_any_row(
    team: str, tmp_path: Path
) -> None:
    file = write(tmp_path, "email\nsam@umbrella.co\n")
    result = run(str(file), "--as", "console:ann")
    assert result.exit_code == CONFIG_ERROR
    assert "is not a prospector" in result.stderr
    assert count(team, t.leads) == 0
    assert run(str(file), "--as", "nobody").exit_code == CONFIG_ERROR


def test_skip_duplicates_leaves_out_rows_that_match_an_open_lead_or_an_earlier_row(
    team: str, tmp_path: Path, clock: object
) -> None:
    baton = make_baton(team, clock, managers={("console", "maya")})
    say(baton, "maya", "/lead new Umbrella sam@umbrella.co")
    baton.engine.dispose()
    file = write(tmp_path, "email\nann@umbrella.co\nbob@initech.com\nbill@initech.com\n")
    result = run(str(file), "--skip-duplicates")
    assert result.exit_code == 0, result.output
    assert "3 rows were read: 1 created, 2 skipped as duplicate." in result.output
    assert count(team, t.leads) == 2


def test_an_outbound_import_goes_to_the_qualifiers_with_the_setting(
    team: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATON_OUTBOUND_TO_QUALIFIERS", "1")
    file = write(tmp_path, "email\nsam@umbrella.co\n")
    assert run(str(file), "--as", "console:pat").exit_code == 0
    (lead,) = leads(team)
    assert (lead["origin"], lead["stage"], lead["pool"]) == ("outbound", "assigned", "qualifier")
    assert lead["fields"]["sourced_by"] == "pat"  # type: ignore[index]


def test_an_unreadable_or_headerless_file_is_one_line(tmp_path: Path) -> None:
    missing = run(str(tmp_path / "nope.csv"))
    assert missing.exit_code == CONFIG_ERROR
    assert "cannot read" in missing.stderr
    empty = run(str(write(tmp_path, "")))
    assert empty.exit_code == CONFIG_ERROR
    assert "The file is empty" in empty.stderr


def test_a_dry_run_names_each_rows_person_and_company_and_the_rep_by_name(
    team: str, tmp_path: Path, clock: object
) -> None:
    baton = make_baton(team, clock, managers={("console", "maya")})
    from routing.arrival import posted
    from routing.roles import Platform

    phones = baton.relay.config.phones
    baton.relay.ingest(
        posted(Platform.SLACK, "C1", "1.1", "Lead: Al Ng, al@acme.io, Acme", phones=phones)
    )
    baton.engine.dispose()
    file = write(
        tmp_path,
        "email,company,first name,last name\n"
        "bo@acme.io,Acme,Bo,Li\nsam@umbrella.co,Umbrella,Sam,Ortiz\n"
        "sam@umbrella.co,Umbrella,Sam,Ortiz\n",
    )
    result = run(str(file), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "line 2: matched to owner — Bo Li (Acme): to ann, who owns L-1\n" in result.output
    assert "line 3: created — Sam Ortiz (Umbrella): into the qualifier rotation\n" in result.output
    assert "line 4: matched to owner — Sam Ortiz (Umbrella): to whoever gets line 3\n" in (
        result.output
    )
    assert "<rep:" not in result.output
    skipping = run(str(file), "--dry-run", "--skip-duplicates")
    assert "line 2: skipped as duplicate — Bo Li (Acme): ann owns L-1\n" in skipping.output
    assert "line 4: skipped as duplicate — Sam Ortiz (Umbrella): repeats line 3\n" in (
        skipping.output
    )
    outbound = run(str(file), "--dry-run", "--as", "console:pat")
    assert "line 3: created — Sam Ortiz (Umbrella): as pat's outbound lead\n" in outbound.output
