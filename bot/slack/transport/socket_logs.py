"""Socket Mode's ordinary disconnects logged as what they are: information, not errors.

Slack ends Socket Mode connections as a matter of course (a refresh every few hours, a server
going away, a bare FIN). websocket-client then logs ``ERROR websocket: Connection to remote host
was lost. - goodbye`` and slack_sdk's client ``ERROR on_error invoked (error:
WebSocketConnectionClosedException, …)``, although the client reconnects at once and nothing is
lost. Errors that are routine teach operators to ignore errors, so those lines — a FIN, or a close
frame with the normal code 1000 — are logged at INFO. Every other disconnect (a reset, a close
with another code, a refused connection) keeps its level.
"""

from __future__ import annotations

import logging
import re

WEBSOCKET_LOGGER = "websocket"
"""The logger websocket-client writes its "goodbye" lines to."""
_ROUTINE_END = (
    r"(?:Connection to remote host was lost\.|Connection closed normally \(code 1000\)[^()]*)"
)
_ROUTINE = re.compile(
    rf"^(?:{_ROUTINE_END} - goodbye"
    rf"|on_error invoked \(error: WebSocketConnectionClosedException, message: {_ROUTINE_END}\))$"
)


class RoutineDisconnectAsInfo(logging.Filter):
    """Lowers a routine disconnect's ERROR record to INFO (and drops it where INFO is off)."""

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__()
        self.logger = logger

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or not _ROUTINE.match(record.getMessage()):
            return True
        record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
        return self.logger.isEnabledFor(logging.INFO)


def quiet_routine_disconnects(*loggers: logging.Logger) -> None:
    """Install the filter on websocket-client's logger and on ``loggers`` (slack_sdk's Socket Mode
    client logs through the Bolt app's), once each."""
    for logger in (logging.getLogger(WEBSOCKET_LOGGER), *loggers):
        if not any(isinstance(f, RoutineDisconnectAsInfo) for f in logger.filters):
            logger.addFilter(RoutineDisconnectAsInfo(logger))
