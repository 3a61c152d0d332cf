"""Teams end to end: activities in Teams' documented shapes, and a Bot Connector double.

``TeamsWorld`` serves the real aiohttp app (``Server(baton, mounts=[teams.mount])``) and a
connector double on loopback ports. Activities carry ``serviceUrl`` = the double, so every reply,
card update and proactive message Baton sends lands there and is recorded. The outbox sender
thread is off: tests call ``world.deliver()`` and move the FakeClock past retry times.

Every activity ``Teams`` builds starts from a recorded shape in ``tests/fixtures/teams/`` (their
README names the Microsoft document each comes from) and fills in only what varies: ids, sender,
conversation, text with its ``<at>Name</at>`` mentions and their entities, and a card's value.
The connector double answers with the recorded ``ResourceResponse``,
``ConversationResourceResponse`` and ``ErrorResponse`` shapes the same way.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
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

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "teams"
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
    def member(self) -> dict[str, str]:
        """How Teams names a person in ``membersAdded`` and as an event's sender (no name)."""
        return {"id": self.id, "aadObjectId": self.aad}

    @property
    def chat(self) -> str:
        """The id of this user's personal chat with Baton."""
        return personal_chat(self.id)


def personal_chat(user_id: str) -> str:
    """The id the connector double gives a person's 1:1 chat with Baton."""
    return f"a:1personal-{user_id.removeprefix('29:')}"


def fixture(name: str) -> dict[str, Any]:
    """A recorded shape from ``tests/fixtures/teams/<name>.json`` (a fresh copy)."""
    parsed: dict[str, Any] = json.loads(_recorded_text(name))
    return parsed


@cache
def _recorded_text(name: str) -> str:
    return (FIXTURES / f"{name}.json").read_text(encoding="utf-8")


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
    members: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The roster by user id (``TeamsChannelAccount``s); anyone else is answered 404."""
    roster_lookups: list[tuple[str, str]] = field(default_factory=list)
    """(conversation, user id) of each ``GET …/members/{user id}``."""
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._send)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._send)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._update)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        return app

    def add_member(self, user: User, email: str | None, upn: str | None = None) -> None:
        """``user`` in the roster, with the recorded ``TeamsChannelAccount`` shape."""
        account = fixture("connector_teams_channel_account")
        first, _, last = user.name.partition(" ")
        account.update(id=user.id, name=user.name, givenName=first, surname=last)
        account.update(aadObjectId=user.aad, email=email, userPrincipalName=upn or email)
        self.members[user.id] = {k: v for k, v in account.items() if v is not None}

    async def _member(self, request: web.Request) -> web.Response:
        conversation = unquote(request.match_info["conversation"])
        member = unquote(request.match_info["member"])
        with self._lock:
            self.roster_lookups.append((conversation, member))
        if member not in self.members:
            error = fixture("connector_error_response")
            error["error"]["message"] = "Member not found"
            return web.json_response(error, status=404)
        return web.json_response(self.members[member])

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
        created = fixture("connector_conversation_resource_response")
        created.update(id=personal_chat(member), serviceUrl=self.url)
        if body.get("activity"):
            created["activityId"] = self._next_id()
        else:  # "ID of the Activity (if sent)"
            del created["activityId"]
        return web.json_response(created, status=201)

    async def _send(self, request: web.Request) -> web.Response:
        body = await request.json()
        conversation = unquote(request.match_info["conversation"])
        answer = self._record("POST", conversation, request.match_info.get("activity"), body)
        if answer is not None:
            return answer
        return web.json_response(_resource(self._next_id()), status=201)

    async def _update(self, request: web.Request) -> web.Response:
        body = await request.json()
        conversation = unquote(request.match_info["conversation"])
        activity = unquote(request.match_info["activity"])
        answer = self._record("PUT", conversation, activity, body)
        return answer or web.json_response(_resource(activity))

    def _next_id(self) -> str:
        return f"1{next(self._ids):012d}"

    def _record(
        self, method: str, conversation: str, activity: str | None, body: dict[str, Any]
    ) -> web.Response | None:
        with self._lock:
            status = self.failures.pop(0) if self.failures else 200
            self.calls.append(Call(method, conversation, activity, body, status))
        if status < 300:
            return None
        headers = {"Retry-After": self.retry_after} if status == 429 else {}
        error = fixture("connector_error_response")
        error["error"]["message"] = f"double says {status}"
        return web.json_response(error, status=status, headers=headers)


def _resource(activity_id: str) -> dict[str, Any]:
    """A ``ResourceResponse``: what sending, replying and updating answer."""
    return {**fixture("connector_resource_response"), "id": activity_id}


# --- activities in Teams' shapes --------------------------------------------------------------

_AT = re.compile(r"<at>(.*?)</at>")
_HTML_MENTION = (
    '<span itemtype="http://schema.skype.com/Mention" itemscope="" itemid="{}">{}</span>'
)


@dataclass
class Teams:
    """Builds the activities Teams POSTs to a bot's messaging endpoint from the recorded shapes."""

    service_url: str
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1_700_000_000_001))

    def next_id(self) -> str:
        return str(next(self._ids))

    def _recorded(
        self, name: str, sender: dict[str, str], *, event: bool = False
    ) -> dict[str, Any]:
        """The recorded activity with a new id (``f:…`` for events, invokes and card submits, as
        Teams numbers them), this world's ``serviceUrl``, Baton as recipient and the sender."""
        activity = fixture(name)
        activity.update(
            id=f"f:{self.next_id()}" if event else self.next_id(),
            serviceUrl=self.service_url,
            recipient=dict(BOT),
        )
        activity["from"] = sender
        return activity

    @staticmethod
    def personal(user: User) -> dict[str, Any]:
        return {**fixture("message_personal")["conversation"], "id": user.chat}

    @staticmethod
    def personal_data() -> dict[str, Any]:
        return dict(fixture("message_personal")["channelData"])

    @staticmethod
    def channel_data(channel: str = INTAKE) -> dict[str, Any]:
        data: dict[str, Any] = fixture("message_channel_post")["channelData"]
        data["teamsChannelId"] = data["channel"]["id"] = channel
        return data

    def say_personal(self, user: User, text: str, *mentioned: User) -> dict[str, Any]:
        """A message in the user's 1:1 chat with Baton: no @mention needed."""
        activity = self._recorded("message_personal", user.account)
        activity["conversation"]["id"] = user.chat
        return _said(activity, text, mentioned)

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
        if thread:
            activity = self._recorded("message_thread_reply", user.account)
            activity["replyToId"] = thread
        else:
            shape = "message_channel_mention" if at_baton else "message_channel_post"
            activity = self._recorded(shape, user.account)
        root = thread or activity["id"]
        activity["conversation"]["id"] = f"{channel};messageid={root}"
        activity["channelData"] = self.channel_data(channel)
        if at_baton:
            text = f"<at>{BOT['name']}</at> {text}"
        return _said(activity, text, mentioned, at_baton=at_baton)

    def lead_post(self, user: User, text: str, channel: str = INTAKE) -> dict[str, Any]:
        """A post in an intake channel, which the bot sees thanks to ChannelMessage.Read.Group."""
        return self.say_in_channel(user, text, channel=channel, at_baton=False)

    def submit(
        self, user: User, data: Mapping[str, Any], conversation: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """``Action.Submit``: a message with empty text and the card's data plus inputs as value."""
        activity = self._recorded("message_card_submit", user.account, event=True)
        _converse(activity, user, conversation)
        activity["value"] = dict(data)
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
        activity = self._recorded("invoke_card_action", user.account, event=True)
        _converse(activity, user, conversation)
        if channel_data is not None:
            activity["channelData"] = channel_data
        value = activity["value"]
        value["action"] = {"type": value["action"]["type"], "verb": verb, "data": dict(data)}
        return activity

    def installed_personally(self, user: User) -> dict[str, Any]:
        """``installationUpdate`` (add) when a user installs Baton for themselves."""
        activity = self._recorded("installation_update_add", user.member, event=True)
        activity["conversation"]["id"] = user.chat
        return activity

    def added_to_team(self, by: User, *members: User) -> dict[str, Any]:
        """``conversationUpdate`` in the General channel: Baton (and members) added to the team."""
        activity = self._recorded("conversation_update_bot_added", by.member, event=True)
        activity["membersAdded"] += [m.member for m in members]
        return activity


def _converse(activity: dict[str, Any], user: User, conversation: dict[str, Any] | None) -> None:
    """In ``conversation`` if given, else in the user's 1:1 chat with Baton."""
    if conversation is None:
        activity["conversation"]["id"] = user.chat
    else:
        activity["conversation"] = conversation


def _mention_entity(user_id: str, name: str) -> dict[str, Any]:
    return {
        "type": "mention",
        "text": f"<at>{name}</at>",
        "mentioned": {"id": user_id, "name": name},
    }


def _said(
    activity: dict[str, Any], text: str, mentioned: tuple[User, ...], *, at_baton: bool = False
) -> dict[str, Any]:
    """The text, with ``@Name`` as ``<at>Name</at>``, a mention entity for each (Baton's first
    when it is addressed) in place of the recorded ones, and the ``text/html`` copy Teams sends."""
    for user in mentioned:
        text = text.replace(f"@{user.name}", f"<at>{user.name}</at>")
    mentions = [_mention_entity(BOT["id"], BOT["name"])] if at_baton else []
    mentions += [_mention_entity(user.id, user.name) for user in mentioned]
    kept = [e for e in activity.get("entities", []) if e.get("type") != "mention"]
    activity.update(text=text, entities=mentions + kept)
    activity["attachments"][0]["content"] = _html(text)
    return activity


def _html(text: str) -> str:
    """The ``text/html`` attachment Teams adds to a typed message: mentions become spans."""
    spans = itertools.count()
    return "<p>" + _AT.sub(lambda m: _HTML_MENTION.format(next(spans), m[1]), text) + "</p>"


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
