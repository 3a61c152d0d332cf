"""Socket Mode: Baton connects out to Slack, for teams without a public URL.

It runs on slack_bolt's ``websocket_client`` adapter (package ``websocket-client``): when a
connection ends with a FIN and no close frame, slack_sdk's builtin client reads ``b""`` as "no
data yet" and spins a core for a minute; websocket-client sees the end and reconnects at once.
Envelopes go through the same reading as HTTP requests (:mod:`bot.slack.transport.envelope`), are
acknowledged by ``envelope_id``, and wake the outbox sender so replies leave at once. Slack's
routine disconnects (a FIN, a normal close) are logged at INFO (:mod:`.socket_logs`).

Starting does not need Slack to be up: ``apps.connections.open`` is retried with backoff, one log
line per attempt saying why. A token Slack refuses is a configuration error (exit 2).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.socket_mode.internals import build_headers, send_response
from slack_bolt.adapter.socket_mode.websocket_client import SocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.socket_mode.websocket_client import SocketModeClient

from bot.config import StartupError
from bot.slack.transport.envelope import bolt_request
from bot.slack.transport.socket_logs import quiet_routine_disconnects

log = logging.getLogger(__name__)

REFUSED_TOKEN_ERRORS = frozenset(
    {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "not_allowed_token_type"}
)
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 60.0


class _Handler(SocketModeHandler):
    """Bolt's websocket-client handler, reading envelopes as Baton reads HTTP requests."""

    def __init__(
        self,
        app: App,
        app_token: str,
        api_origins: Iterable[str],
        after_envelope: Callable[[], object],
    ) -> None:
        super().__init__(app, app_token=app_token)
        self.api_origins = tuple(api_origins)
        self.after_envelope = after_envelope

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        start = time.time()
        payload: Any = req.payload
        bolt = None
        if isinstance(payload, dict):
            headers = {key: str(value) for key, value in (build_headers(req) or {}).items()}
            bolt = bolt_request(dict(payload), headers, self.api_origins)
        else:
            log.warning("ignored a Socket Mode envelope whose payload is not an object")
        if bolt is None:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        response = self.app.dispatch(bolt)
        self.after_envelope()  # what it queued is committed: the sender may start before the ack
        send_response(client, req, response, start)


class SocketModeWorker:
    """One Socket Mode connection for the server's lifetime."""

    def __init__(
        self,
        app: App,
        app_token: str,
        api_origins: Iterable[str] = (),
        after_envelope: Callable[[], object] = lambda: None,
    ) -> None:
        self.handler = _Handler(app, app_token, api_origins, after_envelope)
        quiet_routine_disconnects(self.handler.client.logger)
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Connect now if Slack answers; otherwise keep trying in the background.

        Raises :class:`StartupError` when Slack refuses the app token itself.
        """
        if not self._try_to_connect(FIRST_RETRY_SECONDS):
            self._thread = threading.Thread(
                target=self._keep_trying, name="slack-socket", daemon=True
            )
            self._thread.start()

    def _keep_trying(self) -> None:
        delay = FIRST_RETRY_SECONDS
        while not self._closed.wait(delay):
            delay = min(delay * 2, MAX_RETRY_SECONDS)
            try:
                if self._try_to_connect(delay):
                    return
            except StartupError as err:
                log.error("Socket Mode stopped: %s", err)
                return

    def _try_to_connect(self, retry_in: float) -> bool:
        client = self.handler.client
        try:
            client.wss_uri = client.web_client.apps_connections_open(app_token=client.app_token)[
                "url"
            ]
        except SlackApiError as err:
            error = str(err.response.get("error") or "")
            if error in REFUSED_TOKEN_ERRORS:
                raise StartupError(
                    f"SLACK_APP_TOKEN was refused by Slack ({error}): use the app-level token "
                    "(xapp-…) with the connections:write scope"
                ) from None
            reason = f"HTTP {err.response.status_code}: {error or 'no error code'}"
        except OSError as err:
            reason = f"{type(err).__name__}: {err}"
        else:
            self.handler.connect()  # type: ignore[no-untyped-call]
            log.info("Socket Mode connected")
            return True
        log.warning(
            "Socket Mode: apps.connections.open failed (%s); retrying in %.0f s", reason, retry_in
        )
        return False

    def close(self) -> None:
        self._closed.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.handler.close()  # type: ignore[no-untyped-call]
