"""Finding a message Baton already posted, so a retried or re-claimed outbox row posts it once.

The outbox delivers at least once: a sender can die (or time out) after Slack accepted a
message and before the row is marked sent. So every message Baton posts carries Slack message
metadata with its delivery key — a digest ``baton_digest`` with ``<digest>:<period>``, any other
outbox message ``baton_outbox`` with its row's key (:attr:`Delivery.key`) — and before a row that
was attempted before is sent again, the place it goes to is searched for that key, from the
earlier claim (minus a margin for clock skew) on, a bounded number of pages:

- a channel post, a digest, a card that starts a thread: ``conversations.history`` (scopes
  ``channels:history`` / ``groups:history``, which Baton has for intake);
- a thread reply: ``conversations.replies`` on the thread (same scopes);
- a DM: the DM's id from ``conversations.open`` (``im:write``), then ``conversations.history``
  on it (``im:history``).

A refusal (no such channel, a scope the installation lacks) is logged and answered "not there":
posting a message a second time is better than never posting it. Rate limits and outages are
retried like the post itself.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.outbox.port import PermanentDeliveryError, TransientDeliveryError
from bot.slack.transport.failures import delivery_error
from routing.notices import Notice

log = logging.getLogger(__name__)

DIGEST_EVENT = "baton_digest"
OUTBOX_EVENT = "baton_outbox"
LOOK_BACK_MARGIN = timedelta(minutes=2)
"""History is searched from the earlier attempt's claim minus this (clock skew between hosts)."""
HISTORY_PAGE = 200
HISTORY_PAGES = 10
"""At most this many pages of history are read; a channel that busy is searched in part."""


@dataclass(frozen=True)
class Mark:
    """What a posted message carries to be found again: Slack message metadata."""

    event_type: str
    key: str

    def metadata(self) -> dict[str, Any]:
        """The ``metadata`` argument of ``chat.postMessage``."""
        return {"event_type": self.event_type, "event_payload": {"key": self.key}}


@dataclass(frozen=True)
class Place:
    """Where a message goes: a channel (or a user's DM), and the thread within it if any."""

    channel: str
    thread_ts: str | None = None
    dm: bool = False
    """``channel`` is a user id: the message goes to the app's DM with that user."""


def delivery_key(notice: Notice) -> str:
    """``daily:2026-11-22``: which digest and period a digest notice stands for."""
    return f"{notice.data.get('schedule')}:{notice.data.get('key')}"


def digest_mark(notice: Notice) -> Mark:
    return Mark(DIGEST_EVENT, delivery_key(notice))


def digest_metadata(notice: Notice) -> dict[str, Any]:
    """The ``metadata`` argument of ``chat.postMessage`` that marks this digest's message."""
    return digest_mark(notice).metadata()


def already_posted(client: WebClient, channel: str, notice: Notice, since: datetime) -> bool:
    """Whether ``channel`` has this digest's message from ``since`` (minus a margin) on."""
    return find_posted(client, Place(channel), digest_mark(notice), since) is not None


def find_posted(client: WebClient, place: Place, mark: Mark, since: datetime) -> str | None:
    """The ``ts`` of the message carrying ``mark`` at ``place`` from ``since`` (minus a margin)
    on, or None when it is not there or cannot be looked for (logged)."""
    try:
        return _search(client, place, mark, since - LOOK_BACK_MARGIN)
    except SlackApiError as err:
        error = delivery_error(err)
        if isinstance(error, PermanentDeliveryError):
            log.warning(
                "could not look for %s %s in %s (%s); posting it",
                mark.event_type,
                mark.key,
                place.channel,
                error,
            )
            return None
        raise error from err
    except (OSError, http.client.HTTPException) as err:
        raise TransientDeliveryError(f"Slack unreachable: {err!r}") from err


def _search(client: WebClient, place: Place, mark: Mark, oldest: datetime) -> str | None:
    pages = _pages(client, place, f"{oldest.timestamp():.6f}")
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        page = pages(cursor)
        found = next((m for m in page.get("messages") or [] if _carries(m, mark)), None)
        if found is not None:
            return str(found.get("ts") or "") or None
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            return None
    log.warning(
        "%s %s: searched %s pages of %s without finding it",
        mark.event_type,
        mark.key,
        HISTORY_PAGES,
        place.channel,
    )
    return None


def _pages(client: WebClient, place: Place, oldest: str) -> Callable[[str | None], SlackResponse]:
    """A page reader for ``place``: a thread's replies, or a channel's (or DM's) history."""
    common: dict[str, Any] = {"oldest": oldest, "include_all_metadata": True, "limit": HISTORY_PAGE}
    if place.thread_ts is not None:
        channel, ts = place.channel, place.thread_ts
        return lambda cursor: client.conversations_replies(
            channel=channel, ts=ts, cursor=cursor, **common
        )
    channel = _dm_channel(client, place.channel) if place.dm else place.channel
    return lambda cursor: client.conversations_history(channel=channel, cursor=cursor, **common)


def _dm_channel(client: WebClient, user_id: str) -> str:
    """The id (``D…``) of the app's DM with ``user_id``: history is read by channel id only."""
    channel = (client.conversations_open(users=user_id).get("channel") or {}).get("id")
    return str(channel or user_id)


def _carries(message: Any, mark: Mark) -> bool:
    metadata = message.get("metadata") if isinstance(message, dict) else None
    if not isinstance(metadata, dict) or metadata.get("event_type") != mark.event_type:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, dict) and payload.get("key") == mark.key
