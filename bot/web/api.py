"""Routes other systems call (``POST /leads``, other webhooks): every answer is JSON.

A sender is a program: it reads the status and a JSON ``error``, and a text/plain page from the
web framework would leave it guessing. The server's own refusals (a body over the route's
limit, a body too slow, a method the route does not take) come before the route's handler runs,
so :func:`api_answers`, the server's outermost middleware, turns every refusal of an API route
into ``{"error": …}``. Each API route declares the most body bytes it reads, and the server
refuses a larger body by its ``Content-Length`` before reading a byte of it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

API_ROUTES: web.AppKey[dict[str, int]] = web.AppKey("api_routes")
"""Path of each API route → the most body bytes it reads."""
_KEPT_HEADERS = ("Allow",)
"""Headers of a refusal worth keeping in its JSON form (405 says which methods are allowed)."""


def add_api_route(app: web.Application, path: str, handler: Handler, max_body: int) -> None:
    """``POST path`` answered in JSON only, reading at most ``max_body`` bytes of a body."""
    app.router.add_post(path, handler)
    routes = app.get(API_ROUTES) or {}
    app[API_ROUTES] = {**routes, path: max_body}


def body_limit(request: web.Request, default: int) -> int:
    """The most body bytes the route of ``request`` reads (``default`` for other routes)."""
    return request.app.get(API_ROUTES, {}).get(request.path, default)


def too_large(limit: int) -> str:
    return f"the body is larger than {limit // 1024} KiB ({limit:,} bytes)"


def json_refusal(status: int, error: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": error}, status=status, headers=headers)


@web.middleware
async def api_answers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Whatever refuses a request to an API route, the answer is JSON; a bug is logged with its
    traceback and answered ``500 {"error": "internal error"}``."""
    if request.path not in request.app.get(API_ROUTES, {}):
        return await handler(request)
    try:
        return await handler(request)
    except web.HTTPException as refused:
        if refused.status < 400:
            raise
        kept = {k: v for k, v in refused.headers.items() if k in _KEPT_HEADERS}
        return json_refusal(refused.status, _said(refused), kept)
    except Exception:
        log.exception("POST %s failed", request.path)
        return json_refusal(500, "internal error")


def _said(refused: web.HTTPException) -> str:
    """What the refusal says: its own text, else its reason (``Method Not Allowed``)."""
    text = refused.text or ""
    default = f"{refused.status}: {refused.reason}"
    return refused.reason if text in ("", default) else text
