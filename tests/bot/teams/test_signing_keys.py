"""The Bot Framework's signing keys are fetched without ever holding the event loop, within a
timeout: a hanging key endpoint delays only the token checks that need new keys, and those by at
most the timeout, once; keys already held keep working while the endpoint is down."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from bot.teams.transport import signing_keys
from bot.teams.transport.signing_keys import SigningKeys
from tests.e2e.slack_double import LoopbackApp

KID = "key-1"
TIMEOUT = 0.5


class KeyEndpoint:
    """``login.botframework.com`` on loopback: the OpenID metadata and its key set, or a hang."""

    def __init__(self) -> None:
        self.url = ""
        self.hang = False
        self.fail = False
        self.hits = 0
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
        jwk = json.loads(RSAAlgorithm.to_jwk(key))
        self.keys = [{**jwk, "kid": KID, "endorsements": ["msteams"]}]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/openid", self._metadata)
        app.router.add_get("/keys", self._keys)
        return app

    async def _metadata(self, _request: web.Request) -> web.Response:
        self.hits += 1
        if self.hang:
            await asyncio.sleep(60)
        if self.fail:
            return web.Response(status=503)
        await asyncio.sleep(0.05)  # long enough for callers to overlap
        return web.json_response(
            {"issuer": "https://api.botframework.com", "jwks_uri": self.url + "/keys"}
        )

    async def _keys(self, _request: web.Request) -> web.Response:
        return web.json_response({"keys": self.keys})


@pytest.fixture
def endpoint() -> Iterator[KeyEndpoint]:
    endpoint = KeyEndpoint()
    with LoopbackApp(endpoint.app(), handler_cancellation=True) as served:
        endpoint.url = served.url
        yield endpoint


async def _with_ticks(work: Any) -> tuple[Any, float, float]:
    """Run ``work`` while a ticker counts the event loop's turns; returns its result, how long
    it took and the longest the loop went without a turn."""
    gaps: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    started = time.perf_counter()
    result = await work
    took = time.perf_counter() - started
    done.set()
    await ticking
    return result, took, max(gaps, default=0.0)


def test_a_hanging_key_endpoint_never_holds_the_event_loop_and_is_given_up_after_the_timeout(
    endpoint: KeyEndpoint,
) -> None:
    endpoint.hang = True
    keys = SigningKeys(endpoint.url + "/openid", timeout=TIMEOUT)

    found, took, longest_gap = asyncio.run(_with_ticks(keys.get(KID)))

    assert found is None  # no key: the token is refused (401), Teams sends it again
    assert TIMEOUT <= took < TIMEOUT + 0.5
    assert longest_gap < 0.2, "other requests on the loop kept being served"


def test_keys_are_fetched_from_the_metadata_documents_key_set(endpoint: KeyEndpoint) -> None:
    keys = SigningKeys(endpoint.url + "/openid", timeout=TIMEOUT)
    found = asyncio.run(keys.get(KID))
    assert found is not None
    assert found.endorsements == ["msteams"]
    assert asyncio.run(keys.get("another-key")) is None
    assert endpoint.hits == 1, "an unknown key id refreshes at most once an hour"


def test_token_checks_that_need_keys_together_share_one_fetch(endpoint: KeyEndpoint) -> None:
    keys = SigningKeys(endpoint.url + "/openid", timeout=TIMEOUT)

    async def many() -> list[Any]:
        return await asyncio.gather(*(keys.get(KID) for _ in range(20)))

    assert all(found is not None for found in asyncio.run(many()))
    assert endpoint.hits == 1


def test_keys_held_keep_working_while_the_endpoint_is_down_and_it_is_not_asked_per_request(
    endpoint: KeyEndpoint,
) -> None:
    keys = SigningKeys(endpoint.url + "/openid", timeout=TIMEOUT)
    asyncio.run(keys.get(KID))
    keys.last_updated -= timedelta(days=2)  # due for the daily refresh
    endpoint.hang = True

    first, took, _gap = asyncio.run(_with_ticks(keys.get(KID)))
    again, took_again, _gap = asyncio.run(_with_ticks(keys.get(KID)))

    assert first is not None
    assert again is not None
    assert took < TIMEOUT + 0.5
    assert took_again < 0.1, "a failure is not retried for a while"
    assert endpoint.hits == 2


def test_an_endpoint_answering_an_error_keeps_the_keys_and_logs(
    endpoint: KeyEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    keys = SigningKeys(endpoint.url + "/openid", timeout=TIMEOUT)
    endpoint.fail = True
    assert asyncio.run(keys.get(KID)) is None
    assert "could not refresh the Bot Framework signing keys" in caplog.text
    assert keys.last_updated == datetime.min


def test_botbuilders_token_extractor_uses_the_bounded_keys_once_installed() -> None:
    before = JwtTokenExtractor.__dict__["get_open_id_metadata"]
    url = "https://login.example.test/openid"
    try:
        signing_keys.install()
        assert isinstance(JwtTokenExtractor.get_open_id_metadata(url), SigningKeys)
        assert JwtTokenExtractor.get_open_id_metadata(url) is JwtTokenExtractor.metadataCache[url]
    finally:
        JwtTokenExtractor.metadataCache.pop(url, None)
        JwtTokenExtractor.get_open_id_metadata = before
