"""What the outbox sender asks of each platform: a notifier that delivers one notice, and the two
ways a delivery fails (try again later, or never)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from routing.notices import Notice
from routing.team import Rep

CLAIM_MARGIN = timedelta(seconds=5)
"""Added to a notifier's HTTP timeout: a claim is stale only when no live call can still be on."""
STALE_SENDING = timedelta(seconds=25)
"""The claim window of a notifier that does not state one: above the longest outbox HTTP timeout
(Teams' connector, 20 s) plus the margin."""


class TransientDeliveryError(Exception):
    """Rate limited, 5xx, timeout: try again (after ``retry_after`` seconds when given)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(Exception):
    """The platform refused for good (channel not found, not in channel): give up and log."""


@dataclass(frozen=True)
class Delivery:
    """What a notifier needs besides the notice: the people named and where the card lives."""

    notice: Notice
    recipient: Rep | None
    card_ref: str | None
    reps: Mapping[int, Rep]
    previous_attempt_at: datetime | None = None
    """When an earlier attempt at this row was claimed (None on the first attempt). That attempt
    may have reached the platform before failing or dying, so a notifier that can look (the
    Slack notifier) checks for it before sending again."""
    key: str | None = None
    """The row's delivery key (:attr:`routing.outbox.ClaimedRow.delivery_key`): a notifier that
    can mark what it posts with it finds the message again on a later attempt."""


class Notifier(Protocol):
    def deliver(self, delivery: Delivery) -> str | None:
        """Send it; return the platform's id of a message it posted in a lead's thread (a card,
        to update it later; a reply, so an erasure can rewrite it)."""
        ...


def claim_window(notifier: Notifier) -> timedelta:
    """How long a claim on a row for ``notifier`` holds: its ``claim_window`` attribute when it
    has one (its HTTP timeout plus :data:`CLAIM_MARGIN`), else :data:`STALE_SENDING`."""
    window = getattr(notifier, "claim_window", None)
    return window if isinstance(window, timedelta) else STALE_SENDING
