"""Slack in ``baton serve``: the ``POST /slack/events`` route (or a Socket Mode connection) and the
Slack notifier of the outbox.

The route verifies the signature on the raw bytes first (:mod:`bot.slack.transport.signature`);
only then is the body parsed (:mod:`bot.slack.transport.envelope`) and handed to the synchronous
Bolt app in a thread pool, so the event loop never waits on the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response

from bot.baton import Baton, Worker
from bot.config import Settings, StartupError
from bot.slack.transport.app import (
    ACK_PATH_TIMEOUT_SECONDS,
    OUTBOX_TIMEOUT_SECONDS,
    build_app,
    web_client,
)
from bot.slack.transport.envelope import Unreadable, bolt_request, origin, parse_body
from bot.slack.transport.notifier import SlackNotifier
from bot.slack.transport.signature import unverified_because
from bot.slack.transport.socket_mode import SocketModeWorker
from routing.relay import Relay
from routing.roles import Platform

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
DISPATCH_THREADS = 4
"""Threads running Bolt: on SQLite they queue for the write lock anyway (2 or 4 measure the same);
on PostgreSQL more of them overlap their network waits."""


class SlackMode(StrEnum):
    HTTP = "http"
    SOCKET = "socket"


def slack_mode(settings: Settings) -> SlackMode | None:
    """How Slack reaches Baton with these settings; None without Slack credentials at all.

    Raises :class:`StartupError` naming the missing variable when the credentials are partial.
    """
    if not settings.slack_bot_token:
        if settings.slack_signing_secret or settings.slack_app_token:
            raise StartupError(
                "SLACK_BOT_TOKEN is not set: Slack needs the app's bot token (xoxb-…)"
            )
        return None
    if settings.slack_app_token:
        return SlackMode.SOCKET
    if not settings.slack_signing_secret:
        raise StartupError(
            "SLACK_SIGNING_SECRET is not set: it verifies that requests come from Slack "
            "(or set SLACK_APP_TOKEN to use Socket Mode)"
        )
    return SlackMode.HTTP


class SlackRuntime:
    """The Bolt app and its thread pool of one running server."""

    def __init__(self, baton: Baton) -> None:
        settings = baton.settings
        self.signing_secret = settings.slack_signing_secret or ""
        self.api_origins = tuple(filter(None, [origin(settings.slack_api_url)]))
        self.dispatcher = ThreadPoolExecutor(DISPATCH_THREADS, thread_name_prefix="slack")
        client = web_client(
            settings.slack_bot_token or "", settings.slack_api_url, ACK_PATH_TIMEOUT_SECONDS
        )
        self.app, self.deps = build_app(baton, client)

    async def handle(self, request: web.Request) -> web.Response:
        """``POST /slack/events``: events, slash commands and interactivity alike."""
        body = await request.read()
        why = unverified_because(self.signing_secret, request.headers, body, time.time())
        if why is not None:
            log.info("refused an unverified Slack request from %s: %s", request.remote, why)
            return web.Response(status=401, text="unverified")
        try:
            parsed = parse_body(body, request.content_type)
        except Unreadable as err:
            log.warning("a signed Slack request had a body Baton cannot read: %s", err)
            return web.Response(status=400, text="unreadable body")
        bolt = bolt_request(parsed, request.headers, self.api_origins)
        if bolt is None:
            return web.Response(status=200, text="")
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(self.dispatcher, self.app.dispatch, bolt)
        return await to_aiohttp_response(response)

    def close(self) -> None:
        self.dispatcher.shutdown(wait=True)
        self.deps.close()


class SlackPlatform:
    """Slack for one process: the outbox notifier from the start, and the Bolt runtime (the
    events route, or in Socket Mode the connection) once the server mounts it."""

    name = Platform.SLACK.value

    def __init__(self, settings: Settings, relay: Relay) -> None:
        mode = slack_mode(settings)
        if mode is None:
            raise StartupError("SLACK_BOT_TOKEN is not set: Slack needs the app's bot token")
        self.mode = mode
        self.settings = settings
        self.relay = relay
        self.runtime: SlackRuntime | None = None
        client = web_client(
            settings.slack_bot_token or "", settings.slack_api_url, OUTBOX_TIMEOUT_SECONDS
        )
        self.notifier = SlackNotifier(client, after_lead_dm=self._refresh_home)

    def _refresh_home(self, user_id: str) -> None:
        """A lead card reached ``user_id``'s DMs: their home tab (once the app runs) shows it."""
        if self.runtime is not None:
            self.runtime.deps.home.refresh_later(user_id)

    def _runtime(self, baton: Baton) -> SlackRuntime:
        if self.runtime is None:
            self.runtime = SlackRuntime(baton)
        return self.runtime

    def mount(self, app: web.Application, baton: Baton) -> None:
        """The events route (in HTTP mode), and closing the runtime with the app."""
        runtime = self._runtime(baton)
        if self.mode is SlackMode.HTTP:
            app.router.add_post(EVENTS_PATH, runtime.handle)

        async def close(_app: web.Application) -> None:
            await asyncio.get_running_loop().run_in_executor(None, runtime.close)

        app.on_cleanup.append(close)

    def workers(self, wake_sender: Callable[[], None]) -> list[Worker]:
        """In Socket Mode, the connection out to Slack (no public URL)."""
        if self.mode is not SlackMode.SOCKET:
            return []

        def connect(baton: Baton) -> Callable[[], None]:
            runtime = self._runtime(baton)
            token = baton.settings.slack_app_token or ""
            worker = SocketModeWorker(runtime.app, token, runtime.api_origins, wake_sender)
            worker.start()
            return worker.close

        return [connect]
