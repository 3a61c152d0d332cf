"""``GET /charts/funnel/<token>.png``: the digest's funnel chart, for chats that fetch images.

A Teams digest card links here instead of carrying the chart inline (see
:mod:`routing.dashboard.chart_links`). The token is the only credential: it is verified (its
signature on the raw bytes, then its expiry) before anything else happens; a bad one gets 401
and nothing is read. A good one names a period, whose digest is rebuilt from the event log in a
read-only snapshot and drawn, off the event loop. A period's chart never changes once it has
ended (events are stamped when they happen), so the last few are kept in memory.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict

from aiohttp import web

from bot.baton import Baton
from routing.dashboard.chart_links import CHART_PATH, verify_chart
from routing.dashboard.tokens import InvalidToken
from routing.metrics import Period
from routing.usecases.digests import period_data

log = logging.getLogger(__name__)

CACHED_CHARTS = 16
HEADERS = {
    "Cache-Control": "private, max-age=86400",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'",
    "Referrer-Policy": "no-referrer",
}


def mount_charts(app: web.Application, baton: Baton) -> None:
    Charts(baton).add_routes(app)


class Charts:
    def __init__(self, baton: Baton) -> None:
        self.baton = baton
        self.drawn: OrderedDict[str, bytes] = OrderedDict()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get(f"{CHART_PATH}/{{token}}.png", self.chart)

    async def chart(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        links = self.baton.relay.config.dashboard
        if links is None:
            return web.Response(status=404, text="Charts are not served here.\n")
        try:
            period = await asyncio.to_thread(
                lambda: verify_chart(token, links.secret(), self.baton.clock())
            )
        except InvalidToken as err:
            log.info("charts: refused a chart link (%s)", err.why)
            return web.Response(status=401, text="This chart link is not valid.\n")
        png = self.drawn.get(token)
        if png is None:
            png = await asyncio.to_thread(self._draw, period)
            self.drawn[token] = png
            while len(self.drawn) > CACHED_CHARTS:
                self.drawn.popitem(last=False)
        return web.Response(body=png, content_type="image/png", headers=HEADERS)

    def _draw(self, period: Period) -> bytes:
        """The period's digest, as the digest notice's rebuild draws it (Matplotlib is imported
        on the first chart, so an idle server does not carry it)."""
        from bot.render.chart import funnel_chart_png

        digest = self.baton.relay.digest_for({"period": period_data(period)})
        return funnel_chart_png(digest.report, digest.previous, currency=digest.currency)
