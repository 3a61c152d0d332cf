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
from dataclasses import dataclass, field
from enum import StrEnum

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response

from bot.bootstrap import Baton
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
    """The Bolt app, its thread pools and the outbox notifier of one running server."""

    def __init__(self, baton: Baton) -> None:
        settings = baton.settings
        token = settings.slack_bot_token or ""
        self.signing_secret = settings.slack_signing_secret or ""
        self.api_origins = tuple(filter(None, [origin(settings.slack_api_url)]))
        self.dispatcher = ThreadPoolExecutor(DISPATCH_THREADS, thread_name_prefix="slack")
        client = web_client(token, settings.slack_api_url, ACK_PATH_TIMEOUT_SECONDS)
        self.app, self.deps = build_app(baton, client)
        self.notifier = SlackNotifier(
            web_client(token, settings.slack_api_url, OUTBOX_TIMEOUT_SECONDS),
            after_lead_dm=self.deps.home.refresh_later,
            digests=baton.relay.digest_for,
        )

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


@dataclass
class SlackPlatform:
    """Slack for one server: its mount and, in Socket Mode, its worker share one runtime."""

    mode: SlackMode
    runtime: SlackRuntime | None = None
    after_envelope: list[Callable[[], None]] = field(default_factory=list)
    """Called after each Socket Mode envelope (the server wakes its outbox sender)."""

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
        runtime = self.runtime_for(baton)
        worker = socket_mode_worker(
            runtime,
            baton.settings.slack_app_token or "",
            lambda: [f() for f in self.after_envelope],
        )
        worker.start()
        return worker.close


def socket_mode_worker(
    runtime: SlackRuntime, app_token: str, after_envelope: Callable[[], object]
) -> SocketModeWorker:
    return SocketModeWorker(runtime.app, app_token, runtime.api_origins, after_envelope)


def slack_platform(settings: Settings) -> SlackPlatform | None:
    mode = slack_mode(settings)
    return SlackPlatform(mode) if mode is not None else None
