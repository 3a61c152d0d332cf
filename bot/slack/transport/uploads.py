"""Files Baton puts in Slack: one way up (``files_upload_v2``: ``files.getUploadURLExternal``, the
bytes, ``files.completeUploadExternal``; scope ``files:write``) for the digest's funnel chart and
for a file notice from the outbox (a meeting's ``.ics`` invitation, in the person's DM).

A file notice is delivered at least once like every outbox row, and posted once: an upload carries
no message metadata, so a row attempted before looks in the DM's history since that attempt for a
message sharing a file of the same name, and takes it for the earlier attempt's. Slack sets a
file's type from its name (``.ics`` is ``text/calendar``); the notice's content type is not sent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from bot.outbox.port import Delivery, PermanentDeliveryError
from bot.slack.render.blocks import MentionFn, fallback
from routing.notices import FILE_CONTENT, FILE_NAME

log = logging.getLogger(__name__)

HISTORY_PAGE = 100


def upload(
    client: WebClient,
    channel: str,
    content: bytes,
    filename: str,
    *,
    title: str,
    comment: str,
) -> None:
    """Upload ``content`` as ``filename`` and share it in ``channel`` with ``comment``."""
    client.files_upload_v2(
        channel=channel,
        file=content,
        filename=filename,
        title=title,
        initial_comment=comment,
    )


def post_file(client: WebClient, delivery: Delivery, mention: MentionFn) -> None:
    """A file notice: to the person's DM (opened by ``conversations.open``), once."""
    notice = delivery.notice
    filename, content = notice.data.get(FILE_NAME), notice.data.get(FILE_CONTENT)
    if not isinstance(filename, str) or not filename or not isinstance(content, str):
        raise PermanentDeliveryError(f"a file notice needs a name and a content: {notice.text!r}")
    if delivery.recipient is None:
        raise PermanentDeliveryError(f"no rep {notice.rep_id} to send {filename} to")
    opened = client.conversations_open(users=delivery.recipient.user_id)
    channel = _channel_id(opened.get("channel"))
    if channel is None:
        raise PermanentDeliveryError(f"Slack opened no DM with rep {notice.rep_id}")
    earlier = delivery.previous_attempt_at
    if earlier is not None and _already_shared(client, channel, filename, earlier):
        log.info("%s is already in %s; not uploading it again", filename, channel)
        return
    upload(
        client,
        channel,
        content.encode(),
        filename,
        title=filename,
        comment=fallback(notice.text, mention),
    )


def _channel_id(channel: object) -> str | None:
    if isinstance(channel, Mapping) and isinstance(channel.get("id"), str) and channel["id"]:
        return str(channel["id"])
    return None


def _already_shared(client: WebClient, channel: str, filename: str, since: datetime) -> bool:
    """Whether a message in ``channel`` from ``since`` on shares a file named ``filename``."""
    cursor: str | None = None
    while True:
        page = client.conversations_history(
            channel=channel, oldest=f"{since.timestamp():.6f}", limit=HISTORY_PAGE, cursor=cursor
        )
        messages: Any = page.get("messages") or []
        for message in messages if isinstance(messages, list) else []:
            files = message.get("files") if isinstance(message, Mapping) else None
            for shared in files if isinstance(files, list) else []:
                if isinstance(shared, Mapping) and filename in (
                    shared.get("name"),
                    shared.get("title"),
                ):
                    return True
        meta = page.get("response_metadata")
        cursor = meta.get("next_cursor") if isinstance(meta, Mapping) else None
        if not page.get("has_more") or not cursor:
            return False
