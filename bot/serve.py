"""``baton serve``: one aiohttp server for Slack, Teams and health, plus the in-process workers
(the outbox sender and the scheduler)."""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.bootstrap import Baton, build
from bot.config import Settings
from bot.outbox import SenderThread

log = logging.getLogger(__name__)

Mount = Callable[[web.Application, Baton], None]
"""Adds one platform's routes to the web app and its notifier to ``baton.notifiers``."""

Worker = Callable[[Baton], Callable[[], None]]
"""Starts a background worker for ``baton``; returns the function that stops it."""

BATON_KEY = web.AppKey("baton", Baton)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class StartupError(Exception):
    """A setting the server cannot start without; the message names the variable."""


@dataclass
class Server:
    baton: Baton
    mounts: list[Mount] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    sender: bool = True
    """Run the outbox sender thread (tests turn it off and drive the outbox themselves)."""
    _stops: list[Callable[[], None]] = field(default_factory=list)
    _sender: SenderThread | None = None

    def web_app(self) -> web.Application:
        app = web.Application(middlewares=[self._wake_sender_after_posts])
        app[BATON_KEY] = self.baton
        app.router.add_get("/healthz", _healthz)
        for mount in self.mounts:
            mount(app, self.baton)
        app.on_startup.append(self._start_workers)
        app.on_cleanup.append(self._stop_workers)
        return app

    @web.middleware
    async def _wake_sender_after_posts(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """A POST may have queued messages: deliver them now rather than at the next poll."""
        response = await handler(request)
        if request.method == "POST" and self._sender is not None:
            self._sender.wake.set()
        return response

    async def _start_workers(self, _app: web.Application) -> None:
        if self.sender:
            self._sender = SenderThread(self.baton.sender())
            self._sender.start()
            self._stops.append(self._sender.stop)
        for worker in self.workers:
            self._stops.append(worker(self.baton))

    async def _stop_workers(self, _app: web.Application) -> None:
        while self._stops:
            self._stops.pop()()


async def _healthz(request: web.Request) -> web.Response:
    baton = request.app[BATON_KEY]
    try:
        with baton.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception:
        log.exception("health check: database unreachable")
        return web.json_response({"status": "error", "database": "unreachable"}, status=503)
    return web.json_response({"status": "ok", "platforms": sorted(baton.notifiers)})


def make_server(settings: Settings, baton: Baton | None = None, *, sender: bool = True) -> Server:
    """The server for these settings: a mount (and worker) per platform with credentials.

    Settings are checked before anything is built, so a missing variable stops the start with
    a :class:`StartupError` naming it rather than a traceback.
    """
    from bot.scheduler import start_scheduler
    from bot.slack.mount import SlackMode, slack_platform
    from bot.teams.mount import mount_teams, teams_configured
    from bot.webhook import mount_webhook

    mounts: list[Mount] = [mount_webhook]
    workers: list[Worker] = []
    slack = slack_platform(settings)
    if slack is not None:
        mounts.append(slack.mount)
        if slack.mode is SlackMode.SOCKET:
            workers.append(slack.socket_worker)
    if teams_configured(settings):
        mounts.append(mount_teams)
    if sender:  # background work, like the sender: tests that drive the outbox run jobs directly
        workers.append(start_scheduler)
    return Server(baton or build(settings), mounts, workers, sender=sender)


def serve_forever(host: str, port: int, reuse_port: bool = False) -> None:
    """One server process: the web app, its outbox sender and its scheduler."""
    server = make_server(Settings())
    web.run_app(
        server.web_app(), host=host, port=port, print=None, access_log=None, reuse_port=reuse_port
    )


def run_workers(host: str, port: int, workers: int) -> None:
    """Serve in ``workers`` processes sharing the port (SO_REUSEPORT), so Python uses every core.

    Each process is a full replica — its own sender and scheduler — which the design already
    allows: outbox rows are claimed atomically and each digest period is claimed once.
    """
    if workers == 1:
        serve_forever(host, port)
        return
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(
            target=serve_forever, args=(host, port, True), name=f"baton-{n}", daemon=True
        )
        for n in range(workers)
    ]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # run the finally below
    for process in processes:
        process.start()
    try:
        for process in processes:
            process.join()
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
