"""Starting Socket Mode when Slack refuses the app token: one line and exit 2, no retries."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse
from typer.testing import CliRunner

from bot.config import StartupError
from bot.slack.transport import socket_mode
from bot.slack.transport.socket_mode import SocketModeWorker


def refused(error: str) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/apps.connections.open",
        req_args={},
        data={"ok": False, "error": error},
        headers={},
        status_code=200,
    )
    return SlackApiError(error, response)


class RefusingClient:
    def __init__(self, error: str) -> None:
        self.error = error
        self.calls = 0

    def apps_connections_open(self, app_token: str) -> dict[str, str]:
        self.calls += 1
        raise refused(self.error)


@pytest.mark.parametrize("error", ["invalid_auth", "not_authed"])
def test_a_refused_app_token_stops_the_start_with_a_startup_error(error: str) -> None:
    from slack_bolt import App

    app = App(token="xoxb-x", token_verification_enabled=False, signing_secret="s")
    worker = SocketModeWorker(app, "xapp-bad")
    client = RefusingClient(error)
    worker.handler.client.web_client = client  # type: ignore[assignment]
    try:
        with pytest.raises(
            StartupError, match=f"SLACK_APP_TOKEN was refused by Slack \\({error}\\)"
        ):
            worker.start()
    finally:
        worker.close()
    assert client.calls == 1


def test_baton_serve_with_a_refused_app_token_exits_2_with_one_line(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-bad")
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    monkeypatch.chdir(str(sqlite_url.removeprefix("sqlite:///").rsplit("/", 1)[0]))

    def start(self: SocketModeWorker) -> None:
        raise StartupError("SLACK_APP_TOKEN was refused by Slack (invalid_auth): …")

    monkeypatch.setattr(socket_mode.SocketModeWorker, "start", start)
    from bot.entrypoints.cli import app as cli

    result = CliRunner().invoke(cli, ["serve", "--host", "127.0.0.1", "--port", "0"])

    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[-1].startswith("baton serve: SLACK_APP_TOKEN was refused by Slack")
    assert "Traceback" not in result.output
