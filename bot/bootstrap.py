"""The composition root: real adapters by default; tests hand in a test database or a clock."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from bot.config import Settings, StartupError
from bot.outbox.sender import Notifier, OutboxSender
from bot.web.dashboard.secret import prepare_secret, with_dashboard
from routing.relay import Relay
from routing.usecases.context import RelayConfig
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import uow_factory, utc_now

log = logging.getLogger(__name__)


@dataclass
class Baton:
    settings: Settings
    engine: Engine
    relay: Relay
    clock: Callable[[], datetime]
    notifiers: dict[str, Notifier] = field(default_factory=dict)

    def sender(self) -> OutboxSender:
        return OutboxSender(self.engine, self.notifiers, self.clock)


def build(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    config: RelayConfig | None = None,
    notifiers: Mapping[str, Notifier] | None = None,
    migrate: bool = True,
) -> Baton:
    settings = settings or Settings()
    for warning in settings.manager_warnings():
        log.warning("%s", warning)
    engine = open_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    relay = Relay(
        uow_factory(engine, clock),
        clock,
        with_dashboard(config or settings.relay_config(), settings, engine),
        read_uow_factory=uow_factory(engine, clock, read_only=True),
    )
    if migrate:
        relay.seed_managers()
        prepare_secret(settings, engine)
    return Baton(settings, engine, relay, clock, dict(notifiers or {}))


def open_engine(url: str) -> Engine:
    """The engine for ``DATABASE_URL``; a URL no engine can be made from is a :class:`StartupError`.

    (An unreachable server shows only on the first connection, as a ``DBAPIError``.)
    """
    try:
        return make_engine(url)
    except (ArgumentError, NoSuchModuleError, ValueError) as err:
        problem = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise StartupError(f"DATABASE_URL is not a database URL Baton can use: {problem}") from None
    except ImportError as err:
        raise StartupError(
            f"DATABASE_URL needs a database driver that is not installed ({err.name}): "
            "Baton runs on sqlite:/// and postgresql:// URLs"
        ) from None
