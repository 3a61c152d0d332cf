"""Finding a digest Baton already posted, so a retried or re-claimed digest row posts it once.

The outbox delivers at least once: a sender can die (or time out) after Slack accepted a
message and before the row is marked sent. For digests, posted once a day to a whole team, that
is not good enough, so each digest message carries Slack message metadata with its delivery key
(``<digest>:<period>``), and before a row that was attempted before is sent again, the channel's
recent history (``conversations.history``, which needs the ``channels:history`` /
``groups:history`` scopes Baton already has for intake) is searched for that key.
"""

from __future__ import annotations

import http.client
import logging
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.outbox.port import PermanentDeliveryError, TransientDeliveryError
from routing.notices import Notice

log = logging.getLogger(__name__)

DIGEST_EVENT = "baton_digest"
LOOK_BACK_MARGIN = timedelta(minutes=2)
"""History is searched from the earlier attempt's claim minus this (clock skew between hosts)."""
HISTORY_PAGE = 200
HISTORY_PAGES = 10
"""At most this many pages of history are read; a channel that busy is searched in part."""


def delivery_key(notice: Notice) -> str:
    """``daily:2026-11-22``: which digest and period a digest notice stands for."""
    return f"{notice.data.get('schedule')}:{notice.data.get('key')}"


def digest_metadata(notice: Notice) -> dict[str, Any]:
    """The ``metadata`` argument of ``chat.postMessage`` that marks this digest's message."""
    return {"event_type": DIGEST_EVENT, "event_payload": {"key": delivery_key(notice)}}


def already_posted(client: WebClient, channel: str, notice: Notice, since: datetime) -> bool:
    """Whether ``channel`` has this digest's message from ``since`` (minus a margin) on.

    A refusal (no such channel, missing scope) is logged and answered "no": posting a digest a
    second time is better than never posting it. Rate limits and outages are retried.
    """
    key = delivery_key(notice)
    try:
        return _search(client, channel, key, since - LOOK_BACK_MARGIN)
    except SlackApiError as err:
        from bot.slack.transport.notifier import delivery_error

        error = delivery_error(err)
        if isinstance(error, PermanentDeliveryError):
            log.warning("could not look for digest %s in %s (%s); posting it", key, channel, error)
            return False
        raise error from err
    except (OSError, http.client.HTTPException) as err:
        raise TransientDeliveryError(f"Slack unreachable: {err!r}") from err


def _search(client: WebClient, channel: str, key: str, oldest: datetime) -> bool:
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        page = client.conversations_history(
            channel=channel,
            oldest=f"{oldest.timestamp():.6f}",
            include_all_metadata=True,
            limit=HISTORY_PAGE,
            cursor=cursor,
        )
        if any(_carries(message, key) for message in page.get("messages") or []):
            return True
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if cursor is None:
            return False
    log.warning(
        "digest %s: searched %s pages of %s without finding it", key, HISTORY_PAGES, channel
    )
    return False


def _carries(message: Any, key: str) -> bool:
    metadata = message.get("metadata") if isinstance(message, dict) else None
    if not isinstance(metadata, dict) or metadata.get("event_type") != DIGEST_EVENT:
        return False
    payload = metadata.get("event_payload")
    return isinstance(payload, dict) and payload.get("key") == key
