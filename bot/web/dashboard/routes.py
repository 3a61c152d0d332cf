"""The dashboard's aiohttp routes, mounted by the server of ``bot/entrypoints/serve.py``.

Handlers only translate: the token is verified first (``session.as_viewer``), then the page is
read and rendered in a worker thread, so the event loop never waits on the database. Every page
is ``no-store``, sends no referrer and forbids scripts, frames and outside requests, and is sent
as storable text (:func:`routing.text.storable`): a value stored before that rule held (a lone
surrogate) shows as U+FFFD rather than failing the page.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from importlib import resources
from urllib.parse import urlencode

from aiohttp import web

from bot.baton import Baton
from bot.web.dashboard import pages
from bot.web.dashboard.render import environment
from bot.web.dashboard.session import COOKIE, Work, as_viewer, grant_of
from routing.dashboard.links import DASHBOARD_PATH, TOKEN_PARAM
from routing.dashboard.tokens import InvalidToken
from routing.errors import BatonError, InvalidInput, NotAllowed, NotFound
from routing.text import storable

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def mount_dashboard(app: web.Application, baton: Baton) -> None:
    """Add the dashboard's routes to the server's app."""
    Dashboard(baton).add_routes(app)


class Dashboard:
    def __init__(self, baton: Baton) -> None:
        self.baton = baton
        self.env = environment(baton.settings.baton_currency)
        self.env.globals["crm_on"] = baton.relay.config.crm_sync
        self.secure = baton.settings.public_url().lower().startswith("https://")
        css = resources.files("bot.web.dashboard").joinpath("static/dashboard.css")
        self.css = css.read_text(encoding="utf-8")
        self.trend_cache: pages.TrendCache = {}

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(DASHBOARD_PATH, self.overview)
        app.router.add_get(f"{DASHBOARD_PATH}/leads", self.leads)
        app.router.add_get(f"{DASHBOARD_PATH}/leads/{{lead_id}}", self.lead)
        app.router.add_get(f"{DASHBOARD_PATH}/audit", self.audit)
        app.router.add_get(f"{DASHBOARD_PATH}/crm", self.crm)
        app.router.add_get(f"{DASHBOARD_PATH}/export/{{kind}}.csv", self.export)
        app.router.add_get(f"{DASHBOARD_PATH}/static/dashboard.css", self.stylesheet)

    # --- pages ------------------------------------------------------------------------------

    async def overview(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        return await self._page(
            request,
            lambda ctx, viewer, reads: pages.overview_page(
                self.env, ctx, viewer, reads, query, self.trend_cache
            ),
        )

    async def leads(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        return await self._page(
            request,
            lambda ctx, viewer, reads: pages.leads_list_page(self.env, ctx, viewer, reads, query),
        )

    async def lead(self, request: web.Request) -> web.StreamResponse:
        raw = request.match_info["lead_id"].removeprefix("L-")
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and 0 < int(raw) < 2**31):
            return self._message(404, "Not found", "There is no such lead.")
        lead_id = int(raw)
        return await self._page(
            request, lambda ctx, viewer, _reads: pages.lead_page(self.env, ctx, viewer, lead_id)
        )

    async def audit(self, request: web.Request) -> web.StreamResponse:
        query = dict(request.query)
        return await self._page(
            request, lambda ctx, viewer, _reads: pages.audit_page(self.env, ctx, viewer, query)
        )

    async def crm(self, request: web.Request) -> web.StreamResponse:
        return await self._page(
            request, lambda ctx, viewer, _reads: pages.crm_page(self.env, ctx, viewer)
        )

    async def stylesheet(self, _request: web.Request) -> web.StreamResponse:
        return web.Response(
            text=self.css,
            content_type="text/css",
            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    async def _page(self, request: web.Request, work: Work[pages.Page]) -> web.StreamResponse:
        if TOKEN_PARAM in request.query:
            return await self._open_link(request)
        try:
            page = await asyncio.to_thread(as_viewer, self.baton, request.cookies.get(COOKIE), work)
        except BatonError as err:
            return self._refusal(err)
        return _html(page.status, page.html)

    # --- the link and the cookie ------------------------------------------------------------

    async def _open_link(self, request: web.Request) -> web.StreamResponse:
        """Check the link's token, keep it in the session cookie, and drop it from the URL."""
        token = request.query.get(TOKEN_PARAM, "")
        try:
            expires = await asyncio.to_thread(self._expiry_of_link, token)
        except BatonError as err:
            return self._refusal(err)
        rest = [(k, v) for k, v in request.query.items() if k != TOKEN_PARAM]
        location = request.path + (f"?{urlencode(rest)}" if rest else "")
        response = web.Response(status=303, headers={**SECURITY_HEADERS, "Location": location})
        seconds = max(int((expires - self.baton.clock()).total_seconds()), 0)
        response.set_cookie(
            COOKIE,
            token,
            max_age=seconds,
            path=DASHBOARD_PATH,
            httponly=True,
            samesite="Lax",
            secure=self.secure,
        )
        return response

    def _expiry_of_link(self, token: str) -> datetime:
        """When a valid link of someone who may see the dashboard expires."""
        grant = grant_of(self.baton, token, self.baton.clock())
        as_viewer(self.baton, token, lambda _ctx, _viewer, _reads: None)
        return grant.expires

    # --- exports ----------------------------------------------------------------------------

    async def export(self, request: web.Request) -> web.StreamResponse:
        kind = request.match_info["kind"]
        if kind not in ("leads", "events", "numbers"):
            return self._message(
                404, "Not found", "The exports are leads.csv, events.csv and numbers.csv."
            )
        if TOKEN_PARAM in request.query:
            return await self._open_link(request)
        query = dict(request.query)
        numbers = kind == "numbers"
        try:
            export = await asyncio.to_thread(
                as_viewer,
                self.baton,
                request.cookies.get(COOKIE),
                lambda ctx, viewer, _reads: (
                    pages.numbers_export(self.env, ctx, viewer, query)
                    if numbers
                    else pages.export_of(self.env, ctx, viewer, query)
                ),
            )
        except BatonError as err:
            return self._refusal(err)
        if isinstance(export, pages.Page):
            return _html(export.status, export.html)
        stamp = self.baton.clock().strftime("%Y-%m-%d")
        headers = {
            **SECURITY_HEADERS,
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="baton-{kind}-{stamp}.csv"',
        }
        if isinstance(export, str):  # the numbers: small, so written in one piece
            return web.Response(body=storable(export).encode("utf-8"), headers=headers)
        response = web.StreamResponse(headers=headers)
        chunks = self.baton.stores.export.chunks(
            kind, export.filters, export.period, export.names, export.currency
        )
        await response.prepare(request)
        await _stream(response, chunks)
        await response.write_eof()
        return response

    # --- refusals ---------------------------------------------------------------------------

    def _refusal(self, err: BatonError) -> web.Response:
        if isinstance(err, InvalidToken):
            log.info("dashboard: refused a link (%s)", err.why)
            return self._unauthorized(
                "Your dashboard link has expired or is not valid."
                if err.why != "missing"
                else "You need a dashboard link to see this page."
            )
        if isinstance(err, NotAllowed):
            log.info("dashboard: refused a person who may not see it")
            return self._unauthorized(err.message)
        if isinstance(err, NotFound):
            return self._message(404, "Not found", err.message)
        if isinstance(err, InvalidInput):
            return self._message(400, "Those filters don't work", err.message)
        return self._message(400, "That didn't work", err.message)

    def _unauthorized(self, message: str) -> web.Response:
        response = self._message(401, "Dashboard link needed", message, how_to=True)
        response.del_cookie(COOKIE, path=DASHBOARD_PATH)
        return response

    def _message(
        self, status: int, heading: str, message: str, *, how_to: bool = False
    ) -> web.Response:
        html = self.env.get_template("message.html").render(
            heading=heading, message=message, how_to=how_to, viewer=None
        )
        return _html(status, html)


def _html(status: int, html: str) -> web.Response:
    return web.Response(
        status=status, text=storable(html), content_type="text/html", headers=SECURITY_HEADERS
    )


async def _stream(response: web.StreamResponse, chunks: Iterator[tuple[bytes, int]]) -> None:
    """Write ``chunks`` as they are read, each read in one dedicated thread off the loop."""
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="baton-export") as reader:
        try:
            while True:
                chunk = await loop.run_in_executor(reader, next, chunks, None)
                if chunk is None:
                    break
                await response.write(chunk[0])
        except (ConnectionResetError, asyncio.CancelledError):
            log.info("dashboard: an export was cancelled by the client")
            raise
        finally:
            await loop.run_in_executor(reader, chunks.close)  # type: ignore[attr-defined]
