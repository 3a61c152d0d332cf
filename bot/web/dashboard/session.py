"""Who is asking: the signed link or cookie, verified before anything else is read.

Opening a link (``?t=…``) sets the session cookie and redirects to the same page without the
token, so the token leaves the address bar and the history. The cookie holds the same signed
token: every request verifies it again, so an expired link or a rotated secret ends the session
at once, and nothing is kept on the server.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from bot.baton import Baton
from routing.dashboard.ports import DashboardReads
from routing.dashboard.scope import Viewer
from routing.dashboard.tokens import Grant, InvalidToken, verify
from routing.errors import UnknownPerson
from routing.roles import Platform
from routing.usecases.context import Ctx
from routing.usecases.dashboard import viewer_of

COOKIE = "baton_dashboard"
T = TypeVar("T")
Work = Callable[[Ctx, Viewer, DashboardReads], T]


def grant_of(baton: Baton, token: str | None, now: datetime) -> Grant:
    """The token's grant, or :class:`InvalidToken` (missing, forged, expired, no secret)."""
    links = baton.relay.config.dashboard
    if links is None:
        raise InvalidToken("no dashboard on this server")
    return verify(token, links.secret(), now)


def as_viewer(baton: Baton, token: str | None, work: Work[T]) -> T:
    """Verify ``token``, find its person, and run ``work`` as them in one read-only snapshot.

    Raises :class:`InvalidToken` for a bad token or an unknown person, and ``NotAllowed`` for
    someone who is no longer a manager nor in a rotation.
    """
    now = baton.clock()
    grant = grant_of(baton, token, now)
    platform, _, user_id = grant.subject.partition(":")
    if platform not in {p.value for p in Platform} or not user_id:
        raise InvalidToken("unknown user")

    def as_them(ctx: Ctx) -> T:
        return work(ctx, viewer_of(ctx, ctx.actor), ctx.uow.dashboard)

    try:
        return baton.relay.read_as(Platform(platform), user_id, as_them)
    except UnknownPerson:
        raise InvalidToken("unknown user") from None
