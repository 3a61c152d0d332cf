"""A local stand-in for Slack over real HTTP: the Web API double Baton calls, a loopback runner for
aiohttp apps, and a sender of requests signed exactly as Slack signs them.

The double answers like Slack's Web API (``{"ok": true, …}``, a ``ts`` per posted message, a
``Retry-After`` header with a 429) and records every call it accepted, in order; calls it was told
to fail are kept apart in ``refused``. Payload shapes come from ``tests/fixtures/slack/``.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "slack"
BOT_USER_ID = "UBATON"
BOT_ID = "BBATON"
TEAM_ID = "T0BATON"


def fixture(name: str) -> dict[str, Any]:
    """A recorded payload shape from ``tests/fixtures/slack/<name>.json`` (a fresh copy)."""
    return copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))


# --- the Web API double -----------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.perf_counter)
    answer: dict[str, Any] = field(default_factory=dict)
    """What the double answered (``ts`` of a posted message, …)."""

    @property
    def text(self) -> str:
        return str(self.params.get("text") or "")

    @property
    def blocks(self) -> list[dict[str, Any]]:
        blocks = self.params.get("blocks") or (self.params.get("view") or {}).get("blocks") or []
        return json.loads(blocks) if isinstance(blocks, str) else list(blocks)

    def action_ids(self) -> list[str]:
        return [
            element.get("action_id", "")
            for block in self.blocks
            if block.get("type") == "actions"
            for element in block.get("elements", [])
        ]

    def shows(self, words: str) -> bool:
        """True when ``words`` appear in the call's text or anywhere in its blocks."""
        return words in self.text or words in json.dumps(self.blocks, ensure_ascii=False)


@dataclass
class Failure:
    status: int
    retry_after: int | None = None
    remaining: int | None = 1
    """How many more calls fail this way; None means until :meth:`SlackDouble.recover`."""
    methods: frozenset[str] | None = None
    """The Web API methods (or ``response_url``) that fail this way; None means all."""
    error: str | None = None
    """Slack's ``error`` code (``missing_scope``…); by default ``ratelimited`` for a 429 and
    ``internal_error`` otherwise. Slack answers refusals with HTTP 200 and ``ok: false``."""

    def applies_to(self, method: str) -> bool:
        return self.methods is None or method in self.methods


class SlackDouble:
    """Slack's Web API (and response URLs and file uploads) on a loopback port."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.refused: list[Call] = []
        self.responses: list[Call] = []
        self.uploads: list[bytes] = []
        self.file_names: dict[str, str] = {}
        """The name each file was announced with (``files.getUploadURLExternal``), by file id."""
        self.users: dict[str, dict[str, Any]] = {}
        self.url = ""
        self.socket_url = "wss://127.0.0.1:9/link"
        """What ``apps.connections.open`` answers (a :class:`SocketDouble`'s URL in its tests)."""
        self._failures: list[Failure] = []
        self._ts = itertools.count(1)
        self._changed = threading.Condition()
        self.history: dict[str, list[dict[str, Any]]] = {}
        """Messages posted per channel, oldest first, as ``conversations.history`` shows them."""
        self.clock: Callable[[], float] | None = None
        """Set (e.g. to ``time.time``) for message ts that are Unix times, as Slack's are; by
        default they count up from a fixed moment."""
        self._last_ts = 0.0
        self._stalls: list[Stall] = []
        self.tokens: set[str] | None = None
        """Bot tokens Slack accepts (``invalid_auth`` for others); None: any token."""
        self.scopes: list[str] = manifest_scopes()
        """What the token was granted, in every answer's ``x-oauth-scopes`` header."""
        self.channels: dict[str, dict[str, Any]] = {}
        """What ``conversations.info`` knows, by channel id (:meth:`add_channel`)."""

    # --- set-up ---

    def add_user(self, user_id: str, real_name: str, tz: str = "Europe/Berlin") -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": real_name.split()[0].lower(),
            "real_name": real_name,
            "tz": tz,
            "is_bot": False,
            "profile": {"real_name": real_name, "display_name": real_name.split()[0]},
        }

    def add_channel(self, channel_id: str, name: str, *, member: bool = True) -> None:
        self.channels[channel_id] = {
            "id": channel_id,
            "name": name,
            "is_channel": True,
            "is_private": False,
            "is_archived": False,
            "is_member": member,
            "created": 1700000000,
        }

    def fail(
        self,
        status: int,
        *,
        times: int | None = 1,
        retry_after: int | None = None,
        methods: set[str] | None = None,
        error: str | None = None,
    ) -> None:
        """The next ``times`` calls (None: all until :meth:`recover`) answer ``status``.

        Failures queue up: each call takes the first one that applies to its method.
        """
        scope = frozenset(methods) if methods is not None else None
        with self._changed:
            self._failures.append(Failure(status, retry_after, times, scope, error))

    def stall(self, seconds: float, match: Callable[[Call], bool]) -> None:
        """The next call that ``match``es is accepted and recorded at once, but answered only
        ``seconds`` later: the message is in Slack while its sender still waits (or dies)."""
        with self._changed:
            self._stalls.append(Stall(seconds, match))

    def posted_with_metadata(self, event_type: str) -> list[dict[str, Any]]:
        """Every accepted message carrying metadata of ``event_type``, in every channel."""
        with self._changed:
            return [
                m
                for messages in self.history.values()
                for m in messages
                if (m.get("metadata") or {}).get("event_type") == event_type
            ]

    def recover(self) -> None:
        with self._changed:
            self._failures.clear()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    # --- reading what happened ---

    def to(self, method: str) -> list[Call]:
        with self._changed:
            return [call for call in self.calls if call.method == method]

    def posts(self, channel: str | None = None) -> list[Call]:
        return [
            c
            for c in self.to("chat.postMessage")
            if channel is None or c.params.get("channel") == channel
        ]

    def wait_for(self, match: Callable[[Call], bool], timeout: float = 5.0) -> Call:
        """The first accepted call that ``match``es, waiting up to ``timeout`` seconds for it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = next((c for c in self.calls if match(c)), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    methods = [c.method for c in self.calls]
                    raise AssertionError(f"no matching Slack call within {timeout}s: {methods}")
                self._changed.wait(left)

    # --- the HTTP side ---

    def web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{token}", self._response_url)
        return app

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        call = Call(method, await _params(request))
        failure = self._take_failure(method)
        if failure is not None:
            return self._refuse(call, failure)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.tokens is not None and token not in self.tokens:
            answer = {"ok": False, "error": "invalid_auth"}
        else:
            answer = self._answer(call)
        self._record(self.calls, replace(call, answer=answer))
        stall = self._take_stall(call)
        if stall is not None:
            await asyncio.sleep(stall.seconds)
        return web.json_response(answer, headers={"x-oauth-scopes": ",".join(self.scopes)})

    def _take_stall(self, call: Call) -> Stall | None:
        with self._changed:
            stall = next((s for s in self._stalls if s.match(call)), None)
            if stall is not None:
                self._stalls.remove(stall)
            return stall

    def _take_failure(self, method: str) -> Failure | None:
        with self._changed:
            failure = next((f for f in self._failures if f.applies_to(method)), None)
            if failure is not None and failure.remaining is not None:
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
            return failure

    def _refuse(self, call: Call, failure: Failure) -> web.Response:
        self._record(self.refused, call)
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
        error = failure.error or ("ratelimited" if failure.status == 429 else "internal_error")
        return web.json_response(
            {"ok": False, "error": error}, status=failure.status, headers=headers
        )

    def _record(self, calls: list[Call], call: Call) -> None:
        with self._changed:
            calls.append(call)
            self._changed.notify_all()

    def _answer(self, call: Call) -> dict[str, Any]:
        params = call.params
        channel = str(params.get("channel") or "")
        match call.method:
            case "auth.test":
                return {
                    "ok": True,
                    "url": "https://baton-test.slack.com/",
                    "team": "Baton Test",
                    "user": "baton",
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "bot_id": BOT_ID,
                    "is_enterprise_install": False,
                }
            case "chat.postMessage":
                channel = "D" + channel[1:] if channel.startswith("U") else channel
                ts = self.next_ts()
                self._remember(channel, ts, params)
                return {"ok": True, "channel": channel, "ts": ts, "message": {"ts": ts, **params}}
            case "conversations.history":
                return self._history(params)
            case "conversations.replies":
                return self._replies(params)
            case "chat.update":
                return {"ok": True, "channel": channel, "ts": params.get("ts"), "text": ""}
            case "chat.postEphemeral":
                return {"ok": True, "message_ts": self.next_ts()}
            case "views.open" | "views.publish" | "views.update":
                view = params.get("view")
                view = json.loads(view) if isinstance(view, str) else view
                return {"ok": True, "view": {"id": f"V{next(self._ts):08d}", **(view or {})}}
            case "users.info":
                user_id = str(params.get("user"))
                user = self.users.get(user_id)
                if user and "users:read.email" not in self.scopes:  # Slack leaves it out
                    profile = {k: v for k, v in user["profile"].items() if k != "email"}
                    user = {**user, "profile": profile}
                return (
                    {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}
                )
            case "conversations.open":
                users = str(params.get("users") or "U0")
                return {"ok": True, "channel": {"id": "D" + users.split(",")[0][1:]}}
            case "files.getUploadURLExternal":
                file_id = f"F{next(self._ts):08d}"
                self.file_names[file_id] = str(params.get("filename") or "")
                return {
                    "ok": True,
                    "upload_url": f"{self.url}/upload/{file_id}",
                    "file_id": file_id,
                }
            case "files.completeUploadExternal":
                files = params.get("files")
                files = json.loads(files) if isinstance(files, str) else files or []
                self._share(params, files)
                return {
                    "ok": True,
                    "files": [{"id": f["id"], "title": f.get("title")} for f in files],
                }
            case "conversations.info":
                return self._channel_info(channel)
            case "apps.connections.open":
                return {"ok": True, "url": self.socket_url}
        return {"ok": False, "error": "unknown_method"}

    def _share(self, params: Mapping[str, Any], files: list[dict[str, Any]]) -> None:
        """As Slack does, a completed upload with a ``channel_id`` posts a message sharing the
        files there (in ``conversations.history``, with ``files``)."""
        channel = str(params.get("channel_id") or "")
        if not channel:
            return
        shared = [
            {"id": f["id"], "title": f.get("title"), "name": self.file_names.get(f["id"], "")}
            for f in files
        ]
        message = {
            "type": "message",
            "ts": self.next_ts(),
            "text": params.get("initial_comment", ""),
            "bot_id": BOT_ID,
            "files": shared,
        }
        with self._changed:
            self.history.setdefault(channel, []).append(message)

    def _channel_info(self, channel: str) -> dict[str, Any]:
        """As Slack answers: ``missing_scope`` without channels:read, else the channel or
        ``channel_not_found``."""
        if "channels:read" not in self.scopes:
            return {"ok": False, "error": "missing_scope", "needed": "channels:read"}
        found = self.channels.get(channel)
        if found is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "channel": found}

    def next_ts(self) -> str:
        if self.clock is None:
            return f"1764000000.{next(self._ts):06d}"
        with self._changed:
            self._last_ts = max(self._last_ts + 0.000001, self.clock())
            return f"{self._last_ts:.6f}"

    def _remember(self, channel: str, ts: str, params: Mapping[str, Any]) -> None:
        metadata = params.get("metadata")
        metadata = json.loads(metadata) if isinstance(metadata, str) else metadata
        message = {"type": "message", "ts": ts, "text": params.get("text", ""), "bot_id": BOT_ID}
        if params.get("thread_ts"):
            message["thread_ts"] = params["thread_ts"]
        if metadata:
            message["metadata"] = metadata
        with self._changed:
            self.history.setdefault(channel, []).append(message)

    def _history(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """Newest first from ``oldest`` on, ``limit`` a page, metadata only when asked for; thread
        replies are not in a channel's history (``conversations.replies`` reads them)."""
        channel = str(params.get("channel") or "")
        if channel not in self.history:
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(params.get("oldest") or 0)
        with self._changed:
            found = [
                m
                for m in reversed(self.history[channel])
                if float(m["ts"]) >= oldest and m.get("thread_ts", m["ts"]) == m["ts"]
            ]
        return _page(found, params)

    def _replies(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """A thread oldest first: its parent, then the replies from ``oldest`` on (Slack's
        ``conversations.replies``); ``thread_not_found`` when the channel has neither."""
        channel = str(params.get("channel") or "")
        if channel not in self.history:
            return {"ok": False, "error": "channel_not_found"}
        ts = str(params.get("ts") or "")
        oldest = float(params.get("oldest") or 0)
        with self._changed:
            thread = [
                m
                for m in self.history[channel]
                if m["ts"] == ts or (m.get("thread_ts") == ts and float(m["ts"]) >= oldest)
            ]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        return _page(thread, params)

    async def _upload(self, request: web.Request) -> web.Response:
        data = await request.read()
        with self._changed:
            self.uploads.append(data)
        return web.Response(text=f"OK - {len(data)}")

    async def _response_url(self, request: web.Request) -> web.Response:
        call = Call("response_url", await request.json())
        if self._take_failure("response_url") is not None:
            self._record(self.refused, call)
            return web.Response(status=500, text="internal_error")
        self._record(self.responses, call)
        self._record(self.calls, call)
        return web.Response(text="ok")


@dataclass
class Stall:
    seconds: float
    match: Callable[[Call], bool]


def _page(found: list[dict[str, Any]], params: Mapping[str, Any]) -> dict[str, Any]:
    """One page of ``found`` as Slack pages history: ``limit`` messages from the ``cursor`` on,
    ``has_more`` and ``response_metadata.next_cursor``; metadata only when asked for."""
    limit = int(params.get("limit") or 100)
    start = int(params.get("cursor") or 0)
    with_metadata = str(params.get("include_all_metadata")).lower() in ("true", "1")
    page = [
        m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
        for m in found[start : start + limit]
    ]
    more = start + limit < len(found)
    return {
        "ok": True,
        "messages": page,
        "has_more": more,
        "response_metadata": {"next_cursor": str(start + limit) if more else ""},
    }


async def _params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.can_read_body:
        params.update(dict(await request.post()))
    return params


# --- running aiohttp apps on loopback ---------------------------------------------------------


class LoopbackApp:
    """An aiohttp app served on 127.0.0.1 at a free port, from its own thread and event loop."""

    def __init__(self, app: web.Application, **handler_options: Any) -> None:
        """``handler_options`` go to aiohttp's request handler (``keepalive_timeout``, …)."""
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(app, **handler_options)
        self.thread = threading.Thread(target=self.loop.run_forever, name="loopback", daemon=True)
        self.url = ""

    def __enter__(self) -> LoopbackApp:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(timeout=10)
        return self

    async def _start(self) -> None:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    def __exit__(self, *_exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


# --- requests signed as Slack signs them ------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    headers: Mapping[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``v0=`` + HMAC-SHA256 over ``v0:<timestamp>:<raw body>``, as Slack computes it."""
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


class SignedSlack:
    """Sends what Slack sends to ``/slack/events``, signed with ``secret``."""

    def __init__(self, url: str, secret: str, double: SlackDouble, channel: str) -> None:
        self.url = url
        self.secret = secret
        self.double = double
        self.channel = channel
        self._ids = itertools.count(1)

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: float | None = None,
        signed: bool = True,
        secret: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        stamp = str(int(timestamp if timestamp is not None else time.time()))
        sent = {"Content-Type": content_type, **(headers or {})}
        if signed:
            sent["X-Slack-Request-Timestamp"] = stamp
            sent["X-Slack-Signature"] = signature(secret or self.secret, stamp, body)
        request = urllib.request.Request(
            f"{self.url}/slack/events", data=body, headers=sent, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as err:
            return Answer(err.code, err.read().decode(), dict(err.headers))

    # --- slash commands ---

    def command_body(self, line: str, user: str, channel: str | None = None) -> bytes:
        command, _, text = line.partition(" ")
        form = fixture("slash_command")
        form.update(
            command=command,
            text=text,
            user_id=user,
            user_name=user.lower(),
            channel_id=channel or self.channel,
            trigger_id=f"{next(self._ids)}.42.trigger",
            response_url=f"{self.double.url}/response/cmd-{next(self._ids)}",
        )
        return urllib.parse.urlencode(form).encode()

    def command(self, line: str, user: str, channel: str | None = None) -> Answer:
        """``/lead claim L-1`` typed by ``user``."""
        return self.post(self.command_body(line, user, channel), FORM)

    # --- events ---

    def event_body(self, event: Mapping[str, Any], event_id: str | None = None) -> bytes:
        envelope = fixture("event_callback")
        envelope["event"] = dict(event)
        envelope["event_id"] = event_id or f"Ev{next(self._ids):010d}"
        envelope["event_time"] = int(time.time())
        return json.dumps(envelope).encode()

    def event(
        self, event: Mapping[str, Any], event_id: str | None = None, retry: int | None = None
    ) -> Answer:
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(
            self.event_body(event, event_id), JSON, headers=headers if retry is not None else None
        )

    def message(self, text: str, user: str = "UWEB", ts: str | None = None) -> dict[str, Any]:
        """A person's post in the intake channel (``message.channels``)."""
        event = fixture("message")
        event.update(text=text, user=user, channel=self.channel, ts=ts or self.double.next_ts())
        event["event_ts"] = event["ts"]
        event.pop("blocks", None)
        return event

    def post_lead(self, text: str, user: str = "UWEB") -> str:
        """Post ``text`` in the intake channel; returns the message's ts."""
        event = self.message(text, user)
        answer = self.event(event)
        assert answer.status == 200, answer
        return str(event["ts"])

    # --- interactivity ---

    def interact(self, payload: Mapping[str, Any]) -> Answer:
        body = urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, FORM)

    def click(
        self, action: str, lead_id: int, user: str, where: str = "dm", message_ts: str = "1.1"
    ) -> Answer:
        """Press the ``lead:<action>`` button of lead ``lead_id`` in a DM, a channel or the home."""
        return self.press(f"lead:{action}", str(lead_id), user, where, message_ts)

    def press(
        self, action_id: str, value: str, user: str, where: str = "dm", message_ts: str = "1.1"
    ) -> Answer:
        """Press any button (``action_id``, ``value``) in a DM, a channel or the home."""
        payload = fixture("block_actions_home" if where == "home" else "block_actions")
        payload["user"].update(id=user, username=user.lower(), name=user.lower())
        payload["trigger_id"] = f"{next(self._ids)}.42.trigger"
        payload["actions"][0].update(action_id=action_id, value=value)
        if where != "home":
            channel = "D" + user[1:] if where == "dm" else self.channel
            payload["channel"]["id"] = channel
            payload["container"].update(channel_id=channel, message_ts=message_ts)
            payload["message"]["ts"] = message_ts
            payload["response_url"] = f"{self.double.url}/response/click-{next(self._ids)}"
        return self.interact(payload)

    def submit(self, view: Mapping[str, Any], values: Mapping[str, str], user: str) -> Answer:
        """Submit the modal ``view`` (as Baton opened it) with ``values`` typed in its inputs."""
        payload = fixture("view_submission")
        payload["user"].update(id=user, username=user.lower(), name=user.lower())
        submitted = {**payload["view"], **view}
        submitted["state"] = {
            "values": {
                block["block_id"]: {
                    "value": {"type": "plain_text_input", "value": values.get(block["block_id"])}
                }
                for block in view["blocks"]
                if block.get("type") == "input"
            }
        }
        payload["view"] = submitted
        return self.interact(payload)


FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


def manifest_scopes() -> list[str]:
    """The bot scopes ``manifest.yaml`` asks for (what a fresh install is granted)."""
    manifest = Path(__file__).resolve().parents[2] / "manifest.yaml"
    data = yaml.safe_load(manifest.read_text(encoding="utf-8"))
    return list(data["oauth_config"]["scopes"]["bot"])
