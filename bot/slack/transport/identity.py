"""Who Baton is in Slack, so intake never waits for Slack to answer.

Bolt, given only a token, calls ``auth.test`` on every request until one succeeds, and while Slack
fails it answers 200 without running a listener: Slack never redelivers, the post is lost. Here
the authorisation comes from configuration (the bot token), and Baton's own messages are told
apart by what each event carries (:func:`written_by_this_app`): the message's ``app_id`` (or its
``bot_profile``'s) against the envelope's ``api_app_id``, and the bot user the envelope's
``authorizations`` name. ``auth.test`` is still asked on a background thread, for Bolt's own
skipping of the bot's events, but nothing waits for it: a form app's post during an outage
(and a restart inside it) is taken in at once, never answered 503.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt import BoltResponse
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0


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

    def skip_own_messages(
        self, body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        """Bolt's ``before_authorize``: a message Baton wrote itself is acknowledged and goes no
        further; any other goes on at once, whether or not ``auth.test`` has answered."""
        if written_by_this_app(body, self._ids):
            return BoltResponse(status=200, body="")
        return next()


def written_by_this_app(body: Mapping[str, Any], known: BotIds | None = None) -> bool:
    """True for a message event this app posted, read from the event alone (no API call).

    Slack puts the receiving app's id in every event envelope (``api_app_id``) and the posting
    app's id in a message an app wrote (``app_id``, and ``bot_profile.app_id``); the bot user the
    event is delivered to is in ``authorizations`` (``is_bot``). The ids ``auth.test`` gave,
    when known, are checked too. A form app's ``bot_message`` carries another app's ids.
    """
    event = body.get("event")
    if not isinstance(event, Mapping) or event.get("type") != "message":
        return False
    this_app = body.get("api_app_id")
    profile = event.get("bot_profile")
    posted_by = (
        event.get("app_id"),
        profile.get("app_id") if isinstance(profile, Mapping) else None,
    )
    if isinstance(this_app, str) and this_app and this_app in posted_by:
        return True
    user, bot_id = event.get("user"), event.get("bot_id")
    if isinstance(user, str) and user and user in _bot_users(body):
        return True
    return known is not None and (
        (bool(bot_id) and bot_id == known.bot_id) or (bool(user) and user == known.user_id)
    )


def _bot_users(body: Mapping[str, Any]) -> set[str]:
    """The bot users an event is delivered to, as its envelope's ``authorizations`` name them."""
    found = body.get("authorizations")
    return {
        a["user_id"]
        for a in (found if isinstance(found, list) else [])
        if isinstance(a, Mapping) and a.get("is_bot") is True and isinstance(a.get("user_id"), str)
    }


def _reason(err: Exception) -> str:
    if isinstance(err, SlackApiError):
        return str(err.response.get("error") or err.response.status_code)
    return f"{type(err).__name__}: {err}"
