"""The App Home tab: "My leads", grouped by stage, with each lead's buttons.

It is published when the tab is opened, after the person acts and when a lead card reaches their
DMs, so it is current whenever they look at it. Refreshes after acting run off the ack path, a
moment later, and merge: ten quick clicks by one rep make one refresh, not ten (Bolt's lazy
listeners would run all ten, which doubled the server's work per command in the benchmark).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.render.blocks import home_view
from bot.slack.transport.debounce import Debouncer
from bot.slack.transport.users import SlackUsers
from routing.commands import Mine
from routing.notices import LeadCard
from routing.relay import Relay

log = logging.getLogger(__name__)

REFRESH_DELAY_SECONDS = 0.5
"""How long after someone acts their home tab is refreshed; what they do meanwhile merges in."""


class HomePublisher:
    def __init__(
        self,
        relay: Relay,
        users: SlackUsers,
        client: WebClient,
        delay: float = REFRESH_DELAY_SECONDS,
    ) -> None:
        self.relay = relay
        self.users = users
        self.client = client
        self.later = Debouncer(self.refresh, delay)

    def publish(self, user_id: str, notice: str | None = None) -> None:
        """Publish ``user_id``'s home; ``notice`` is a line shown above their leads."""
        outcome = self.relay.execute(self.users.actor(user_id), Mine())
        cards: list[LeadCard] = list(outcome.data.get("leads") or [])  # type: ignore[call-overload]
        view = home_view(cards, self.users.mention, notice)
        self.client.views_publish(user_id=user_id, view=view)

    def refresh(self, user_id: str) -> None:
        """Publish, but never fail the caller: a stale home is fixed on the next open."""
        try:
            self.publish(user_id)
        except (SlackApiError, OSError) as err:
            log.warning("could not refresh the home of %s: %s", user_id, err)

    def refresh_later(self, user_id: str) -> None:
        """Refresh in a moment, off the caller's thread, merged with other requests for them."""
        self.later.request(user_id)

    def close(self) -> None:
        self.later.close()


def register(app: App, home: HomePublisher) -> None:
    @app.event("app_home_opened")
    def on_home_opened(event: dict[str, Any]) -> None:
        user = event.get("user")
        if not isinstance(user, str) or not user:
            log.warning("app_home_opened without a user id: ignored")
        elif event.get("tab", "home") == "home":
            home.refresh(user)
