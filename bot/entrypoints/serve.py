"""``baton serve``: one aiohttp server for Slack, Teams and health, plus the in-process workers
(the outbox sender and the scheduler)."""

from __future__ import annotations

import asyncio
import errno
import logging
import multiprocessing
import signal
import socket
import sys
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from bot.baton import Baton, Worker
from bot.bootstrap import build
from bot.config import Settings, StartupError
from bot.entrypoints.crm_worker import mount_hubspot_events, start_crm_sender
from bot.entrypoints.scheduler import start_scheduler
from bot.ops.logs import request_ids, say, setup_logging
from bot.ops.metrics import mount_metrics, timed_requests
from bot.outbox.sender import SenderThread
from bot.web.api import api_answers, body_limit, too_large
from bot.web.calcom import mount_calcom
from bot.web.charts import mount_charts
from bot.web.dashboard.routes import mount_dashboard
from bot.web.webhook import mount_webhook

log = logging.getLogger(__name__)

Mount = Callable[[web.Application, Baton], None]
"""Adds routes (one platform's, the dashboard's, the webhook's) to the web app."""

__all__ = [
    "Server",
    "StartupError",
    "check_port_free",
    "make_server",
    "run_workers",
    "serve_forever",
]

BATON_KEY = web.AppKey("baton", Baton)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


KEEPALIVE_TIMEOUT_SECONDS = 15.0
"""An idle connection, or one that has not sent its headers, is closed after this long."""
BODY_TIMEOUT_SECONDS = 10.0
"""A request body must arrive within this long (Slack sends it at once; a slow one is an attack)."""
MAX_BODY_BYTES = 1024 * 1024
"""The most body bytes any route reads (an API route declares its own, smaller, limit)."""
APP_HANDLER_ARGS = {"auto_decompress": False}
"""aiohttp's request handler, whichever runner serves the app: bodies reach the routes as sent.
aiohttp would otherwise inflate a ``Content-Encoding`` before any route runs, answering an
encoding it lacks (``br``) or a broken one in text/plain; ``POST /leads`` decides what it
inflates (``bot/web/webhook.py``), after the sender is verified."""
LINGERING_SECONDS = 2.0
"""After refusing a request, how long aiohttp keeps reading what the client still sends."""
HANDLER_OPTIONS = {
    "keepalive_timeout": KEEPALIVE_TIMEOUT_SECONDS,
    "lingering_time": LINGERING_SECONDS,
}
HEALTH_TIMEOUT_SECONDS = 2.0
"""``/healthz`` answers 503 when the database has not answered a read within this long."""


class ClientErrorsAsInfo(logging.Filter):
    """aiohttp logs a request it cannot parse as HTTP (a URL or header over 8 KiB, a bad
    chunk) as an ERROR with a traceback, though the client is at fault and has its 400: the
    line is kept, at INFO, without the traceback, so a traceback in the log is always Baton's."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError) and 400 <= error.code < 500:
            said = error.message.splitlines()[0][:200] if error.message else ""
            record.msg, record.args = f"{record.getMessage()}: {error.code} {said}", ()
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info = record.exc_text = None
        return True


def quiet_client_errors() -> None:
    """Filter aiohttp's request-handling log once per process (see :class:`ClientErrorsAsInfo`)."""
    logger = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, ClientErrorsAsInfo) for f in logger.filters):
        logger.addFilter(ClientErrorsAsInfo())


@dataclass
class Server:
    baton: Baton
    mounts: list[Mount] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    sender: bool = True
    """Run the outbox sender thread (tests turn it off and drive the outbox themselves)."""
    body_timeout: float = BODY_TIMEOUT_SECONDS
    health_timeout: float = HEALTH_TIMEOUT_SECONDS
    _stops: list[Callable[[], None]] = field(default_factory=list)
    _sender: SenderThread | None = None
    _health: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(2, thread_name_prefix="health")
    )

    def web_app(self) -> web.Application:
        quiet_client_errors()
        app = web.Application(
            middlewares=[
                request_ids,
                timed_requests,
                api_answers,
                self._bounded_bodies,
                self._wake_sender_after_posts,
            ],
            client_max_size=MAX_BODY_BYTES,
            handler_args=APP_HANDLER_ARGS,
        )
        app[BATON_KEY] = self.baton
        app.router.add_get("/healthz", self._healthz)
        for mount in self.mounts:
            mount(app, self.baton)
        app.on_startup.append(self._start_workers)
        app.on_cleanup.append(self._stop_workers)
        return app

    @web.middleware
    async def _bounded_bodies(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Read the whole body first, within :data:`BODY_TIMEOUT_SECONDS` (handlers then get
        it from aiohttp's cache), so a client trickling bytes cannot hold a request open; a body
        longer than its route reads is refused by its ``Content-Length`` before it is read."""
        if request.can_read_body:
            limit = body_limit(request, MAX_BODY_BYTES)
            size = request.content_length
            if size is not None and size > limit:
                raise web.HTTPRequestEntityTooLarge(limit, size, text=too_large(limit))
            try:
                await asyncio.wait_for(request.read(), self.body_timeout)
            except TimeoutError:
                log.info("closed a request whose body took over %.0f s", self.body_timeout)
                raise web.HTTPRequestTimeout(text="request body too slow") from None
            except web.HTTPRequestEntityTooLarge as refused:
                raise web.HTTPRequestEntityTooLarge(
                    limit, MAX_BODY_BYTES + 1, text=too_large(limit)
                ) from refused
            except HttpProcessingError as broken:  # a broken chunked body, say
                unreadable = f"the body is not readable: {broken.message}"
                raise web.HTTPBadRequest(text=unreadable) from None
        return await handler(request)

    @web.middleware
    async def _wake_sender_after_posts(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """A POST may have queued messages: deliver them now rather than at the next poll."""
        response = await handler(request)
        if request.method == "POST":
            self.wake_sender()
        return response

    def wake_sender(self) -> None:
        """Deliver what the outbox holds now (after an HTTP POST or a Socket Mode envelope)."""
        if self._sender is not None:
            self._sender.wake.set()

    async def _healthz(self, request: web.Request) -> web.Response:
        """Off the event loop, on a read-only connection, bounded: a locked database gives a
        quick 503 and never stalls the requests around it."""
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(
                loop.run_in_executor(self._health, self.baton.stores.check_database),
                self.health_timeout,
            )
        except TimeoutError:
            log.warning("health check: the database did not answer in %.0f s", self.health_timeout)
            return _unhealthy("busy")
        except Exception as err:  # noqa: BLE001 - any failure to read is "unreachable"
            log.warning("health check: database unreachable: %s", err)
            return _unhealthy("unreachable")
        return web.json_response({"status": "ok", "platforms": sorted(self.baton.notifiers)})

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
        self._health.shutdown(wait=False, cancel_futures=True)


def _unhealthy(database: str) -> web.Response:
    return web.json_response({"status": "error", "database": database}, status=503)


NO_PLATFORM = (
    "no chat platform is configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or "
    "SLACK_APP_TOKEN for Socket Mode) for Slack, MICROSOFT_APP_ID and MICROSOFT_APP_PASSWORD for "
    "Teams, or pass --no-platforms to serve without chat (health check, dashboard, webhook)"
)


def make_server(
    settings: Settings,
    baton: Baton | None = None,
    *,
    sender: bool = True,
    require_platform: bool = False,
) -> Server:
    """The server for ``baton`` (built for ``settings`` when not given): each configured chat
    platform's routes and workers, the dashboard, the webhook, and (with ``sender``) the
    scheduler.

    Settings are checked when Baton is built, so a missing variable stops the start with a
    :class:`StartupError` naming it rather than a traceback; with ``require_platform``, so does
    having no platform at all.
    """
    baton = baton or build(settings)
    if require_platform and not baton.platforms:
        baton.close()
        raise StartupError(NO_PLATFORM)
    mounts: list[Mount] = [platform.mount for platform in baton.platforms]
    mounts += [mount_dashboard, mount_charts, mount_webhook, mount_metrics]
    mounts += [mount_hubspot_events, mount_calcom]
    server = Server(baton, mounts, sender=sender)
    for platform in baton.platforms:
        server.workers += platform.workers(server.wake_sender)
    if sender:  # background work, like the sender: tests that drive the outbox run jobs directly
        server.workers.append(start_scheduler)
        server.workers.append(start_crm_sender)
    return server


def check_port_free(host: str, port: int) -> None:
    """Bind the address once before starting, so a port in use is one line, not a traceback."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp does
        try:
            probe.bind((host, port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise StartupError(
                    f"port {port} on {host} is already in use: stop what is listening there "
                    "or choose another with --port"
                ) from None
            raise StartupError(f"cannot listen on {host}:{port}: {err.strerror}") from None


def serve_forever(host: str, port: int, reuse_port: bool = False) -> None:
    """One server process: the web app, its outbox sender and its scheduler.

    ``baton serve`` has migrated the database (and seeded the managers) once before it starts
    these processes, so they do not do it again.
    """
    settings = Settings()
    setup_logging(logging.INFO, settings)  # a spawned worker process starts with none
    server = make_server(settings, build(settings, migrate=False))
    try:
        web.run_app(
            server.web_app(),
            host=host,
            port=port,
            print=None,
            access_log=None,
            reuse_port=reuse_port,
            **HANDLER_OPTIONS,  # type: ignore[arg-type]
        )
    except StartupError as err:  # found while starting the workers (a refused Slack app token)
        say(f"baton serve: {err}", error=True)  # the one line for the admin
        raise SystemExit(2) from None


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
        # A second SIGTERM while the workers stop would raise in the interpreter's own join at
        # exit, a traceback written outside the log (not JSON): the first one is enough.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=30)
