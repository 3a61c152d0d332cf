"""Teams end to end: activities in Teams' documented shapes, and a Bot Connector double.

``TeamsWorld`` serves the real aiohttp app (``Server(baton, mounts=[teams.mount])``) and a
connector double on loopback ports. Activities carry ``serviceUrl`` = the double, so every reply,
card update and proactive message Baton sends lands there and is recorded. The outbox sender
thread is off: tests call ``world.deliver()`` and move the FakeClock past retry times.

The activity builders (``Teams``) follow the shapes Microsoft documents for bots in Teams:
``channelData`` with ``tenant``, ``team`` and ``channel``; ``<at>Name</at>`` text with ``mention``
entities; ``Action.Submit`` as a message with ``value``; ``Action.Execute`` as an
``adaptiveCard/action`` invoke; ``conversationUpdate`` and ``installationUpdate``.
"""

from __future__ import annotations

import itertools
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aiohttp import web
from sqlalchemy import func, select

from bot.baton import Baton
from bot.bootstrap import build
from bot.config import Settings
from bot.entrypoints.serve import Server
from storage import tables as t
from tests.e2e.slack_double import LoopbackApp

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
TEAM_ID = "19:sales-team@thread.tacv2"
INTAKE = "19:inbound-leads@thread.tacv2"
GENERAL = TEAM_ID
"""A team's General channel has the team's id."""
BOT = {"id": "28:6a0b9c1d-2e3f-4a5b-8c7d-9e0f1a2b3c4d", "name": "Baton"}


@dataclass(frozen=True)
class User:
    id: str
    name: str
    aad: str

    @property
    def account(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad}

    @property
    def chat(self) -> str:
        """The id of this user's personal chat with Baton."""
        return f"a:1personal-{self.id.removeprefix('29:')}"


MAYA = User("29:1maya-manager", "Maya Manager", "aad-maya")
ALICE = User("29:1alice-able", "Alice Able", "aad-alice")
BOB = User("29:1bob-baker", "Bob Baker", "aad-bob")
DAVE = User("29:1dave-closer", "Dave Closer", "aad-dave")
FRANK = User("29:1frank-account", "Frank Account", "aad-frank")
WEB = User("29:1wendy-web", "Wendy Web", "aad-wendy")


# --- the Bot Connector double -----------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    conversation: str
    activity_id: str | None
    body: dict[str, Any]
    status: int

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")

    @property
    def card(self) -> dict[str, Any] | None:
        for attachment in self.body.get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return dict(attachment["content"])
        return None

    def shows(self, words: str) -> bool:
        """The words appear in the text or anywhere in the card."""
        return words in self.text or words in json.dumps(self.card or {}, ensure_ascii=False)

    def buttons(self) -> list[str]:
        card = self.card or {}
        return [action["title"] for action in card.get("actions", [])]

    def verbs(self) -> list[str]:
        card = self.card or {}
        return [_verb(action) for action in card.get("actions", [])]


def _verb(action: Mapping[str, Any]) -> str:
    if action.get("type") == "Action.ShowCard":
        return str(action["card"]["actions"][0]["verb"])
    return str(action.get("verb"))


@dataclass
class ConnectorDouble:
    """Answers like the Bot Connector (``/v3/conversations…``) and records every call.

    ``fail(*statuses)`` makes the next calls answer with those statuses (429 with
    ``Retry-After``), so an outage can be scripted call by call.
    """

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    retry_after: str = "7"
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        return app

    def fail(self, *statuses: int) -> None:
        with self._lock:
            self.failures.extend(statuses)

    def sent(self) -> list[Call]:
        """Successful posts and updates, in order."""
        with self._lock:
            return [c for c in self.calls if c.status < 300]

    def to(self, conversation: str) -> list[Call]:
        return [c for c in self.sent() if c.conversation == conversation and c.method == "POST"]

    def updates(self, conversation: str) -> list[Call]:
        return [c for c in self.sent() if c.conversation == conversation and c.method == "PUT"]

    def created(self) -> list[Call]:
        return [c for c in self.sent() if c.method == "CREATE"]

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        member = body["members"][0]["id"]
        answer = self._record("CREATE", "", None, body)
        if answer is not None:
            return answer
        chat = f"a:1personal-{member.removeprefix('29:')}"
        return web.json_response({"id": chat, "serviceUrl": self.url}, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        conversation = unquote(request.match_info["conversation"])
        answer = self._record("POST", conversation, request.match_info.get("activity"), body)
        if answer is not None:
            return answer
        return web.json_response({"id": f"1{next(self._ids):012d}"}, status=201)

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        conversation = unquote(request.match_info["conversation"])
        activity = unquote(request.match_info["activity"])
        answer = self._record("PUT", conversation, activity, body)
        return answer or web.json_response({"id": activity})

    def _record(
        self, method: str, conversation: str, activity: str | None, body: dict[str, Any]
    ) -> web.Response | None:
        with self._lock:
            status = self.failures.pop(0) if self.failures else 200
            self.calls.append(Call(method, conversation, activity, body, status))
        if status < 300:
            return None
        headers = {"Retry-After": self.retry_after} if status == 429 else {}
        error = {"error": {"code": "ServiceError", "message": f"double says {status}"}}
        return web.json_response(error, status=status, headers=headers)


# --- activities in Teams' shapes --------------------------------------------------------------


@dataclass
class Teams:
    """Builds the activities Teams POSTs to a bot's messaging endpoint."""

    service_url: str
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1_700_000_000_001))

    def next_id(self) -> str:
        return str(next(self._ids))

    def _base(self, kind: str, user: User, conversation: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": kind,
            "id": self.next_id(),
            "timestamp": "2026-11-23T09:00:00.000Z",
            "localTimestamp": "2026-11-23T10:00:00.000+01:00",
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "from": user.account,
            "recipient": dict(BOT),
            "conversation": conversation,
            "locale": "en-US",
            "localTimezone": "Europe/Berlin",
            "entities": [
                {"type": "clientInfo", "locale": "en-US", "country": "US", "platform": "Web"}
            ],
        }

    @staticmethod
    def personal(user: User) -> dict[str, Any]:
        return {"conversationType": "personal", "tenantId": TENANT, "id": user.chat}

    @staticmethod
    def personal_data() -> dict[str, Any]:
        return {"tenant": {"id": TENANT}}

    @staticmethod
    def channel_data(channel: str = INTAKE) -> dict[str, Any]:
        return {
            "teamsChannelId": channel,
            "teamsTeamId": TEAM_ID,
            "channel": {"id": channel},
            "team": {"id": TEAM_ID},
            "tenant": {"id": TENANT},
        }

    def say_personal(self, user: User, text: str, *mentioned: User) -> dict[str, Any]:
        """A message in the user's 1:1 chat with Baton: no @mention needed."""
        activity = self._base("message", user, self.personal(user))
        activity.update(textFormat="plain", channelData=self.personal_data())
        return _with_mentions(activity, text, mentioned)

    def say_in_channel(
        self,
        user: User,
        text: str,
        *mentioned: User,
        channel: str = INTAKE,
        thread: str | None = None,
        at_baton: bool = True,
    ) -> dict[str, Any]:
        """A channel post (a new thread unless ``thread`` names the post it replies to)."""
        activity = self._base("message", user, {})
        root = thread or activity["id"]
        activity["conversation"] = {
            "isGroup": True,
            "conversationType": "channel",
            "tenantId": TENANT,
            "id": f"{channel};messageid={root}",
        }
        if thread:
            activity["replyToId"] = thread
        activity.update(textFormat="plain", channelData=self.channel_data(channel))
        if at_baton:
            text = f"<at>Baton</at> {text}"
            activity["entities"].append(_mention_entity(BOT["id"], "Baton"))
        return _with_mentions(activity, text, mentioned)

    def lead_post(self, user: User, text: str, channel: str = INTAKE) -> dict[str, Any]:
        """A post in an intake channel, which the bot sees thanks to ChannelMessage.Read.Group."""
        return self.say_in_channel(user, text, channel=channel, at_baton=False)

    def submit(
        self, user: User, data: Mapping[str, Any], conversation: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """``Action.Submit``: a message with empty text and the card's data plus inputs as value."""
        activity = self._base("message", user, conversation or self.personal(user))
        activity.update(text="", value=dict(data), channelData=self.personal_data())
        return activity

    def execute(
        self,
        user: User,
        verb: str,
        data: Mapping[str, Any],
        conversation: dict[str, Any] | None = None,
        channel_data: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``Action.Execute``: an ``adaptiveCard/action`` invoke with verb, data and inputs."""
        activity = self._base("invoke", user, conversation or self.personal(user))
        activity.update(
            name="adaptiveCard/action",
            value={
                "action": {"type": "Action.Execute", "id": verb, "verb": verb, "data": dict(data)},
                "trigger": "manual",
            },
            channelData=channel_data or self.personal_data(),
        )
        return activity

    def installed_personally(self, user: User) -> dict[str, Any]:
        """``installationUpdate`` (add) when a user installs Baton for themselves."""
        activity = self._base("installationUpdate", user, self.personal(user))
        activity.update(action="add", channelData={**self.personal_data(), "source": None})
        return activity

    def added_to_team(self, by: User, *members: User) -> dict[str, Any]:
        """``conversationUpdate`` in the General channel: Baton (and members) added to the team."""
        activity = self._base(
            "conversationUpdate",
            by,
            {"isGroup": True, "conversationType": "channel", "tenantId": TENANT, "id": GENERAL},
        )
        added = [dict(BOT)] + [{"id": m.id, "aadObjectId": m.aad} for m in members]
        activity.update(
            membersAdded=added,
            channelData={
                "team": {"id": TEAM_ID, "name": "Sales"},
                "eventType": "teamMemberAdded",
                "tenant": {"id": TENANT},
            },
        )
        return activity


def _mention_entity(user_id: str, name: str) -> dict[str, Any]:
    return {
        "type": "mention",
        "text": f"<at>{name}</at>",
        "mentioned": {"id": user_id, "name": name},
    }


def _with_mentions(
    activity: dict[str, Any], text: str, mentioned: tuple[User, ...]
) -> dict[str, Any]:
    """``@Name`` in ``text`` becomes ``<at>Name</at>`` plus its mention entity, as Teams sends."""
    for user in mentioned:
        text = text.replace(f"@{user.name}", f"<at>{user.name}</at>")
        activity["entities"].append(_mention_entity(user.id, user.name))
    activity["text"] = text
    return activity


# --- the world --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    body: str

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class TeamsWorld:
    baton: Baton
    double: ConnectorDouble
    teams: Teams
    url: str

    def post(self, activity: Mapping[str, Any], token: str | None = None) -> Answer:
        """POST an activity to ``/api/messages`` as the Bot Framework Service does."""
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = token
        request = urllib.request.Request(
            f"{self.url}/api/messages", json.dumps(activity).encode(), headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, response.read().decode())
        except urllib.error.HTTPError as err:
            return Answer(err.code, err.read().decode())

    def deliver(self) -> int:
        """Send everything the outbox holds that is due now (on the test's clock)."""
        return self.baton.sender().drain()

    def rows(self, table: str) -> int:
        with self.baton.engine.connect() as conn:
            query = select(func.count()).select_from(t.metadata.tables[table])
            return int(conn.execute(query).scalar_one())

    def card_ref(self, lead_id: int) -> str | None:
        """The id of the lead's card in its thread, as Baton stored it."""
        with self.baton.engine.connect() as conn:
            query = select(t.leads.c.card_ref).where(t.leads.c.id == lead_id)
            return conn.execute(query).scalar_one_or_none()

    def outbox(self, status: str) -> int:
        with self.baton.engine.connect() as conn:
            query = select(func.count()).select_from(t.outbox).where(t.outbox.c.status == status)
            return int(conn.execute(query).scalar_one())


def teams_settings(database_url: str, **extra: str) -> Settings:
    values = {
        "database_url": database_url,
        "microsoft_app_id": "",
        "baton_teams_intake_channels": INTAKE,
        "baton_managers": MAYA.id,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


@contextmanager
def teams_world(tmp_path: Path, clock: object, **settings: str) -> Iterator[TeamsWorld]:
    """The real app and a connector double, each on its own loopback port and event loop."""
    double = ConnectorDouble()
    with LoopbackApp(double.web_app()) as connector:
        double.url = connector.url + "/"
        baton = build(teams_settings(f"sqlite:///{tmp_path}/teams.db", **settings), clock=clock)  # type: ignore[arg-type]
        server = Server(baton, mounts=[p.mount for p in baton.platforms], sender=False)
        with LoopbackApp(server.web_app()) as served:
            yield TeamsWorld(baton, double, Teams(double.url), served.url)
        baton.engine.dispose()


# --- Bot Framework tokens, signed by a key the test plays Microsoft with -----------------------


@dataclass
class MicrosoftKeys:
    """A signing key botbuilder takes for the Bot Framework's, so tokens can be checked offline.

    botbuilder caches the keys of ``login.botframework.com`` per metadata URL; the test puts its
    own public key there (endorsed for ``msteams``) and puts the cache back afterwards.
    """

    app_id: str
    kid: str = "baton-test-key"

    def __post_init__(self) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    @contextmanager
    def installed(self) -> Iterator[MicrosoftKeys]:
        from datetime import datetime

        from botframework.connector.auth import AuthenticationConstants
        from botframework.connector.auth.jwt_token_extractor import (
            JwtTokenExtractor,
            _OpenIdMetadata,
        )
        from jwt.algorithms import RSAAlgorithm

        url = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
        cache = JwtTokenExtractor.metadataCache
        before = cache.get(url)
        metadata = _OpenIdMetadata(url)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        metadata.keys = [{**jwk, "kid": self.kid, "endorsements": ["msteams"]}]
        metadata.last_updated = datetime.now()
        cache[url] = metadata
        try:
            yield self
        finally:
            if before is None:
                cache.pop(url, None)
            else:
                cache[url] = before

    def token(
        self,
        service_url: str,
        *,
        signer: Any = None,
        kid: str | None = None,
        **claims: Any,
    ) -> str:
        """``Bearer …`` as the Bot Framework Service sends it to the bot (``signer``: forge)."""
        import time

        import jwt

        now = int(time.time())
        payload = {
            "iss": "https://api.botframework.com",
            "aud": self.app_id,
            "serviceurl": service_url,
            "nbf": now - 10,
            "exp": now + 3600,
            **claims,
        }
        key = signer or self.private
        encoded = jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid or self.kid})
        return f"Bearer {encoded}"
