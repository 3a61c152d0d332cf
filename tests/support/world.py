"""Build a real Baton (real storage, real use cases) on a test database, and a team to route to."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from bot.baton import Baton
from bot.bootstrap import build
from bot.config import Settings
from bot.outbox.port import Notifier
from routing.commands import parse_command
from routing.roles import Platform
from routing.usecases.context import Actor, Outcome, RelayConfig
from tests.support.phones import PHONES


def make_baton(
    url: str,
    clock: object,
    managers: Iterable[tuple[str, str]] = (),
    notifiers: Mapping[str, Notifier] | None = None,
    **config: object,
) -> Baton:
    settings = Settings(database_url=url, _env_file=None)  # type: ignore[call-arg]
    config.setdefault("phones", PHONES)
    relay_config = RelayConfig(managers=frozenset(managers), **config)  # type: ignore[arg-type]
    return build(settings, clock=clock, config=relay_config, notifiers=notifiers)  # type: ignore[arg-type]


def console(name: str) -> Actor:
    return Actor(Platform.CONSOLE, name, name)


def say(baton: Baton, who: str, line: str) -> Outcome:
    """Run one slash command as console user ``who``: ``say(b, "maya", "/rotation add …")``."""
    word, _, rest = line.partition(" ")
    from bot.console.session import console_mentions

    command = parse_command(word, console_mentions(rest), baton.clock().date())
    return baton.relay.execute(console(who), command)
