"""Where Baton can reach people and channels later: stored Bot Framework conversation references.

Keys in ``conversation_refs`` (platform ``teams``):

- a person's ``29:…`` id → their personal chat with Baton once they have one; until then a
  reference from wherever Baton saw them (a channel, a mention, a team roster), which carries the
  service URL, tenant and bot needed to open a 1:1 chat with them;
- a channel or chat id (without ``;messageid=``) → that channel or chat.

The tenant id does not survive ``ConversationReference`` serialisation (``tenantID`` vs Teams'
``tenantId``), so it is stored beside the reference and put back on the way out.

Only usable references are stored: a service URL that is an http(s) URL (https when Teams
authentication is on), a conversation id that is there and of bounded length. An activity that
names no usable destination teaches nothing, and nothing is queued to it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ChannelAccount, ConversationReference

from bot.baton import ConversationStore, StoredConversation
from bot.teams.transport import activities as a
from routing import limits

PLATFORM = "teams"
PERSONAL = "batonPersonalChat"
"""Marks a stored reference that is the person's own 1:1 chat with Baton. The conversation type
cannot tell: a manager's personal chat seen with someone they mentioned is not that person's."""


def usable_service_url(url: object, *, https_only: bool) -> bool:
    """Where Bot Framework replies may go: an absolute http(s) URL with a host."""
    if not isinstance(url, str) or not 0 < len(url) <= limits.SERVICE_URL or not _plain(url):
        return False
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        return False
    schemes = ("https",) if https_only else ("http", "https")
    return parts.scheme in schemes and bool(parts.hostname) and port_ok and not parts.username


def usable_id(value: object, limit: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= limit and _plain(value)


def _plain(text: str) -> bool:
    """Printable, no spaces: ids and URLs go into connector URL paths."""
    return text.isprintable() and not any(ch.isspace() for ch in text)


def reachable(activity: Activity, *, https_only: bool) -> bool:
    """The activity names a conversation Baton can answer in."""
    return usable_service_url(activity.service_url, https_only=https_only) and usable_id(
        a.conversation_id(activity), limits.CONVERSATION_KEY
    )


@dataclass(frozen=True)
class Sighting:
    """One way to reach ``key`` again, learnt from an activity."""

    key: str
    reference: dict[str, Any]
    tenant_id: str | None
    personal: bool


def sightings(activity: Activity, *, https_only: bool) -> list[Sighting]:
    """What an activity teaches about reaching its sender, its conversation and people in it."""
    if not reachable(activity, https_only=https_only):
        return []
    base = TurnContext.get_conversation_reference(activity)
    tenant = a.tenant_id(activity)
    personal = a.is_personal(activity)
    found = [
        Sighting(key, _serialised(base, conversation=key), tenant, False)
        for key in _places(activity)
    ]
    for person, in_this_chat in _people(activity):
        if a.is_user(person.id) and usable_id(person.id, limits.USER_ID):
            theirs = personal and in_this_chat
            reference = {**_serialised(base, user=person), PERSONAL: theirs}
            found.append(Sighting(person.id, reference, tenant, theirs))
    return found


def _places(activity: Activity) -> list[str]:
    keys = [a.base_conversation(a.conversation_id(activity)), a.teams_channel_id(activity)]
    return list(dict.fromkeys(k for k in keys if k and usable_id(k, limits.CONVERSATION_KEY)))


def _people(activity: Activity) -> Iterator[tuple[ChannelAccount, bool]]:
    """Anyone Baton may DM later, and whether this chat is theirs (sender, members just added)
    or not (people mentioned: a manager's personal chat is not the personal chat of whom they
    mention)."""
    if isinstance(activity.from_property, ChannelAccount):
        yield activity.from_property, True
    bot_id = activity.recipient.id if activity.recipient else None
    for member in activity.members_added or []:
        if isinstance(member, ChannelAccount) and member.id != bot_id:
            yield member, True
    for mention in a.mentions(activity):
        if mention.user_id != bot_id:
            yield ChannelAccount(id=mention.user_id, name=mention.name), False


def _serialised(
    base: ConversationReference,
    *,
    user: ChannelAccount | None = None,
    conversation: str | None = None,
) -> dict[str, Any]:
    ref = copy.deepcopy(base)
    if user is not None:
        ref.user = ChannelAccount(id=user.id, name=user.name)
    if conversation is not None:
        ref.conversation.id = conversation
    data: dict[str, Any] = ref.serialize()
    return data


def remember(store: ConversationStore, seen: list[Sighting], at: datetime) -> None:
    """Store what was seen; a person's personal chat is never replaced by a channel sighting."""
    for sighting in seen:
        if not sighting.personal and _has_personal(store, sighting.key):
            continue
        store.save(PLATFORM, sighting.key, sighting.reference, sighting.tenant_id, at)


def _has_personal(store: ConversationStore, key: str) -> bool:
    stored = store.load(PLATFORM, key)
    return stored is not None and is_personal_reference(stored.reference)


def is_personal_reference(reference: dict[str, Any]) -> bool:
    return reference.get(PERSONAL) is True


def load(store: ConversationStore, key: str) -> StoredConversation | None:
    return store.load(PLATFORM, key)


def restore(
    stored: StoredConversation, conversation_id: str | None = None
) -> ConversationReference:
    """The reference ready for ``continue_conversation``: tenant back in, thread chosen."""
    ref = ConversationReference().deserialize(stored.reference)
    if stored.tenant_id:
        ref.conversation.tenant_id = stored.tenant_id
    if conversation_id:
        ref.conversation.id = conversation_id
    return ref
