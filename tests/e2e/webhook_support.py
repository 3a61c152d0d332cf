"""``POST /leads`` end to end: the real server on loopback with webhook sources, and a client
that sends exact bytes (headers that are not UTF-8, chunked bodies, any Content-Encoding)."""

from __future__ import annotations

import copy
import http.client
import json
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bot.bootstrap import build
from bot.entrypoints.serve import make_server
from bot.web.webhook import signature, typeform_signature
from tests.e2e.conftest import INTAKE, SIGNING_SECRET, SlackWorld, slack_settings
from tests.e2e.slack_double import Answer, LoopbackApp, SignedSlack, SlackDouble
from tests.support.clock import FakeClock

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "webhook"
TOKENS = {"website": "tok-website-5d1f", "typeform": "tok-typeform-88aa", "hubspot": "tok-hs-0c3e"}
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"


def payload(name: str) -> dict[str, Any]:
    data = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    return copy.deepcopy(data)  # type: ignore[no-any-return]


@dataclass
class Webhook:
    url: str
    clock: FakeClock

    def post(
        self,
        body: bytes,
        content_type: str = JSON,
        *,
        token: str | None = TOKENS["website"],
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        sent = {"Content-Type": content_type, **(headers or {})}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(f"{self.url}/leads", data=body, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Answer(response.status, response.read().decode(), dict(response.headers))
        except urllib.error.HTTPError as err:
            return Answer(err.code, err.read().decode(), dict(err.headers))

    def send(self, data: Mapping[str, Any], **kw: Any) -> Answer:
        return self.post(json.dumps(data).encode(), **kw)

    def signed(self, body: bytes, secret: str, *, age: int = 0, content_type: str = JSON) -> Answer:
        stamp = str(int(self.clock().timestamp()) - age)
        headers = {"X-Baton-Timestamp": stamp, "X-Baton-Signature": signature(secret, stamp, body)}
        return self.post(body, content_type, token=None, headers=headers)

    def typeform(self, body: bytes, secret: str) -> Answer:
        """As Typeform sends it: no bearer token, ``Typeform-Signature`` over the body."""
        headers = {"Typeform-Signature": typeform_signature(secret, body)}
        return self.post(body, token=None, headers=headers)

    def raw(
        self,
        body: bytes | Iterator[bytes],
        headers: Mapping[str, str | bytes],
        *,
        method: str = "POST",
        path: str = "/leads",
    ) -> Answer:
        """Exact bytes: header values given as bytes go out as they are; an iterator of
        chunks goes out chunked, without a Content-Length; a Content-Length given is sent as it
        is, whatever the body's length."""
        where = urlsplit(self.url)
        conn = http.client.HTTPConnection(where.hostname or "", where.port, timeout=30)
        try:
            conn.putrequest(method, path)
            for name, value in headers.items():
                conn.putheader(name, value)
            if isinstance(body, bytes):
                if "Content-Length" not in headers:
                    conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body)
            else:
                conn.putheader("Transfer-Encoding", "chunked")
                conn.endheaders()
                for chunk in body:
                    conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                conn.send(b"0\r\n\r\n")
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            return Answer(response.status, text, dict(response.headers))
        finally:
            conn.close()


@dataclass
class World(SlackWorld):
    hook: Webhook


@contextmanager
def webhook_world(database_url: str, clock: FakeClock, double: SlackDouble) -> Iterator[World]:
    """The server ``baton serve`` runs, with three webhook sources and the Slack double."""
    sources = ",".join(f"{name}:{token}" for name, token in TOKENS.items())
    settings = slack_settings(database_url, double.api_url, baton_webhook_sources=sources)
    baton = build(settings, clock=clock)
    server = make_server(settings, baton, sender=False)
    with LoopbackApp(server.web_app()) as served:
        slack = SignedSlack(served.url, SIGNING_SECRET, double, INTAKE)
        yield World(baton, double, slack, Webhook(served.url, clock))
    baton.engine.dispose()
