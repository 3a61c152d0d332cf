"""Posts typed in ``baton console``: every one becomes a lead, whichever session types it, and
a post Baton already had is said to be one, never passed over in silence."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.console.session import ConsoleNotifier, ConsoleSession
from bot.entrypoints.cli import app
from routing.roles import Platform
from tests.support.world import make_baton


def _post(n: int) -> str:
    return f"/post Name: Pat No{n} Email: pat{n}@company{n}.io Company: Company{n}"


def _console(*lines: str) -> str:
    result = CliRunner().invoke(app, ["console"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    return result.output


def test_two_console_sessions_on_one_database_make_every_post_a_lead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's repro: session 1 posts two leads, session 2 three more; none is taken for a
    retry of the other session's posts."""
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.delenv("BATON_MANAGERS", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/console.db")
    first = _console("/rotation add @alice qualifier", _post(1), _post(2))
    second = _console(_post(3), _post(4), _post(5))
    assert "L-1 → @alice" in first
    assert "L-2 → @alice" in first
    for ref in ("L-3", "L-4", "L-5"):
        assert f"{ref} → @alice" in second
    assert "Already have" not in first + second


def test_two_console_sessions_at_once_make_every_post_a_lead(
    sqlite_url: str, clock: object
) -> None:
    said: list[str] = []
    notifiers = {Platform.CONSOLE.value: ConsoleNotifier(said.append)}
    baton = make_baton(sqlite_url, clock, {("console", "maya")}, notifiers)
    one, two = (
        ConsoleSession(baton.relay, baton.sender().drain, said.append, "maya") for _ in range(2)
    )
    one.handle("/rotation add @alice qualifier")
    for n in range(1, 7):
        (one if n % 2 else two).handle(_post(n))
    for n in range(1, 7):
        assert any(f"L-{n} → @alice" in line for line in said), said


def test_a_post_baton_already_had_is_answered_as_a_duplicate(
    sqlite_url: str, clock: object
) -> None:
    said: list[str] = []
    notifiers = {Platform.CONSOLE.value: ConsoleNotifier(said.append)}
    baton = make_baton(sqlite_url, clock, {("console", "maya")}, notifiers)
    first = ConsoleSession(baton.relay, baton.sender().drain, said.append, "maya", session_id="s")
    first.handle("/rotation add @alice qualifier")
    first.handle(_post(1))
    again = ConsoleSession(baton.relay, baton.sender().drain, said.append, "maya", session_id="s")
    said.clear()
    again.handle(_post(2))
    assert said[-1] == "  Baton → you: Already have this post."
