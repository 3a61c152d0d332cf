"""What the composition root hands every adapter and entrypoint: one ``Baton`` per process.

Adapters reach the domain through ``relay`` only, and what they keep outside the domain (how to
reach a Teams chat again, the dashboard's spreadsheets and secret) through the ports in
``stores``; none of them touches the database. ``bot.bootstrap.build`` makes it; this module is a
leaf (configuration, the outbox and routing), so adapters depend on it downward.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from aiohttp import web
from sqlalchemy import Engine

from bot.config import Settings
from bot.outbox.port import Notifier
from bot.outbox.sender import OutboxSender
from routing.dashboard.ports import DashboardExport
from routing.operations import OperationsReader
from routing.ports import OutboxRows
from routing.relay import Relay


class ConversationStore(Protocol):
    """Where a platform keeps how to reach people and places again (Teams conversation
    references), keyed by (platform, id); ``storage/conversations.py``."""

    def load(self, platform: str, key: str) -> StoredConversation | None: ...

    def save(
        self,
        platform: str,
        key: str,
        reference: Mapping[str, Any],
        tenant_id: str | None,
        at: datetime,
    ) -> None: ...


class StoredConversation(Protocol):
    @property
    def reference(self) -> dict[str, Any]: ...
    @property
    def tenant_id(self) -> str | None: ...


class Secrets(Protocol):
    def rotate(self, by: str = "cli") -> None:
        """A new dashboard signing secret: every link signed with the old one stops working;
        ``by`` (who ran it) goes in the audit trail."""
        ...


@dataclass(frozen=True)
class Stores:
    """The ports outside the domain, each implemented in ``storage/``."""

    conversations: ConversationStore
    export: DashboardExport
    secrets: Secrets
    outbox: OutboxRows
    """The outbox rows of this process's notifiers' platforms."""
    check_database: Callable[[], None]
    """A plain read on a read-only connection; raises when the database cannot answer."""
    operations: OperationsReader
    """The operator's figures every replica agrees on (``GET /metrics``)."""


class ChatPlatform(Protocol):
    """A chat platform Baton is configured for (Slack, Teams): its notifier, its routes and its
    background workers. Made by the composition root; mounted by the server."""

    @property
    def name(self) -> str: ...
    @property
    def notifier(self) -> Notifier: ...

    def mount(self, app: web.Application, baton: Baton) -> None: ...

    def workers(self, wake_sender: Callable[[], None]) -> list[Worker]:
        """Background work to start with the server (Socket Mode's connection); ``wake_sender``
        delivers at once what a request queued."""
        ...


Worker = Callable[["Baton"], Callable[[], None]]
"""Starts a background worker for a server; returns the function that stops it."""


@dataclass
class Baton:
    settings: Settings
    relay: Relay
    clock: Callable[[], datetime]
    stores: Stores
    notifiers: Mapping[str, Notifier]
    engine: Engine
    """For tests and benchmarks that look at rows directly. Baton's own code never reads it
    outside ``bot.bootstrap`` (``tests/bot/test_layout.py`` holds it to that)."""
    platforms: tuple[ChatPlatform, ...] = ()

    def sender(self) -> OutboxSender:
        return OutboxSender(self.stores.outbox, self.notifiers, self.clock)

    def close(self) -> None:
        """Release the database connections (an entrypoint on its way out)."""
        self.engine.dispose()
