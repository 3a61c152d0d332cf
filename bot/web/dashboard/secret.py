"""The dashboard's signing secret: ``BATON_SECRET_KEY``, or the one stored in the database."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sqlalchemy import Engine

from bot.config import Settings
from routing.dashboard.links import DashboardLinks
from routing.usecases.context import RelayConfig
from storage.dashboard_secrets import stored_secret

DEFAULT_PUBLIC_URL = "http://localhost:3000"


def public_url(settings: Settings) -> str:
    """``BATON_PUBLIC_URL``, the base of dashboard links (a local address when unset)."""
    return settings.baton_public_url or DEFAULT_PUBLIC_URL


def secret_reader(settings: Settings, engine: Engine) -> Callable[[], str]:
    """Reads the secret each time, so a rotation in another process counts at once."""
    configured = settings.baton_secret_key
    if configured:
        return lambda: configured
    return lambda: stored_secret(engine)


def prepare_secret(settings: Settings, engine: Engine) -> None:
    """Generate the stored secret on first start, outside any transaction.

    Later reads then never write, so reading the secret inside a use case's write transaction
    (``/funnel link``) cannot wait on that transaction's own lock.
    """
    if not settings.baton_secret_key:
        stored_secret(engine)


def with_dashboard(config: RelayConfig, settings: Settings, engine: Engine) -> RelayConfig:
    """``config`` with the dashboard's links, unless a test set its own."""
    if config.dashboard is not None:
        return config
    links = DashboardLinks(public_url(settings), secret_reader(settings, engine))
    return dataclasses.replace(config, dashboard=links)
