"""Intake: messages in the intake channels become leads, whoever or whatever posted them.

People's posts and other apps' posts (form integrations send ``bot_message``s with attachment
fields or Block Kit fields) are taken in; thread replies, edits, deletions and other subtypes
are not. Baton's own messages never get here: the transport tells them from the event itself
(``identity.written_by_this_app``), so intake never waits for ``auth.test``.
A redelivered event is passed on as it is: the intake use case recognises the channel message
(and the event id) and creates no second lead. A post's mrkdwn is read here, into the plain
text every adapter hands the domain (:mod:`bot.slack.listeners.mrkdwn`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

from slack_bolt import App

from bot.slack.listeners.deps import SlackDeps
from bot.slack.listeners.message_fields import extract_post
from bot.slack.listeners.mrkdwn import plain_post
from routing.arrival import Arrival, posted
from routing.phones import PhoneReader
from routing.relay import SYSTEM
from routing.roles import Platform
from routing.status import ChatStatus
from routing.usecases.context import Ctx, Outcome
from routing.usecases.profile import user_changed

log = logging.getLogger(__name__)

INTAKE_SUBTYPES = frozenset({None, "bot_message", "file_share"})


def inbound_post(
    event: Mapping[str, Any],
    body: Mapping[str, Any],
    intake_channels: Collection[str],
    *,
    phones: PhoneReader,
) -> Arrival | None:
    """The lead post a message event carries, or None when it is not one to take in;
    ``phones`` finds phone numbers in its free text."""
    channel, ts = event.get("channel"), event.get("ts")
    if not isinstance(channel, str) or not isinstance(ts, str) or channel not in intake_channels:
        return None
    if event.get("subtype") not in INTAKE_SUBTYPES or event.get("hidden"):
        return None
    thread_ts = event.get("thread_ts")
    if thread_ts is not None and thread_ts != ts:
        return None
    text, pairs, field_texts = plain_post(*extract_post(event))
    event_id = body.get("event_id")
    return posted(
        Platform.SLACK,
        channel,
        ts,
        text,
        pairs,
        field_texts,
        phones=phones,
        event_id=str(event_id) if event_id else None,
    )


def posted_by_a_person(event: Mapping[str, Any]) -> str | None:
    """The author's user id when a person posted it; None for apps and integrations."""
    if event.get("subtype") == "bot_message" or event.get("bot_id"):
        return None
    user = event.get("user")
    return user if isinstance(user, str) and user else None


def changed_status(event: Mapping[str, Any]) -> tuple[str, ChatStatus] | None:
    """The user and status a ``user_change`` event carries; None for a shape without them."""
    user = event.get("user")
    if not isinstance(user, Mapping) or not isinstance(user.get("id"), str):
        return None
    profile = user.get("profile")
    profile = profile if isinstance(profile, Mapping) else {}
    expiration = profile.get("status_expiration")
    return user["id"], ChatStatus(
        emoji=str(profile.get("status_emoji") or ""),
        text=str(profile.get("status_text") or ""),
        expiration=expiration if isinstance(expiration, int) and expiration > 0 else 0,
    )


def register(app: App, deps: SlackDeps) -> None:
    away = deps.baton.settings.away_statuses()

    @app.event("user_change")
    def on_user_change(event: dict[str, Any]) -> None:
        found = changed_status(event)
        if found is None:
            log.warning("user_change without a user id; ignored")
            return
        user_id, status = found
        profile = deps.users.changed(user_id, event["user"])

        def use_case(ctx: Ctx) -> Outcome:
            return user_changed(
                ctx, Platform.SLACK, user_id, profile.name, profile.timezone, status, away
            )

        deps.baton.relay.run(SYSTEM, use_case)

    @app.event("message")
    def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        phones = deps.baton.relay.config.phones
        post = inbound_post(event, body, deps.intake_channels, phones=phones)
        if post is None:
            return
        author = posted_by_a_person(event)
        deps.baton.relay.ingest(post, deps.users.actor(author) if author else None)
