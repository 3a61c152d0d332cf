"""Starting ``baton serve`` with Slack: HTTP or Socket Mode, and clear errors for bad settings."""

from __future__ import annotations

from typing import Any

import pytest
from typer.testing import CliRunner

from bot.config import Settings
from bot.entrypoints.cli import app as cli
from bot.entrypoints.serve import StartupError, make_server
from bot.slack.transport import mount
from bot.slack.transport.mount import EVENTS_PATH, SlackMode, slack_mode


def settings(url: str, **values: str) -> Settings:
    return Settings(_env_file=None, database_url=url, **values)  # type: ignore[call-arg, arg-type]


def routes(server: Any) -> set[str]:
    app = server.web_app()
    return {resource.canonical for resource in app.router.resources()}


def test_with_a_token_and_signing_secret_slack_is_served_over_http(sqlite_url: str) -> None:
    server = make_server(
        settings(sqlite_url, slack_bot_token="xoxb-1", slack_signing_secret="s"), sender=False
    )
    assert EVENTS_PATH in routes(server)
    assert server.workers == []
    assert "slack" in server.baton.notifiers


def test_with_an_app_token_slack_runs_in_socket_mode_instead_of_the_route(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    connected: list[str] = []

    class FakeWorker:
        def __init__(self, _app: object, app_token: str, _origins: object, _wake: object) -> None:
            self.app_token = app_token

        def start(self) -> None:
            connected.append(f"connect {self.app_token}")

        def close(self) -> None:
            connected.append("close")

    monkeypatch.setattr(mount, "SocketModeWorker", FakeWorker)
    server = make_server(
        settings(sqlite_url, slack_bot_token="xoxb-1", slack_app_token="xapp-1"), sender=False
    )
    assert EVENTS_PATH not in routes(server)
    assert "slack" in server.baton.notifiers
    (worker,) = server.workers
    stop = worker(server.baton)
    stop()
    assert connected == ["connect xapp-1", "close"]


def test_without_slack_settings_there_is_no_slack(sqlite_url: str) -> None:
    server = make_server(settings(sqlite_url), sender=False)
    assert EVENTS_PATH not in routes(server)
    assert "slack" not in server.baton.notifiers


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"slack_bot_token": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"slack_signing_secret": "s"}, "SLACK_BOT_TOKEN"),
        ({"slack_app_token": "xapp-1"}, "SLACK_BOT_TOKEN"),
    ],
)
def test_partial_slack_credentials_are_a_startup_error_naming_the_variable(
    sqlite_url: str, values: dict[str, str], variable: str
) -> None:
    with pytest.raises(StartupError, match=variable):
        slack_mode(settings(sqlite_url, **values))


def test_the_modes(sqlite_url: str) -> None:
    assert (
        slack_mode(settings(sqlite_url, slack_bot_token="x", slack_signing_secret="s"))
        is SlackMode.HTTP
    )
    assert (
        slack_mode(settings(sqlite_url, slack_bot_token="x", slack_app_token="a"))
        is SlackMode.SOCKET
    )


def test_baton_serve_without_the_signing_secret_exits_with_one_line(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    for name in ("SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(str(sqlite_url.removeprefix("sqlite:///").rsplit("/", 1)[0]))

    result = CliRunner().invoke(cli, ["serve", "--port", "0"])

    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "SLACK_SIGNING_SECRET is not set" in lines[0]


def test_bolt_is_given_only_the_client_and_warns_about_no_token(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    server = make_server(
        settings(sqlite_url, slack_bot_token="xoxb-1", slack_signing_secret="s"), sender=False
    )
    server.web_app()
    bolt_warnings = [r.getMessage() for r in caplog.records if r.name.startswith("slack_bolt")]
    assert bolt_warnings == []
