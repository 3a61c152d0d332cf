"""The Bot Framework's token-signing keys, fetched off the event loop and within a timeout.

botframework-connector 4.17 checks each inbound token against keys it caches per OpenID
metadata URL (``JwtTokenExtractor.metadataCache``, one ``_OpenIdMetadata`` each). It refreshes
them — once a day, and at most once an hour when a token names a key it does not know — with
``requests.get`` and no timeout, inside the request's coroutine: a slow or hanging
``login.botframework.com`` then stops the whole event loop (every Slack event, webhook, health
check and Teams request of the process) for as long as it hangs, forever at worst.

:func:`install` makes the extractor cache :class:`SigningKeys` instead: the same keys and refresh
rules, fetched with aiohttp under :data:`KEYS_TIMEOUT_SECONDS` for the whole refresh (metadata
and key set). Requests that need a refresh together share one fetch. A failed refresh keeps the
keys it had (a token signed by them still gets in) and is not tried again for
:data:`RETRY_FAILED_AFTER`, so an outage of the key endpoint costs at most one bounded wait now
and then, never one per request; with no keys at all a token cannot be checked and is refused
(401), which Teams sends again.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import Any

import aiohttp
from botframework.connector.auth.jwt_token_extractor import JwtTokenExtractor, _OpenIdConfig
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger(__name__)

KEYS_TIMEOUT_SECONDS = 10.0
"""The longest one refresh (metadata document, then key set) may take."""
REFRESH_EVERY = timedelta(days=1)
REFRESH_UNKNOWN_KEY_EVERY = timedelta(hours=1)
"""botbuilder's own rules: keys are renewed daily, and early for a key id they do not hold."""
RETRY_FAILED_AFTER = timedelta(seconds=30)
MAX_DOCUMENT_BYTES = 1 << 20
"""A metadata document or key set larger than this is refused (they are a few kilobytes)."""


class SigningKeysUnavailable(Exception):
    """The key endpoint failed, hung past the timeout, or answered something unreadable."""


class SigningKeys:
    """A drop-in for botbuilder's ``_OpenIdMetadata``: ``await get(kid)`` → the key or None."""

    def __init__(self, url: str, timeout: float = KEYS_TIMEOUT_SECONDS) -> None:
        self.url = url
        self.timeout = timeout
        self.keys: list[dict[str, Any]] = []
        self.last_updated = datetime.min
        self._failed_at = datetime.min
        self._inflight: asyncio.Task[None] | None = None

    async def get(self, key_id: str | None) -> _OpenIdConfig | None:
        if _older_than(self.last_updated, REFRESH_EVERY):
            await self._refresh()
        key = self._find(key_id)
        if key is None and _older_than(self.last_updated, REFRESH_UNKNOWN_KEY_EVERY):
            await self._refresh()
            key = self._find(key_id)
        return key

    async def _refresh(self) -> None:
        """One fetch at a time per event loop; none while a failure is recent."""
        if not _older_than(self._failed_at, RETRY_FAILED_AFTER):
            return
        loop = asyncio.get_running_loop()
        task = self._inflight
        if task is None or task.done() or task.get_loop() is not loop:
            task = self._inflight = loop.create_task(self._fetch_and_keep())
        await asyncio.shield(task)

    async def _fetch_and_keep(self) -> None:
        try:
            keys = await asyncio.wait_for(self._fetch(), self.timeout)
        except (TimeoutError, aiohttp.ClientError, SigningKeysUnavailable, ValueError) as err:
            self._failed_at = datetime.now()
            log.warning(
                "could not refresh the Bot Framework signing keys from %s (%r); "
                "keeping the %s held",
                self.url,
                err,
                len(self.keys),
            )
            return
        self.keys = keys
        self.last_updated = datetime.now()

    async def _fetch(self) -> list[dict[str, Any]]:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            metadata = await _document(session, self.url)
            keys_url = metadata.get("jwks_uri")
            if not isinstance(keys_url, str) or not keys_url:
                raise SigningKeysUnavailable("the metadata document names no jwks_uri")
            keys = (await _document(session, keys_url)).get("keys")
        if not isinstance(keys, list):
            raise SigningKeysUnavailable("the key set holds no keys")
        return [key for key in keys if isinstance(key, dict)]

    def _find(self, key_id: str | None) -> _OpenIdConfig | None:
        key = next((k for k in self.keys if k.get("kid") == key_id), None)
        if key is None:
            return None
        try:
            public_key = RSAAlgorithm.from_jwk(json.dumps(key))
        except (ValueError, TypeError, KeyError) as err:
            log.warning("Bot Framework signing key %r is unreadable: %r", key_id, err)
            return None
        return _OpenIdConfig(public_key, key.get("endorsements") or [])


async def _document(session: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with session.get(url) as response:
        response.raise_for_status()
        body = await response.content.read(MAX_DOCUMENT_BYTES + 1)
    if len(body) > MAX_DOCUMENT_BYTES:
        raise SigningKeysUnavailable(f"{url} answered more than {MAX_DOCUMENT_BYTES} bytes")
    document = json.loads(body)
    if not isinstance(document, dict):
        raise SigningKeysUnavailable(f"{url} answered no JSON object")
    return document


def _older_than(moment: datetime, age: timedelta) -> bool:
    return moment < datetime.now() - age


def _cached_signing_keys(metadata_url: str) -> Any:
    """``JwtTokenExtractor.get_open_id_metadata`` with :class:`SigningKeys` for a new URL."""
    cache = JwtTokenExtractor.metadataCache
    found = cache.get(metadata_url)
    if found is None:
        found = cache.setdefault(metadata_url, SigningKeys(metadata_url))
    return found


def install() -> None:
    """Make botbuilder's token extractor fetch signing keys through :class:`SigningKeys`.

    Keys already cached (none in a serving process: this runs when the adapter is made) stay.
    """
    JwtTokenExtractor.get_open_id_metadata = staticmethod(_cached_signing_keys)
