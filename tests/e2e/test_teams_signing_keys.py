"""A Bot Framework key endpoint that hangs holds up nothing else in the server: while a Teams
request waits (at most the timeout) for signing keys, health checks and other requests on the
same event loop are answered at once, and the waiting request is refused (401) in bounded time."""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from botframework.connector.auth import AuthenticationConstants
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor

from bot.teams.transport.signing_keys import SigningKeys
from tests.e2e.slack_double import LoopbackApp
from tests.e2e.teams_support import WEB, MicrosoftKeys, Teams, TeamsWorld, teams_world
from tests.e2e.test_teams_requests import APP_ID
from tests.support.clock import FakeClock

SERVICE_URL = "https://smba.trafficmanager.net/emea/"
TIMEOUT = 1.5


@pytest.fixture
def hanging_keys() -> Iterator[str]:
    """``login.botframework.com`` answering nothing, put where botbuilder looks for its keys."""

    async def hang(_request: web.Request) -> web.Response:
        await asyncio.sleep(60)
        return web.json_response({})

    app = web.Application()
    app.router.add_get("/openid", hang)
    with LoopbackApp(app, handler_cancellation=True) as served:
        url = AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL
        cache = JwtTokenExtractor.metadataCache
        before = cache.get(url)
        cache[url] = SigningKeys(served.url + "/openid", timeout=TIMEOUT)
        try:
            yield served.url
        finally:
            if before is None:
                cache.pop(url, None)
            else:
                cache[url] = before


@pytest.fixture
def secured(tmp_path: Path, clock: FakeClock, hanging_keys: str) -> Iterator[TeamsWorld]:
    with teams_world(
        tmp_path, clock, microsoft_app_id=APP_ID, microsoft_app_password="not-the-secret"
    ) as world:
        world.teams = Teams(SERVICE_URL)
        yield world


def test_a_hanging_key_endpoint_does_not_block_other_requests_and_the_wait_is_bounded(
    secured: TeamsWorld,
) -> None:
    token = MicrosoftKeys(APP_ID).token(SERVICE_URL)
    post = secured.teams.lead_post(WEB, "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    answers: list[tuple[int, float]] = []

    def teams_request() -> None:
        started = time.perf_counter()
        status = secured.post(post, token=token).status
        answers.append((status, time.perf_counter() - started))

    waiting = threading.Thread(target=teams_request)
    waiting.start()
    time.sleep(0.3)  # the Teams request is now waiting for keys
    health = []
    for _ in range(3):
        started = time.perf_counter()
        with urllib.request.urlopen(f"{secured.url}/healthz", timeout=5) as response:
            health.append((response.status, time.perf_counter() - started))
    waiting.join(timeout=30)

    assert all(status == 200 for status, _ in health)
    assert max(took for _, took in health) < 0.5, health
    [(status, took)] = answers
    assert status == 401, "no key to check the token with: refused, and Teams sends it again"
    assert took < TIMEOUT + 2.0
    assert secured.rows("leads") == 0
