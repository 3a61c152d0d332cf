"""How big a Teams message may be, declared once, and how Baton's messages are kept within it.

Teams refuses a bot message that is too large (413 ``MessageSizeTooBig``) and the message is lost.
Microsoft's current "Format your bot messages" page puts the limit at about 100 KB counted as
UTF-16 (so about 50,000 ASCII characters), recommends staying within 80 KB, and does not count
base64 images; older versions said 40 KB, and Adaptive Cards in Teams are documented and widely
reported to fail above 28 KB. Baton's budget is the strictest of these: 28,000 bytes for the
whole activity *including* any inline image, measured as the JSON the connector client sends
(``json.dumps`` with ASCII escapes, the largest encoding of the same text). That is 56 KB in
UTF-16 at worst, inside every version of the documented limit.

Long fields are cut with a pointer to where the whole text can be read (``lead show L-4``) rather
than sent whole and lost; a card that still does not fit is replaced by a short one saying so.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any

from bot.teams.render.cards import adaptive_card, text_block
from routing.limits import TeamsMessage

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = TeamsMessage.BYTES
"""The budget of one outgoing Teams activity (card, text, mention entities and inline images)."""
ENVELOPE_BYTES = TeamsMessage.ENVELOPE_BYTES
MORE = "…"
_CUTTABLE = frozenset(
    {"text", "value", "title", "label", "placeholder", "errorMessage", "altText", "summary"}
)
"""Card keys whose strings are words for people; ids, verbs, URLs and button data never are."""
_OPEN_MENTION = re.compile(r"<at>(?![^<]*</at>)[^<]*$")

Card = dict[str, Any]


def json_size(payload: Any) -> int:
    """The bytes ``payload`` takes on the wire (msrest sends ``json.dumps`` with its defaults)."""
    return len(json.dumps(payload).encode("ascii"))


def pointer(lead_ref: str | None) -> str:
    return f"{MORE} (see lead show {lead_ref})" if lead_ref else MORE


def cut(text: str, limit: int, more: str = MORE) -> str:
    """``text`` in at most ``limit`` characters, ending in ``more`` when shortened; never inside
    an ``<at>…</at>`` mention."""
    if len(text) <= limit:
        return text
    head = text[: max(0, limit - len(more))]
    head = _OPEN_MENTION.sub("", head)
    return head.rstrip() + more


def fit_text(text: str, budget: int = MAX_MESSAGE_BYTES - ENVELOPE_BYTES, more: str = MORE) -> str:
    """A message text whose JSON takes at most ``budget`` bytes (non-ASCII counts as escaped)."""
    if json_size(text) <= budget:
        return text
    limit = min(len(text), budget)
    while limit > len(more) and json_size(cut(text, limit, more)) > budget:
        limit = limit * 3 // 4
    return cut(text, limit, more)


def fit_card(
    card: Card, more: str = MORE, budget: int = MAX_MESSAGE_BYTES - ENVELOPE_BYTES
) -> Card:
    """``card`` within ``budget``: every text cut to ``TeamsMessage.FIELD_CHARS``, then the longest
    texts shorter and shorter until it fits; past that, a short card that says where to look."""
    limit = TeamsMessage.FIELD_CHARS
    fitted = _with_texts_cut(card, limit, more)
    while json_size(fitted) > budget and limit > TeamsMessage.MIN_FIELD_CHARS:
        limit //= 2
        fitted = _with_texts_cut(card, limit, more)
    if json_size(fitted) <= budget:
        return fitted
    log.warning(
        "a Teams card of %d bytes does not fit in a message; sent a short one instead",
        json_size(card),
    )
    return too_big_card(card, more)


def too_big_card(card: Card, more: str) -> Card:
    title = next(iter(_texts(card.get("body", []), {"text"})), "Baton")
    body = [
        text_block(cut(title, 200), weight="Bolder"),
        text_block(f"Too long to show in Teams{more}"),
    ]
    return adaptive_card(body)


def _with_texts_cut(card: Card, limit: int, more: str) -> Card:
    fitted: Card = _walk(copy.deepcopy(card), lambda text: cut(text, limit, more))
    _drop_lost_mentions(fitted)
    return fitted


def _walk(node: Any, shorten: Callable[[str], str]) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "data":
                continue
            if isinstance(value, str) and key in _CUTTABLE:
                node[key] = shorten(value)
            else:
                _walk(value, shorten)
    elif isinstance(node, list):
        for item in node:
            _walk(item, shorten)
    return node


def _texts(node: Any, keys: frozenset[str] | set[str] = _CUTTABLE) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and key in keys:
                yield value
            elif key != "data":
                yield from _texts(value, keys)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item, keys)


def _drop_lost_mentions(card: Card) -> None:
    """A mention entity must match text in the card; cut texts may have lost some."""
    msteams = card.get("msteams")
    if not isinstance(msteams, dict) or not msteams.get("entities"):
        return
    entities = msteams["entities"]
    shown = "\n".join(_texts(card.get("body", [])))
    msteams["entities"] = [e for e in entities if str(e.get("text")) in shown]
    if not msteams["entities"]:
        del msteams["entities"]
