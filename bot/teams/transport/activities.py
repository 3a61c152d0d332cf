"""Reading Teams activities: who, where, which words, which mentions — no I/O, no decisions.

Teams specifics worth knowing (from Microsoft's documented shapes):

- ``channelData`` carries ``tenant.id``, ``team.id`` and ``channel.id`` (``19:…@thread.tacv2``),
  the channel documented only for messages that mention the bot and for channel events.
- In a channel, ``conversation.id`` is ``<channel id>;messageid=<root message id>``: a root post
  has its own id there, a reply in a thread the id of the post it answers.
- Mentions arrive in the text as ``<at>Name</at>`` with a ``mention`` entity per mention carrying
  ``mentioned.id`` (the user's ``29:…`` id) and the exact ``text`` used.
- ``localTimezone`` is the sender's IANA zone as their client reports it.

botbuilder's schema checks the typed fields; entity properties, ``channelData`` and ``value`` can
hold any JSON, so every reader here takes what has the expected shape and ignores the rest.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any
from zoneinfo import available_timezones

from botbuilder.schema import Activity

from routing import limits
from routing.roles import Platform
from routing.usecases.context import Actor

COMMAND_WORDS = frozenset({"lead", "rotation", "funnel"})
THREAD_MARK = ";messageid="
PERSON_PREFIXES = ("29:", "8:orgid:")
"""How Teams user ids start; tags, channels (``19:``) and apps (``28:``) don't."""
_AT_TAG = re.compile(r"</?at[^>]*>", re.IGNORECASE)
_BREAK = re.compile(r"<br\s*/?>|</p>|</div>", re.IGNORECASE)
_TAG = re.compile(r"<(?!@)[^<>]*>")


@dataclass(frozen=True)
class Mentioned:
    user_id: str
    name: str
    text: str


def channel_data(activity: Activity) -> Mapping[str, Any]:
    data = activity.channel_data
    return data if isinstance(data, Mapping) else {}


def _id_in(data: Mapping[str, Any], key: str) -> str | None:
    part = data.get(key)
    value = part.get("id") if isinstance(part, Mapping) else None
    return value if isinstance(value, str) and value else None


def tenant_id(activity: Activity) -> str | None:
    """``channelData.tenant.id``, else the conversation's ``tenantId`` (botbuilder leaves it in
    ``additional_properties``)."""
    found = _id_in(channel_data(activity), "tenant")
    if found or activity.conversation is None:
        return found
    extra = activity.conversation.additional_properties or {}
    value = activity.conversation.tenant_id or extra.get("tenantId")
    return value if isinstance(value, str) and value else None


def teams_channel_id(activity: Activity) -> str | None:
    """``channelData.channel.id``, else the channel a channel conversation's id names.

    Teams documents ``channelData.channel`` only "when the bot is mentioned or for events in
    channels", so a post Baton sees through ``ChannelMessage.Read.Group`` may come without it;
    the conversation id of a channel message always starts with its channel's id.
    """
    found = _id_in(channel_data(activity), "channel")
    conversation = activity.conversation
    if found or conversation is None or conversation.conversation_type != "channel":
        return found
    return base_conversation(conversation_id(activity)) or None


def team_id(activity: Activity) -> str | None:
    return _id_in(channel_data(activity), "team")


def conversation_id(activity: Activity) -> str:
    return activity.conversation.id if activity.conversation and activity.conversation.id else ""


def base_conversation(conv_id: str) -> str:
    """The channel or chat without the thread part."""
    return conv_id.split(THREAD_MARK, 1)[0]


def thread_conversation(channel: str, root_message_id: str) -> str:
    return f"{base_conversation(channel)}{THREAD_MARK}{root_message_id}"


def is_personal(activity: Activity) -> bool:
    kind = activity.conversation.conversation_type if activity.conversation else None
    return bool(kind == "personal" or (kind is None and not teams_channel_id(activity)))


def is_thread_reply(activity: Activity) -> bool:
    """A reply inside a channel thread, not a new post."""
    _, mark, root = conversation_id(activity).partition(THREAD_MARK)
    if mark:
        return bool(root != activity.id)
    return bool(activity.reply_to_id)


def is_user(account_id: str | None) -> bool:
    """Teams users are ``29:…`` (``8:orgid:…`` in some payloads); bots and apps are ``28:…``."""
    return bool(account_id) and not str(account_id).startswith("28:")


def actor_of(activity: Activity) -> Actor | None:
    """The person who sent the activity, with the timezone their client reports when it is one
    Baton knows (so their working hours and SLAs run on their clock, as Slack's do)."""
    sender = activity.from_property
    if sender is None or not is_user(sender.id):
        return None
    return Actor(Platform.TEAMS, sender.id, sender.name or None, local_timezone(activity))


def local_timezone(activity: Activity) -> str | None:
    name = activity.local_timezone
    if isinstance(name, str) and len(name) <= limits.TIMEZONE and name in _known_zones():
        return name
    return None


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def mentions(activity: Activity) -> list[Mentioned]:
    return list(_mentions(activity))


def _mentions(activity: Activity) -> Iterator[Mentioned]:
    for entity in activity.entities or []:
        kind = getattr(entity, "type", None)
        if not isinstance(kind, str) or kind.lower() != "mention":
            continue
        props = entity.additional_properties
        who = props.get("mentioned") if isinstance(props, Mapping) else None
        if not isinstance(who, Mapping):
            continue
        user_id, name = who.get("id"), _string(who.get("name"))
        if isinstance(user_id, str) and user_id:
            yield Mentioned(user_id, name, _string(props.get("text")) or f"<at>{name}</at>")


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def mentions_bot(activity: Activity) -> bool:
    bot_id = activity.recipient.id if activity.recipient else None
    return any(m.user_id == bot_id for m in mentions(activity))


def with_mention_tokens(text: str, mentioned: list[Mentioned], bot_id: str | None) -> str:
    """Each user mention (by entity, not by guessing at names) → ``<@29:…|Name>``; the bot's goes.

    Mentions of tags, channels or apps keep just their name.
    """
    for mention in mentioned:
        if mention.user_id == bot_id:
            replacement = ""
        elif mention.user_id.startswith(PERSON_PREFIXES):
            replacement = f"<@{mention.user_id}|{mention.name.replace('>', '')}>"
        else:
            replacement = mention.name
        text = text.replace(mention.text, replacement, 1)
    return _AT_TAG.sub("", text)


def command_words(activity: Activity) -> tuple[str, str] | None:
    """(``lead``/``rotation``/``funnel``, the rest) of a typed command, or None if it isn't one."""
    bot_id = activity.recipient.id if activity.recipient else None
    text = with_mention_tokens(activity.text or "", mentions(activity), bot_id)
    text = html.unescape(_TAG.sub(" ", _BREAK.sub("\n", text))).replace("\xa0", " ")
    word, _, rest = text.strip().partition(" ")
    if word.lstrip("/").lower() not in COMMAND_WORDS:
        return None
    return word.lstrip("/").lower(), rest.strip()


def plain_text(activity: Activity) -> str:
    """A channel post as readable lines, for the lead-post parser: Baton's own mention goes,
    anyone else mentioned stays as their name."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    for mention in mentions(activity):
        if mention.user_id == bot_id:
            text = text.replace(mention.text, "", 1)
    text = _AT_TAG.sub("", text)
    text = _TAG.sub("", _BREAK.sub("\n", text))
    return html.unescape(text).replace("\xa0", " ").strip()


def card_value(activity: Activity) -> Mapping[str, Any] | None:
    """The data of a Baton card button (``Action.Submit`` arrives as a message with ``value``)."""
    value = activity.value
    if isinstance(value, Mapping) and "baton" in value:
        return value
    return None
