"""The outbox's Slack notifier: thread replies, lead cards (posted once, then updated in place),
DMs, channel posts, digests (:mod:`bot.slack.transport.digests`) and files
(:mod:`bot.slack.transport.uploads`), with Slack's failures sorted
into "try again later" and "give up" (:mod:`bot.slack.transport.failures`).

Every message is posted once even when an earlier attempt at its row may have reached Slack (the
sender died or timed out before marking it sent): each carries its row's key as message metadata,
and a row attempted before is looked for first (:mod:`bot.slack.transport.delivered`); found, its
``ts`` stands for the post. Card updates (``chat.update``) need no look: doing one twice is one.

The Web client handed in must not retry by itself (``retry_handlers=[]``): a 429 waits in the
outbox until ``Retry-After`` has passed instead of blocking the sender thread.
"""

from __future__ import annotations

import http.client
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.outbox.port import (
    CLAIM_MARGIN,
    STALE_SENDING,
    Delivery,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from bot.slack.render.blocks import (
    MentionFn,
    card_blocks,
    fallback,
    sections,
    slack_text,
    slot_blocks,
)
from bot.slack.transport.delivered import OUTBOX_EVENT, Mark, Place, find_posted
from bot.slack.transport.digests import post_digest
from bot.slack.transport.failures import delivery_error
from bot.slack.transport.uploads import post_file
from bot.slack.transport.users import delivery_mentions
from routing.chat.slots import notice_slots
from routing.limits import BlockKit
from routing.notices import Notice, NoticeKind
from routing.usecases.digests import DigestSource

log = logging.getLogger(__name__)


class SlackNotifier:
    """Delivers one outbox notice to Slack; returns the ts of a lead card it posted."""

    def __init__(
        self,
        client: WebClient,
        after_lead_dm: Callable[[str], None] | None = None,
        *,
        digests: DigestSource,
    ) -> None:
        self.client = client
        self.after_lead_dm = after_lead_dm
        """Called with the Slack user id after a lead card reached their DMs (home refresh)."""
        self.digests = digests
        """Rebuilds the digest a digest notice names (``Relay.digest_for``)."""

    @property
    def claim_window(self) -> timedelta:
        """An outbox claim outlives any call this notifier's client makes (bot.outbox)."""
        timeout = getattr(self.client, "timeout", None)
        if not isinstance(timeout, int | float):
            return STALE_SENDING
        return timedelta(seconds=timeout) + CLAIM_MARGIN

    def deliver(self, delivery: Delivery) -> str | None:
        try:
            return self._deliver(delivery)
        except SlackApiError as err:
            raise delivery_error(err) from err
        except (OSError, http.client.HTTPException) as err:  # timeouts, refused, reset
            raise TransientDeliveryError(f"Slack unreachable: {err!r}") from err

    def _deliver(self, delivery: Delivery) -> str | None:
        notice = delivery.notice
        mention = delivery_mentions(delivery.reps)
        if notice.kind is NoticeKind.DIGEST:
            post_digest(self.client, delivery, self.digests)
            return None
        if notice.kind is NoticeKind.FILE:
            post_file(self.client, delivery, mention)
            return None
        if notice.rep_id is not None:
            return self._direct(delivery, mention)
        if notice.thread is not None:
            return self._in_thread(delivery, mention)
        if notice.channel:
            self._post(delivery, mention, Place(notice.channel))
            return None
        raise PermanentDeliveryError(f"notice has no destination: {notice!r}")

    def _direct(self, delivery: Delivery, mention: MentionFn) -> str | None:
        """A DM; returns ``<DM channel>:<ts>`` (``chat.update`` needs the ``D…`` id, not the
        user's), so an erasure can rewrite it."""
        notice = delivery.notice
        if delivery.recipient is None:
            raise PermanentDeliveryError(f"no rep {notice.rep_id} to message")
        if notice.edit_ref:
            dm, _, edited = notice.edit_ref.partition(":")
            self.client.chat_update(channel=dm, ts=edited, **_content(notice, mention))
            return None
        user_id = delivery.recipient.user_id
        opened, posted = self._post(delivery, mention, Place(user_id, dm=True))
        if notice.card is not None and self.after_lead_dm is not None:
            self.after_lead_dm(user_id)
        return f"{opened}:{posted}" if isinstance(opened, str) and opened and posted else None

    def _in_thread(self, delivery: Delivery, mention: MentionFn) -> str | None:
        """A reply in the lead's thread. A lead with no source message (a webhook's) has its
        card as the thread: the card is posted to the channel and later replies go under it."""
        notice = delivery.notice
        assert notice.thread is not None
        channel = notice.thread.channel
        thread_ts = notice.thread.message_id or delivery.card_ref
        edited = notice.edit_ref or (delivery.card_ref if notice.update_card else None)
        if edited:
            self.client.chat_update(channel=channel, ts=edited, **_content(notice, mention))
            return None
        return self._post(delivery, mention, Place(channel, thread_ts))[1]

    def _post(
        self, delivery: Delivery, mention: MentionFn, place: Place
    ) -> tuple[str | None, str | None]:
        """Post the notice at ``place`` marked with its row's key, unless an earlier attempt at
        the row is there already; the message's channel (a DM's ``D…`` id; None for a DM found
        by an earlier attempt) and ``ts`` either way."""
        mark = Mark(OUTBOX_EVENT, delivery.key) if delivery.key else None
        earlier = delivery.previous_attempt_at
        if mark is not None and earlier is not None:
            found = find_posted(self.client, place, mark, earlier)
            if found is not None:
                log.info(
                    "outbox %s is already in %s; not posting it again", mark.key, place.channel
                )
                return (None if place.dm else place.channel), found
        where: dict[str, Any] = {"channel": place.channel}
        if place.thread_ts is not None:
            where["thread_ts"] = place.thread_ts
        if mark is not None:
            where["metadata"] = mark.metadata()
        response = self.client.chat_postMessage(**where, **_content(delivery.notice, mention))
        channel, ts = response.get("channel"), response.get("ts")
        return (str(channel) if channel else None), (str(ts) if ts else None)


def _content(notice: Notice, mention: MentionFn) -> dict[str, Any]:
    content: dict[str, Any] = {"text": fallback(notice.text, mention)}
    slots = notice_slots(notice)
    if slots is not None:  # free times to pick: under the text, above any card
        blocks = sections(slack_text(notice.text, mention)) + slot_blocks(slots)
        if notice.card is not None:
            blocks += card_blocks(notice.card, mention)
        content["blocks"] = blocks[: BlockKit.MESSAGE_BLOCKS]
    elif notice.card is not None:
        content["blocks"] = card_blocks(notice.card, mention, headline=notice.text)
    elif notice.edit_ref:  # blocks of their own, so a card's blocks are replaced, not kept
        text = {"type": "mrkdwn", "text": content["text"]}
        content["blocks"] = [{"type": "section", "text": text}]
    return content
