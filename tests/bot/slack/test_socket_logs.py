"""Socket Mode's routine disconnects (a FIN, a normal close frame) are logged at INFO; every other
disconnect keeps its ERROR."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from bot.slack.transport.socket_logs import RoutineDisconnectAsInfo, quiet_routine_disconnects

FIN = "Connection to remote host was lost. - goodbye"
FIN_SLACK_SDK = (
    "on_error invoked (error: WebSocketConnectionClosedException, "
    "message: Connection to remote host was lost.)"
)
NORMAL_CLOSE = "Connection closed normally (code 1000) - goodbye"


@pytest.fixture
def loggers(caplog: pytest.LogCaptureFixture) -> Iterator[tuple[logging.Logger, logging.Logger]]:
    """websocket-client's logger and a Bolt app's, at INFO (caplog puts their levels back)."""
    websocket, app = logging.getLogger("websocket"), logging.getLogger("test.bolt.app")
    for logger in (websocket, app):
        caplog.set_level(logging.INFO, logger=logger.name)
    had = list(websocket.filters)
    quiet_routine_disconnects(app)
    yield websocket, app
    app.filters.clear()
    websocket.filters[:] = had


@pytest.mark.parametrize(("which", "line"), [(0, FIN), (1, FIN_SLACK_SDK), (0, NORMAL_CLOSE)])
def test_a_fin_or_normal_close_is_logged_at_info(
    loggers: tuple[logging.Logger, logging.Logger],
    caplog: pytest.LogCaptureFixture,
    which: int,
    line: str,
) -> None:
    caplog.set_level(logging.INFO)
    loggers[which].error(line)
    [record] = caplog.records
    assert (record.levelname, record.getMessage()) == ("INFO", line)


@pytest.mark.parametrize(
    "line",
    [
        "Connection closed (code 1011): server error - goodbye",
        "[Errno 104] Connection reset by peer - goodbye",
        "on_error invoked (error: ConnectionRefusedError, message: refused)",
    ],
)
def test_other_disconnects_keep_their_error(
    loggers: tuple[logging.Logger, logging.Logger], caplog: pytest.LogCaptureFixture, line: str
) -> None:
    caplog.set_level(logging.INFO)
    loggers[0].error(line)
    assert [r.levelname for r in caplog.records] == ["ERROR"]


def test_a_lowered_line_is_dropped_where_info_is_off(
    loggers: tuple[logging.Logger, logging.Logger], caplog: pytest.LogCaptureFixture
) -> None:
    loggers[0].setLevel(logging.WARNING)
    loggers[0].error(FIN)
    assert caplog.records == []


def test_installing_twice_filters_once(loggers: tuple[logging.Logger, logging.Logger]) -> None:
    quiet_routine_disconnects(loggers[1])
    assert sum(isinstance(f, RoutineDisconnectAsInfo) for f in loggers[1].filters) == 1
