"""Slack in ``baton serve``: the ``POST /slack/events`` route (or a Socket Mode connection) and the
Slack notifier of the outbox.

The route hands the raw body and headers to the synchronous Bolt app in a thread pool, so the
event loop never waits on the database; Bolt verifies the signature before anything else runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from enum import StrEnum

from aiohttp import web
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.bootstrap import Baton
from bot.config import Settings
from bot.serve import StartupError
from bot.slack.app import (
    ACK_PATH_TIMEOUT_SECONDS,
    OUTBOX_TIMEOUT_SECONDS,
    build_app,
    web_client,
)
from bot.slack.notifier import SlackNotifier
from routing.roles import Platform

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
    """The Bolt app, its thread pools and the outbox notifier of one running server."""

    def __init__(self, baton: Baton) -> None:
        settings = baton.settings
        token = settings.slack_bot_token or ""
        self.dispatcher = ThreadPoolExecutor(DISPATCH_THREADS, thread_name_prefix="slack")
        client = web_client(token, settings.slack_api_url, ACK_PATH_TIMEOUT_SECONDS)
        self.app, self.deps = build_app(baton, client, settings.slack_signing_secret)
        self.notifier = SlackNotifier(
            web_client(token, settings.slack_api_url, OUTBOX_TIMEOUT_SECONDS),
            after_lead_dm=self.deps.home.refresh_later,
        )

    async def handle(self, request: web.Request) -> web.Response:
        """``POST /slack/events``: events, slash commands and interactivity alike."""
        body = await request.read()
        bolt_request = BoltRequest(
            body=body.decode("utf-8", errors="replace"),
            query=request.query_string,
            headers={key: request.headers.getall(key) for key in request.headers},
        )
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(self.dispatcher, self.app.dispatch, bolt_request)
        return await to_aiohttp_response(response)

    def close(self) -> None:
        self.dispatcher.shutdown(wait=True)
        self.deps.home.close()


@dataclass
class SlackPlatform:
    """Slack for one server: its mount and, in Socket Mode, its worker share one runtime."""

    mode: SlackMode
    runtime: SlackRuntime | None = None

    def runtime_for(self, baton: Baton) -> SlackRuntime:
        if self.runtime is None:
            self.runtime = SlackRuntime(baton)
        return self.runtime

    def mount(self, app: web.Application, baton: Baton) -> None:
        """Register the notifier; in HTTP mode also the events route."""
        runtime = self.runtime_for(baton)
        baton.notifiers[Platform.SLACK.value] = runtime.notifier
        if self.mode is SlackMode.HTTP:
            app.router.add_post(EVENTS_PATH, runtime.handle)

        async def close(_app: web.Application) -> None:
            await asyncio.get_running_loop().run_in_executor(None, runtime.close)

        app.on_cleanup.append(close)

    def socket_worker(self, baton: Baton) -> Callable[[], None]:
        """Socket Mode: connect out to Slack (no public URL); returns the disconnect."""
        handler = socket_mode_handler(self.runtime_for(baton).app, baton.settings.slack_app_token)
        handler.connect()  # type: ignore[no-untyped-call]
        return handler.close


def socket_mode_handler(app: App, app_token: str | None) -> SocketModeHandler:
    return SocketModeHandler(app, app_token=app_token)


def slack_platform(settings: Settings) -> SlackPlatform | None:
    mode = slack_mode(settings)
    return SlackPlatform(mode) if mode is not None else None
