"""The composition root: the one place that builds Baton's parts and wires them together.

It opens the database (migrating it and seeding the managers unless told not to), makes the
relay, the stores, the dashboard's secret, each configured chat platform with its notifier, and
the outbox rows those notifiers deliver; tests hand in a test database, a clock, a configuration
or notifiers of their own. Adapters and entrypoints receive the finished :class:`~bot.baton.Baton`
and never build a part themselves. It is also the only module of ``bot/`` that imports
``storage`` or touches the engine.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from bot.baton import Baton, ChatPlatform, ConversationStore, Stores
from bot.config import Settings, StartupError
from bot.crm.hubspot.adapter import HubSpotCrm
from bot.crm.hubspot.admin import owner_by_email
from bot.crm.hubspot.client import make_client
from bot.crm.owners import OwnerResolver
from bot.crm.sender import CrmSender
from bot.ops.doctor import Examined
from bot.ops.logs import REDACTOR
from bot.outbox.port import Notifier
from routing.dashboard.links import DashboardLinks
from routing.relay import Relay
from routing.usecases.context import RelayConfig
from storage.backup import BackupError, backup
from storage.conversations import SqlConversations
from storage.crm import (
    SqlCrmCursors,
    SqlCrmInbox,
    SqlCrmLinks,
    SqlCrmOwners,
    SqlCrmReads,
    SqlCrmRows,
    SqlRateBucket,
)
from storage.dashboard_export import SqlDashboardExport
from storage.dashboard_secrets import PRIVACY_SALT, SqlSecrets, stored_secret
from storage.engine import make_engine, read_version
from storage.migrate import migration_state, upgrade
from storage.operations import SqlOperations
from storage.outbox import SqlOutboxRows
from storage.uow import uow_factory, utc_now

log = logging.getLogger(__name__)


def build(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] = utc_now,
    config: RelayConfig | None = None,
    notifiers: Mapping[str, Notifier] | None = None,
    migrate: bool = True,
    platforms: bool = True,
) -> Baton:
    """Baton for ``settings``: ``migrate`` upgrades the database and seeds the managers first
    (``baton serve`` does it once before its worker processes, which pass False); ``platforms``
    makes the configured chat platforms (the CLI's one-shot commands need none)."""
    settings = settings or Settings()
    for warning in settings.manager_warnings():
        log.warning("%s", warning)
    engine = open_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    relay = Relay(
        uow_factory(engine, clock, crm=settings.crm_on()),
        clock,
        with_privacy(with_dashboard(config or settings.relay_config(), settings, engine), engine),
        read_uow_factory=uow_factory(engine, clock, read_only=True),
    )
    if migrate:
        relay.seed_managers()
        prepare_secret(settings, engine)
    conversations = SqlConversations(engine)
    chat = chat_platforms(settings, relay, conversations, clock) if platforms else ()
    every = {**{p.name: p.notifier for p in chat}, **(notifiers or {})}
    stores = Stores(
        conversations=conversations,
        export=SqlDashboardExport(engine),
        secrets=SqlSecrets(engine),
        outbox=SqlOutboxRows(engine, tuple(every)),
        check_database=lambda: read_version(engine),
        operations=SqlOperations(engine, clock),
    )
    return Baton(settings, relay, clock, stores, every, engine, chat)


def chat_platforms(
    settings: Settings,
    relay: Relay,
    conversations: ConversationStore,
    clock: Callable[[], datetime],
) -> tuple[ChatPlatform, ...]:
    """Slack and Teams, each when its settings are there (a partial set is a ``StartupError``).

    Their modules are imported only then: slack_bolt and botbuilder take a second and tens of
    megabytes to load, which the console, the demo and the one-shot commands never need.
    """
    made: list[ChatPlatform] = []
    if settings.slack_configured():
        from bot.slack.transport.mount import SlackPlatform

        made.append(SlackPlatform(settings, relay))
    if settings.teams_configured():
        from bot.teams.transport.mount import TeamsPlatform

        made.append(TeamsPlatform(settings, relay, conversations, clock))
    return tuple(made)


def migrate(settings: Settings) -> None:
    """``baton db upgrade``: apply the migrations, then let the engine go."""
    engine = open_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def examined(settings: Settings) -> tuple[Examined, Callable[[], None]]:
    """What ``baton doctor`` reads, and what lets its engine go. A ``DATABASE_URL`` no engine
    takes is a ✗ line of the doctor's, not a refusal to start it."""
    try:
        engine = open_engine(settings.database_url)
    except StartupError as err:
        unopened = SqlOperations(make_engine("sqlite://"))
        return Examined(settings, _unreachable, unopened, utc_now, str(err)), lambda: None
    seen = Examined(settings, lambda: migration_state(engine), SqlOperations(engine), utc_now)
    return seen, engine.dispose


def backup_database(settings: Settings, target: Path) -> str:
    """``baton db backup FILE``: what was written, or the command to run; a failure is a
    :class:`StartupError` (one line, exit 2)."""
    try:
        return backup(settings.database_url, target).said
    except BackupError as err:
        raise StartupError(str(err)) from None


def _unreachable() -> tuple[tuple[str, ...], tuple[str, ...]]:
    raise StartupError("DATABASE_URL cannot be opened")


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


# --- the dashboard's links ------------------------------------------------------------------


def with_dashboard(config: RelayConfig, settings: Settings, engine: Engine) -> RelayConfig:
    """``config`` with the dashboard's links, unless a test set its own. The secret is read each
    time a link is made or checked, so a rotation in another process counts at once."""
    if config.dashboard is not None:
        return config
    configured = settings.baton_secret_key
    secret = (lambda: configured) if configured else (lambda: _hidden(stored_secret(engine)))
    return dataclasses.replace(config, dashboard=DashboardLinks(settings.public_url(), secret))


def _hidden(secret: str) -> str:
    """The stored signing key, kept out of the log as every configured secret is (it is read
    at each use, so a rotated key is hidden from its first use)."""
    REDACTOR.hide(secret)
    return secret


def with_privacy(config: RelayConfig, engine: Engine) -> RelayConfig:
    """``config`` with the salt of erased contacts' intake keys, unless a test set its own:
    generated once and stored (never rotated: a new salt would let an erased post back in),
    read on first use and then kept."""
    if config.erasure_salt is not None:
        return config
    return dataclasses.replace(
        config, erasure_salt=functools.cache(lambda: stored_secret(engine, PRIVACY_SALT))
    )


def prepare_secret(settings: Settings, engine: Engine) -> None:
    """Generate the stored secret on first start, outside any transaction: later reads then never
    write, so reading it inside a use case's write transaction (``/funnel link``) cannot wait on
    that transaction's own lock."""
    if not settings.baton_secret_key:
        stored_secret(engine)
    stored_secret(engine, PRIVACY_SALT)


# --- the CRM (HubSpot): its sender and stores -------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CrmParts:
    """What the CRM's sender and ``baton crm`` work with, on the process's database."""

    crm: HubSpotCrm
    rows: SqlCrmRows
    owners: SqlCrmOwners
    bucket: SqlRateBucket
    inbox: SqlCrmInbox
    reads: SqlCrmReads
    links: SqlCrmLinks
    cursors: SqlCrmCursors
    search_bucket: SqlRateBucket
    """HubSpot's search limit (4 calls a second), taken on top of the shared bucket."""


SEARCH_PER_SECOND = 4
"""HubSpot's CRM search limit per token (connectors cite 5 per account; 4 stays under both)."""


def crm_parts(baton: Baton) -> CrmParts | None:
    """HubSpot for ``baton``'s settings, or None while ``HUBSPOT_ACCESS_TOKEN`` is unset. Nothing
    is called here: a wrong token shows on the first call, as a warning, and stops nothing."""
    settings = baton.settings
    if not settings.crm_on():
        return None
    engine = baton.engine
    bucket = SqlRateBucket(engine, settings.hubspot_rate_limit, timedelta(seconds=10))
    client = make_client((settings.hubspot_access_token or "").strip(), settings.hubspot_api_url)
    crm = HubSpotCrm(
        client,
        pipeline=settings.hubspot_pipeline,
        stages=settings.deal_stages(),
        bucket=bucket,
        clock=baton.clock,
    )
    return CrmParts(
        crm,
        SqlCrmRows(engine),
        SqlCrmOwners(engine),
        bucket,
        SqlCrmInbox(engine),
        SqlCrmReads(engine),
        SqlCrmLinks(engine),
        SqlCrmCursors(engine),
        SqlRateBucket(engine, SEARCH_PER_SECOND, timedelta(seconds=1), name="hubspot-search"),
    )


def crm_sender(baton: Baton, parts: CrmParts) -> CrmSender:
    """The CRM outbox's sender; refusals and pauses reach the managers once per kind."""

    def alert(text: str) -> None:
        baton.relay.tell_managers(text)

    owner_of = OwnerResolver(
        parts.owners, lambda email: owner_by_email(parts.crm, email), baton.clock
    )
    return CrmSender(parts.rows, parts.crm, owner_of, baton.clock, alert, parts.links)
