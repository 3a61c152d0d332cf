"""The Bolt app: every listener registered, one error handler, requests verified by signature.

It is the synchronous ``App``: the use cases are synchronous database code, so the HTTP mount
runs ``App.dispatch`` in a thread pool, and Socket Mode calls it from its own threads.
``process_before_response`` makes every listener finish before Slack gets its answer, which is
how slash-command replies ride in the acknowledgement.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltResponse, Respond
from slack_sdk import WebClient

from bot.bootstrap import Baton
from bot.slack import actions, commands, events, home, views
from bot.slack.deps import SlackDeps
from bot.slack.replies import handle_error

SLACK_API_URL = "https://slack.com/api/"
ACK_PATH_TIMEOUT_SECONDS = 2
"""For calls made while Slack waits for the acknowledgement (users.info, views.open): 3 s in all."""
OUTBOX_TIMEOUT_SECONDS = 10


def web_client(token: str, api_url: str | None, timeout: int) -> WebClient:
    """A Web API client at ``api_url`` (``SLACK_API_URL``; a local double in tests).

    It retries nothing itself: on the acknowledgement path there is no time to, and the outbox
    schedules its own retries rather than sleep in the sender thread.
    """
    base_url = (api_url or SLACK_API_URL).rstrip("/") + "/"
    client = WebClient(token=token, base_url=base_url, timeout=timeout)
    client.retry_handlers = []
    return client


def build_app(baton: Baton, client: WebClient, signing_secret: str | None) -> tuple[App, SlackDeps]:
    """The app, and what its listeners share (close ``deps.home`` when done)."""
    deps = SlackDeps.of(baton, client)
    app = App(
        client=client,
        signing_secret=signing_secret or "",
        process_before_response=True,
        token_verification_enabled=False,
    )

    @app.error
    def on_error(
        error: Exception, body: dict[str, Any], respond: Respond | None
    ) -> BoltResponse | None:
        return handle_error(deps, error, body, respond)

    for listeners in (commands, actions, views, events):
        listeners.register(app, deps)
    home.register(app, deps.home)
    return app, deps
