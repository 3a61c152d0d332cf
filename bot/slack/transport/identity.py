"""Who Baton is in Slack, so intake never waits for Slack to answer.

Bolt, given only a token, calls ``auth.test`` on every request until one succeeds, and while Slack
fails it answers 200 without running a listener: Slack never redelivers, the post is lost. Here
the authorisation comes from configuration (the bot token) and the bot's own ids, which only tell
Baton's own messages apart, are learned by ``auth.test`` on a background thread and cached.
A message written by an app while they are unknown might be Baton's own: it gets a 503, so
Slack delivers it again once Baton knows.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0
WAIT_FOR_IDENTITY_SECONDS = 1.0
"""How long an app-written message waits for ``auth.test`` before it is answered 503."""


@dataclass(frozen=True)
class BotIds:
    user_id: str | None
    bot_id: str | None


class BotIdentity:
    """The bot's user and bot ids, learned once in the background and kept for the process."""

    def __init__(self, client: WebClient, token: str) -> None:
        self.client = client
        self.token = token
        self._ids: BotIds | None = None
        self._known = threading.Event()
        self._closed = threading.Event()
        self._nudge = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def ids(self) -> BotIds | None:
        """The ids when known; the first call starts learning them, without waiting."""
        if self._ids is None:
            self._start()
        return self._ids

    def wait(self, timeout: float) -> BotIds | None:
        """The ids, asking Slack again now rather than at the next backoff step."""
        self._start()
        self._nudge.set()
        self._known.wait(timeout)
        return self._ids

    def _start(self) -> None:
        with self._lock:
            if self._thread is None and not self._closed.is_set():
                self._thread = threading.Thread(
                    target=self._learn, name="slack-identity", daemon=True
                )
                self._thread.start()

    def _learn(self) -> None:
        delay = FIRST_RETRY_SECONDS
        while not self._closed.is_set():
            try:
                answer = self.client.auth_test(token=self.token)
            except (SlackApiError, OSError) as err:
                log.warning("auth.test failed, retrying in %.0f s: %s", delay, _reason(err))
            else:
                self._ids = BotIds(answer.get("user_id"), answer.get("bot_id"))
                self._known.set()
                log.info("Slack bot user %s (bot %s)", self._ids.user_id, self._ids.bot_id)
                return
            self._nudge.clear()
            self._nudge.wait(delay)
            delay = min(delay * 2, MAX_RETRY_SECONDS)

    def close(self) -> None:
        self._closed.set()
        self._nudge.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # --- for Bolt ---

    def authorize(
        self, enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> AuthorizeResult:
        ids = self.ids or BotIds(None, None)
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            bot_token=self.token,
            bot_user_id=ids.user_id,
            bot_id=ids.bot_id,
        )

    def hold_app_messages_until_known(
        self, body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        """Bolt's ``before_authorize``: an app's message while the bot ids are unknown is asked
        again, so authorisation (and Bolt's skipping of Baton's own messages) sees the ids."""
        event = body.get("event")
        written_by_an_app = isinstance(event, dict) and bool(event.get("bot_id"))
        if written_by_an_app and self.ids is None and self.wait(WAIT_FOR_IDENTITY_SECONDS) is None:
            log.warning("an app's message arrived before auth.test answered: asking Slack again")
            return BoltResponse(status=503, body="")
        return next()


def _reason(err: Exception) -> str:
    if isinstance(err, SlackApiError):
        return str(err.response.get("error") or err.response.status_code)
    return f"{type(err).__name__}: {err}"
