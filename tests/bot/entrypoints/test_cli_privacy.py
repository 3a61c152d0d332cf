"""`baton privacy export|erase` on SQLite: one JSON document out; erasure asks unless --yes,
refuses an unknown contact with one line, and leaves the contact in no row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner, Result

from bot.bootstrap import build
from bot.config import Settings
from bot.entrypoints.cli import app
from bot.entrypoints.refusals import CONFIG_ERROR
from routing.arrival import posted
from routing.roles import Platform
from storage import tables as t
from tests.support.phones import PHONES

EMAIL = "priya.shah@acme.io"


@pytest.fixture(autouse=True)
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)  # no .env
    for name in ("BATON_MANAGERS", "BATON_OUTBOUND_TO_QUALIFIERS", "BATON_RULES_FILE"):
        monkeypatch.delenv(name, raising=False)
    url = f"sqlite:///{tmp_path}/privacy.db"
    monkeypatch.setenv("DATABASE_URL", url)
    baton = build(Settings(_env_file=None), platforms=False)  # type: ignore[call-arg]
    text = f"Name: Priya Shah\nEmail: {EMAIL}\nCompany: Acme"
    baton.relay.ingest(posted(Platform.SLACK, "C0LEADS", "1700000000.000100", text, phones=PHONES))
    baton.close()
    return url


def run(*args: str, given: str | None = None) -> Result:
    return CliRunner().invoke(app, list(args), input=given)


def _texts(url: str) -> str:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = [
            json.dumps(dict(row), default=str)
            for table in t.metadata.sorted_tables
            for row in conn.execute(select(table)).mappings()
        ]
    engine.dispose()
    return "\n".join(found).lower()


def test_export_prints_one_json_document_and_writes_it_with_out(tmp_path: Path) -> None:
    result = run("privacy", "export", "--email", EMAIL)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["leads"] == ["L-1"]
    assert document["tables"]["leads"][0]["email"] == EMAIL
    by_lead = run("privacy", "export", "--lead", "L-1", "--out", str(tmp_path / "out.json"))
    assert by_lead.exit_code == 0, by_lead.output
    assert json.loads((tmp_path / "out.json").read_text())["leads"] == ["L-1"]


def test_export_and_erase_refuse_an_unknown_contact_or_a_missing_name_in_one_line() -> None:
    for args in (
        ("privacy", "export", "--email", "nobody@nowhere.io"),
        ("privacy", "export"),
        ("privacy", "export", "--email", EMAIL, "--lead", "L-1"),
        ("privacy", "erase", "--lead", "L-99", "--yes"),
        ("privacy", "erase", "--lead", "banana", "--yes"),
    ):
        result = run(*args)
        assert result.exit_code == CONFIG_ERROR, (args, result.output)
        assert result.output.startswith("baton privacy "), result.output
        assert "Traceback" not in result.output


def test_erase_asks_first_and_then_leaves_the_contact_in_no_row(database: str) -> None:
    declined = run("privacy", "erase", "--email", EMAIL, given="n\n")
    assert declined.exit_code == 1
    assert "Nothing erased." in declined.output
    assert EMAIL in _texts(database)
    result = run("privacy", "erase", "--email", EMAIL, "--yes")
    assert result.exit_code == 0, result.output
    assert "Erased the contact's details from L-1" in result.output
    texts = _texts(database)
    assert EMAIL not in texts
    assert "priya shah" not in texts
    assert '"cli:' in texts  # the audit trail names who ran it
