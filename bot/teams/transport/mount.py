"""``POST /api/messages`` on Baton's aiohttp app, and the Teams notifier for the outbox.

Verify, then read: with an app id set, the request's ``Authorization`` JWT is checked by
botbuilder's own authentication classes before anything parses the body, so an unauthenticated
request gets 401 whatever its body holds, and nothing is written or sent. Only then is the body
read as an activity; one that is not (bad JSON, wrong shapes) is a 400 and a warning.

The activity goes through ``adapter.process_activity`` directly rather than
``CloudAdapter.process``, which in botbuilder 4.17.1 answers 500 to every invoke that has a body
(it serialises the already-serialised body).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import jwt
from aiohttp import web
from azure.core.exceptions import DeserializationError
from botbuilder.core import InvokeResponse
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity
from botframework.connector.auth import AuthenticateRequestResult

from bot.baton import Baton, ConversationStore, Worker
from bot.config import Settings, check_teams
from bot.teams.listeners.handler import BatonTeamsBot
from bot.teams.transport.adapter import auth_enabled, make_adapter, warn_if_auth_off
from bot.teams.transport.notifier import TeamsNotifier
from routing.limits import TeamsMessage
from routing.relay import Relay
from routing.roles import Platform

log = logging.getLogger(__name__)

ROUTE = "/api/messages"
TEAMS_CHANNEL = "msteams"
"""The only Bot Framework channel Baton serves; tokens are checked as endorsed for it."""
SERVICE_URL_CLAIM = "serviceurl"


class NotAnActivity(ValueError):
    """The (verified) body is not a Bot Framework activity Baton can read."""


class TeamsPlatform:
    """Teams for one process: the outbox notifier from the start (its credentials checked then),
    and ``POST /api/messages`` once the server mounts it."""

    name = Platform.TEAMS.value

    def __init__(
        self,
        settings: Settings,
        relay: Relay,
        conversations: ConversationStore,
        clock: Callable[[], datetime],
    ) -> None:
        check_teams(settings)
        self.settings = settings
        self.notifier = TeamsNotifier(
            make_adapter(settings), settings, relay, conversations, clock, digests=relay.digest_for
        )

    def mount(self, app: web.Application, baton: Baton) -> None:
        warn_if_auth_off(self.settings)
        endpoint = MessagesEndpoint(make_adapter(self.settings), BatonTeamsBot(baton), baton)
        app.router.add_post(ROUTE, endpoint.handle)

    def workers(self, wake_sender: Callable[[], None]) -> list[Worker]:
        """Teams pushes every activity to the route: nothing runs in the background."""
        return []


class MessagesEndpoint:
    def __init__(self, adapter: CloudAdapter, bot: BatonTeamsBot, baton: Baton) -> None:
        self.adapter = adapter
        self.bot = bot
        self.auth_on = auth_enabled(baton.settings)

    async def handle(self, request: web.Request) -> web.Response:
        auth = await self._authenticate(request)
        if auth is None:
            return web.json_response({"error": "unauthorized"}, status=401)
        try:
            activity = activity_from(await _body(request))
        except NotAnActivity as err:
            log.warning("ignored a Teams request that is not a readable activity: %s", err)
            return web.json_response({"error": "expected a Bot Framework activity"}, status=400)
        if not self._issued_for(auth, activity):
            log.warning("refused a Teams activity whose serviceUrl is not the one its token names")
            return web.json_response({"error": "unauthorized"}, status=401)
        invoke = await self.adapter.process_activity(auth, activity, self.bot.on_turn)
        return _response(invoke)

    async def _authenticate(self, request: web.Request) -> AuthenticateRequestResult | None:
        """The token alone, before the body is read: botbuilder checks signature, issuer,
        audience and the key's endorsement for Teams. The service URL claim is compared with the
        activity's once the (then trusted) body is read."""
        # With auth off botbuilder ignores a missing header but chokes on a junk one: drop it.
        header = request.headers.get("Authorization", "") if self.auth_on else ""
        if self.auth_on and not header.startswith("Bearer "):
            log.warning("refused a Teams request without a Bearer token")
            return None
        unread = Activity(channel_id=TEAMS_CHANNEL)
        try:
            return await self.adapter.bot_framework_authentication.authenticate_request(
                unread, header
            )
        except (PermissionError, jwt.PyJWTError, ValueError) as err:
            log.warning("refused a Teams request: %s", err)
        except Exception as err:  # noqa: BLE001  # botbuilder raises bare Exceptions for bad tokens
            log.warning("could not verify a Teams request's token; refusing it: %r", err)
        return None

    def _issued_for(self, auth: AuthenticateRequestResult, activity: Activity) -> bool:
        """As botbuilder's ``authenticate_channel_token_with_service_url``: the token names the
        service URL replies will go to, and the channel it was endorsed for."""
        if not self.auth_on:
            return True
        claim = auth.claims_identity.get_claim_value(SERVICE_URL_CLAIM)
        return bool(claim == activity.service_url and activity.channel_id == TEAMS_CHANNEL)


async def _body(request: web.Request) -> Any:
    if "application/json" not in request.headers.get("Content-Type", ""):
        raise NotAnActivity("the body is not JSON")
    raw = await request.read()
    if len(raw) > TeamsMessage.INCOMING_BODY:
        raise NotAnActivity(f"the body is over {TeamsMessage.INCOMING_BODY} bytes")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as err:
        raise NotAnActivity(f"the body is not JSON ({type(err).__name__})") from err


def activity_from(body: Any) -> Activity:
    """The activity in a JSON body, or ``NotAnActivity`` for shapes the schema does not allow."""
    if not isinstance(body, dict):
        raise NotAnActivity(f"the body is a JSON {type(body).__name__}, not an object")
    try:
        activity = Activity().deserialize(body)
    except (DeserializationError, TypeError, ValueError, AttributeError, RecursionError) as err:
        raise NotAnActivity(f"a field does not have its schema's shape ({err!s:.200})") from err
    if not isinstance(activity.type, str) or not activity.type:
        raise NotAnActivity("the activity has no type")
    return activity


def _response(invoke: InvokeResponse | None) -> web.Response:
    if invoke is None:
        return web.Response(status=200)
    body = invoke.body
    if body is None:
        return web.Response(status=invoke.status or 200)
    return web.json_response(body, status=invoke.status or 200)
