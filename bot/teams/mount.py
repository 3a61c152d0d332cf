"""``POST /api/messages`` on Baton's aiohttp app, and the Teams notifier for the outbox.

The request is authenticated first, on its own: a missing, malformed or forged token gets 401
before the bot runs, so nothing is written. Then the activity goes through
``adapter.process_activity`` directly rather than ``CloudAdapter.process``, which in botbuilder
4.17.1 answers 500 to every invoke that has a body (it serialises the already-serialised body).
"""

from __future__ import annotations

import json
import logging

import jwt
from aiohttp import web
from botbuilder.core import InvokeResponse
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult

from bot.bootstrap import Baton
from bot.config import Settings
from bot.teams.adapter import auth_enabled, make_adapter, warn_if_auth_off
from bot.teams.bot import BatonTeamsBot
from bot.teams.notifier import TeamsNotifier
from routing.roles import Platform

log = logging.getLogger(__name__)

ROUTE = "/api/messages"


def teams_configured(settings: Settings) -> bool:
    """Serve Teams when any Teams variable is set. A Slack-only deployment then exposes no
    unauthenticated ``/api/messages``; to try Teams locally without credentials, set
    ``BATON_TEAMS_INTAKE_CHANNELS`` (or the digest channel) and leave ``MICROSOFT_APP_ID`` empty."""
    return bool(
        settings.microsoft_app_id.strip()
        or settings.teams_intake_channels
        or settings.baton_teams_digest_channel
    )


def mount_teams(app: web.Application, baton: Baton) -> None:
    warn_if_auth_off(baton.settings)
    endpoint = MessagesEndpoint(make_adapter(baton.settings), BatonTeamsBot(baton), baton)
    app.router.add_post(ROUTE, endpoint.handle)
    baton.notifiers[Platform.TEAMS.value] = TeamsNotifier(make_adapter(baton.settings), baton)


class MessagesEndpoint:
    def __init__(self, adapter: CloudAdapter, bot: BatonTeamsBot, baton: Baton) -> None:
        self.adapter = adapter
        self.bot = bot
        self.auth_on = auth_enabled(baton.settings)

    async def handle(self, request: web.Request) -> web.Response:
        activity = await _activity(request)
        if activity is None:
            return web.json_response({"error": "expected a Bot Framework activity"}, status=400)
        auth = await self._authenticate(request, activity)
        if auth is None:
            return web.json_response({"error": "unauthorized"}, status=401)
        invoke = await self.adapter.process_activity(auth, activity, self.bot.on_turn)
        return _response(invoke)

    async def _authenticate(
        self, request: web.Request, activity: Activity
    ) -> AuthenticateRequestResult | None:
        # With auth off botbuilder ignores a missing header but chokes on a junk one: drop it.
        header = request.headers.get("Authorization", "") if self.auth_on else ""
        try:
            return await self.adapter.bot_framework_authentication.authenticate_request(
                activity, header
            )
        except (PermissionError, jwt.PyJWTError) as err:
            log.warning("refused a Teams request: %s", err)
        except Exception:
            log.exception("could not verify a Teams request's token; refusing it")
        return None


async def _activity(request: web.Request) -> Activity | None:
    if "application/json" not in request.headers.get("Content-Type", ""):
        return None
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict):
        return None
    activity = Activity().deserialize(body)
    return activity if activity.type else None


def _response(invoke: InvokeResponse | None) -> web.Response:
    if invoke is None:
        return web.Response(status=200)
    body = invoke.body
    if body is None:
        return web.Response(status=invoke.status or 200)
    return web.json_response(body, status=invoke.status or 200)
