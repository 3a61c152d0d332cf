"""What every Slack listener works with: the relay, the Web client, who users are, the home tab."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from slack_sdk import WebClient

from bot.baton import Baton
from bot.slack.listeners.home import HomePublisher
from bot.slack.transport.identity import BotIdentity
from bot.slack.transport.users import SlackUsers
from routing.commands import Command
from routing.usecases.context import Outcome


@dataclass(frozen=True)
class SlackDeps:
    baton: Baton
    client: WebClient
    users: SlackUsers
    home: HomePublisher
    identity: BotIdentity

    @classmethod
    def of(cls, baton: Baton, client: WebClient) -> SlackDeps:
        users = SlackUsers(client, baton.relay.read_uow_factory)
        home = HomePublisher(baton.relay, users, client)
        return cls(baton, client, users, home, BotIdentity(client, client.token or ""))

    def close(self) -> None:
        self.home.close()
        self.identity.close()

    @property
    def intake_channels(self) -> frozenset[str]:
        return self.baton.settings.intake_channels

    def today(self) -> date:
        return self.baton.clock().date()

    def execute(self, user_id: str, command: Command) -> Outcome:
        """Run ``command`` as the Slack user ``user_id`` (looked up on first sight)."""
        return self.baton.relay.execute(self.users.actor(user_id), command)
