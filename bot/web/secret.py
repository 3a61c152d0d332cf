"""The dashboard's signing secret: ``BATON_SECRET_KEY``, or the one stored in the database."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from sqlalchemy import Engine

from bot.config import Settings
from routing.dashboard.links import DashboardLinks
from routing.usecases.context import RelayConfig
from storage.dashboard_secrets import stored_secret


def secret_reader(settings: Settings, engine: Engine) -> Callable[[], str]:
    """Reads the secret each time, so a rotation in another process counts at once."""
    configured = settings.baton_secret_key
    if configured:
        return lambda: configured
    return lambda: stored_secret(engine)


def with_dashboard(config: RelayConfig, settings: Settings, engine: Engine) -> RelayConfig:
    """``config`` with the dashboard's links, unless a test set its own."""
    if config.dashboard is not None:
        return config
    links = DashboardLinks(settings.baton_public_url, secret_reader(settings, engine))
    return dataclasses.replace(config, dashboard=links)
