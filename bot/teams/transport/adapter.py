"""The Bot Framework ``CloudAdapter``, configured from ``MICROSOFT_APP_*``.

An empty app id turns authentication off (local development only): the adapter then accepts any
POSTed activity and sends to ``serviceUrl`` without a token. With an app id set, every inbound
request must carry a valid Bot Framework JWT, checked against signing keys fetched with a timeout
and never on the event loop's thread (:mod:`bot.teams.transport.signing_keys`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import Activity
from botframework.connector.aio import ConnectorClient
from botframework.connector.auth import (
    AuthenticateRequestResult,
    ClaimsIdentity,
    ConnectorFactory,
)

from bot.config import Settings
from bot.teams.transport import signing_keys

log = logging.getLogger(__name__)

CONNECTOR_TIMEOUT_SECONDS = 20
"""A connector call that takes longer is treated as failed and retried by the outbox."""


@dataclass(frozen=True)
class AdapterConfig:
    """The attribute names ``ConfigurationBotFrameworkAuthentication`` reads."""

    APP_ID: str
    APP_PASSWORD: str
    APP_TENANTID: str
    APP_TYPE: str


def adapter_config(settings: Settings) -> AdapterConfig:
    app_id = settings.microsoft_app_id.strip()
    # Single-tenant and managed-identity types insist on an id; with none, auth is off anyway.
    app_type = settings.microsoft_app_type if app_id else "MultiTenant"
    return AdapterConfig(
        APP_ID=app_id,
        APP_PASSWORD=settings.microsoft_app_password,
        APP_TENANTID=settings.microsoft_app_tenant_id,
        APP_TYPE=app_type,
    )


def auth_enabled(settings: Settings) -> bool:
    return bool(settings.microsoft_app_id.strip())


def make_adapter(settings: Settings) -> CloudAdapter:
    """The adapter, with token-signing keys fetched off the event loop (:mod:`.signing_keys`)."""
    signing_keys.install()
    return CloudAdapter(_Authentication(adapter_config(settings)))


def warn_if_auth_off(settings: Settings) -> None:
    if not auth_enabled(settings):
        log.warning(
            "!!! MICROSOFT_APP_ID is empty: Teams authentication is OFF and /api/messages "
            "accepts unauthenticated requests. Use this for local development only. !!!"
        )


class _Authentication(ConfigurationBotFrameworkAuthentication):  # type: ignore[misc]  # untyped
    """Hands out connector clients with a short timeout; the outbox does the retrying."""

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _TimeoutConnectorFactory(super().create_connector_factory(claims_identity))

    async def authenticate_request(
        self, activity: Activity, auth_header: str
    ) -> AuthenticateRequestResult:
        result = await super().authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _TimeoutConnectorFactory(result.connector_factory)
        return result


class _TimeoutConnectorFactory(ConnectorFactory):  # type: ignore[misc]  # botbuilder is untyped
    def __init__(self, inner: ConnectorFactory) -> None:
        self._inner = inner

    async def create(self, service_url: str, audience: str | None = None) -> ConnectorClient:
        client = await self._inner.create(service_url, audience)
        client.config.connection.timeout = CONNECTOR_TIMEOUT_SECONDS
        return client
