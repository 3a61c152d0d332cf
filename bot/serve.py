"""``baton serve``: one aiohttp server for Slack, Teams and health, plus the in-process workers
(the outbox sender and the scheduler)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from bot.bootstrap import Baton
from bot.outbox import SenderThread

log = logging.getLogger(__name__)

Mount = Callable[[web.Application, Baton], None]
"""Adds one platform's routes to the web app and its notifier to ``baton.notifiers``."""

Worker = Callable[[Baton], Callable[[], None]]
"""Starts a background worker for ``baton``; returns the function that stops it."""

BATON_KEY = web.AppKey("baton", Baton)


@dataclass
class Server:
    baton: Baton
    mounts: list[Mount] = field(default_factory=list)
    workers: list[Worker] = field(default_factory=list)
    _stops: list[Callable[[], None]] = field(default_factory=list)

    def web_app(self) -> web.Application:
        app = web.Application()
        app[BATON_KEY] = self.baton
        app.router.add_get("/healthz", _healthz)
        for mount in self.mounts:
            mount(app, self.baton)
        app.on_startup.append(self._start_workers)
        app.on_cleanup.append(self._stop_workers)
        return app

    async def _start_workers(self, _app: web.Application) -> None:
        sender = SenderThread(self.baton.sender())
        sender.start()
        self._stops.append(sender.stop)
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
