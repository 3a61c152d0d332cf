"""README's "Running it" table lists every ``baton`` command, and says truthfully what
``baton serve --no-platforms`` serves (issue 18, item 16)."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from bot.config import Settings
from bot.entrypoints.cli import app
from bot.entrypoints.serve import make_server

README = Path(__file__).resolve().parents[3] / "README.md"


def running_it() -> str:
    text = README.read_text(encoding="utf-8")
    return text.split("## Running it", 1)[1].split("\n### ", 1)[0]


def test_the_running_it_table_lists_every_command() -> None:
    table = running_it()
    listed = set(re.findall(r"^\| `baton ([a-z-]+)", table, re.M))
    commands = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert commands <= listed, sorted(commands - listed)


def test_the_serve_row_names_every_route_a_server_without_platforms_serves(
    tmp_path: Path,
) -> None:
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/r.db")  # type: ignore[call-arg]
    server = make_server(settings, sender=False)
    try:
        routes = {resource.canonical for resource in server.web_app().router.resources()}
    finally:
        server.baton.close()
    serve_row = next(line for line in running_it().splitlines() if "`baton serve" in line)
    for path in ("/healthz", "/leads", "/dashboard", "/charts/funnel/{token}.png"):
        assert path in routes
        assert path.replace("{token}", "<token>") in serve_row
    assert "only `/healthz`" not in serve_row
