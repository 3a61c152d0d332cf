"""A Slack-backed Baton with cal.com's webhook on loopback, and requests signed as cal.com signs
them (``X-Cal-Signature-256``: hex HMAC-SHA256 of the raw body), shared by the cal.com tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.bootstrap import build
from bot.entrypoints.serve import make_server
from bot.web.calcom import calcom_signature
from tests.e2e.conftest import INTAKE, SIGNING_SECRET, SlackWorld, slack_settings
from tests.e2e.slack_double import LoopbackApp, SignedSlack, SlackDouble
from tests.support.clock import FakeClock

SECRET = "calcom-webhook-secret"
BOOKED: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "fixtures" / "calcom" / "booking_created.json").read_text()
)


@contextmanager
def calcom_world(
    sqlite_url: str, clock: FakeClock, slack_double: SlackDouble
) -> Iterator[SlackWorld]:
    settings = slack_settings(sqlite_url, slack_double.api_url, baton_calcom_secret=SECRET)
    baton = build(settings, clock=clock)  # type: ignore[arg-type]
    server = make_server(settings, baton, sender=False)
    with LoopbackApp(server.web_app()) as served:
        world = SlackWorld(
            baton, slack_double, SignedSlack(served.url, SIGNING_SECRET, slack_double, INTAKE)
        )
        world.base = served.url  # type: ignore[attr-defined]
        yield world
    baton.engine.dispose()


def send(world: SlackWorld, body: bytes, signature: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Cal-Signature-256"] = signature
    url = f"{world.base}/calcom/events"  # type: ignore[attr-defined]
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def signed(world: SlackWorld, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """Signed as cal.com signs ``JSON.stringify``'s output: compact, no spaces."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    return send(world, body, calcom_signature(SECRET, body))
