"""The Bolt app: every listener registered, one error handler, authorised from configuration.

It is the synchronous ``App``: the use cases are synchronous database code, so the HTTP mount
runs ``App.dispatch`` in a thread pool, and Socket Mode calls it from its own threads.
``process_before_response`` makes every listener finish before Slack gets its answer, which is
how slash-command replies ride in the acknowledgement.

Requests reach ``dispatch`` already verified and parsed (:mod:`bot.slack.transport.signature`,
:mod:`bot.slack.transport.envelope`), so Bolt's own signature check is off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltResponse, Respond
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.baton import Baton
from bot.slack.listeners import actions, commands, events, home, views
from bot.slack.listeners.deps import SlackDeps
from bot.slack.listeners.replies import handle_error

SLACK_API_URL = "https://slack.com/api/"
ACK_PATH_TIMEOUT_SECONDS = 2
"""For calls made while Slack waits for the acknowledgement (users.info, views.open): 3 s in all."""
OUTBOX_TIMEOUT_SECONDS = 10
BOLT_TOKEN_NOTICE = "As you gave `client` as well, `token` will be unused."
"""Bolt reads ``SLACK_BOT_TOKEN`` from the environment even when given a client, then warns."""


def web_client(token: str | None, api_url: str | None, timeout: int) -> WebClient:
    """A Web API client at ``api_url`` (``SLACK_API_URL``; a local double in tests).

    It retries nothing itself: on the acknowledgement path there is no time to, and the outbox
    schedules its own retries rather than sleep in the sender thread.
    """
    base_url = (api_url or SLACK_API_URL).rstrip("/") + "/"
    client = WebClient(token=token, base_url=base_url, timeout=timeout)
    client.retry_handlers = []
    return client


class _WithoutTheEnvTokenNotice(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != BOLT_TOKEN_NOTICE


def build_app(baton: Baton, client: WebClient) -> tuple[App, SlackDeps]:
    """The app, and what its listeners share (close ``deps.home`` and ``deps.identity``).

    Bolt gets a client without a token: the token comes from ``authorize`` with every request,
    which is what keeps Bolt from asking ``auth.test`` before it runs a listener.
    """
    deps = SlackDeps.of(baton, client)
    identity = deps.identity
    bolt_logger = logging.getLogger("slack_bolt.App")
    notice_filter = _WithoutTheEnvTokenNotice()
    bolt_logger.addFilter(notice_filter)

    def authorize(
        enterprise_id: str | None, team_id: str | None, user_id: str | None
    ) -> AuthorizeResult:
        return identity.authorize(enterprise_id, team_id, user_id)

    def skip_own(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
        """Bolt passes middleware arguments by name: ``next`` it must be."""
        return identity.skip_own_messages(body, next)

    try:
        app = App(
            client=web_client(None, client.base_url, int(client.timeout)),
            authorize=authorize,
            before_authorize=skip_own,
            request_verification_enabled=False,
            process_before_response=True,
        )
    finally:
        bolt_logger.removeFilter(notice_filter)

    @app.error
    def on_error(
        error: Exception, body: dict[str, Any], respond: Respond | None
    ) -> BoltResponse | None:
        return handle_error(deps, error, body, respond)

    for listeners in (commands, actions, views, events):
        listeners.register(app, deps)
    home.register(app, deps.home)
    return app, deps
