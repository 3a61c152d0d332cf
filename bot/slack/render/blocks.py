"""Baton's words and lead cards as Slack text and Block Kit, always inside Block Kit's limits.

Slack rejects a whole message (``invalid_blocks``) when one limit is broken, so every builder
here cuts text to size instead: a long reply becomes several sections, a card shows at most ten
fields, a home tab stops at its block limit with a pointer to ``/lead mine``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from routing.chat.actions import CONFIRM_NO, CONFIRM_TITLE, CONFIRM_YES, Action, actions_named
from routing.chat.slots import SlotChoices
from routing.limits import BlockKit
from routing.notices import LeadCard
from routing.team import render_mentions
from routing.usecases.views import LeadView

Block = dict[str, Any]
MentionFn = Callable[[int, str], str]
"""``(rep id, name) -> how the rep is named in Slack`` (``<@U123>`` or a plain name)."""

ACTION_PREFIX = "lead:"
SLOT_PREFIX = "slot:"
"""A free-time button's ``action_id``: ``slot:<n>``; its value names the lead and the start."""
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")


# --- text -------------------------------------------------------------------------------------


def escape(text: str) -> str:
    """The three characters Slack reads as markup, escaped, so a lead's data shows as typed."""
    return text.translate(_ESCAPES)


def slack_text(text: str, mention: MentionFn) -> str:
    """Baton's neutral text as Slack mrkdwn: escaped, with ``<rep:ID|name>`` mentions rendered.

    Mentions become placeholders first so escaping cannot break the ``<@U…>`` they turn into.
    """
    rendered: list[str] = []

    def hold(rep_id: int, name: str) -> str:
        rendered.append(mention(rep_id, name))
        return f"\x00{len(rendered) - 1}\x00"

    held = escape(render_mentions(text, hold))
    return _PLACEHOLDER.sub(lambda m: rendered[int(m.group(1))], held)


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chunks(text: str, limit: int = BlockKit.SECTION_TEXT) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, split at line ends where possible."""
    pieces: list[str] = []
    while len(text) > limit:
        split = text.rfind("\n", 0, limit)
        split = split if split > 0 else limit
        pieces.append(text[:split])
        text = text[split:].lstrip("\n")
    return [*pieces, text] if text else pieces


def plain(text: str, limit: int = BlockKit.BUTTON_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": cut(text, limit) or " ", "emoji": True}


def section(mrkdwn: str) -> Block:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": cut(mrkdwn, BlockKit.SECTION_TEXT)},
    }


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, BlockKit.HEADER_TEXT)}


def sections(mrkdwn: str) -> list[Block]:
    return [section(piece) for piece in chunks(mrkdwn)]


# --- lead cards -------------------------------------------------------------------------------


def action_id(action: str) -> str:
    """``proposal requested`` → ``lead:proposal_requested``."""
    return ACTION_PREFIX + action.replace(" ", "_")


def action_name(action_id_: str) -> str:
    """``lead:proposal_requested`` → ``proposal requested`` (the inverse of :func:`action_id`)."""
    return action_id_.removeprefix(ACTION_PREFIX).replace("_", " ")


def button(action: Action, lead_id: int) -> Block:
    """A lead's step as a Block Kit button: the lead id rides as its value."""
    element: Block = {
        "type": "button",
        "text": plain(action.label),
        "action_id": action_id(action.name),
        "value": str(lead_id),
    }
    if action.primary:
        element["style"] = "primary"
    if action.confirm:
        element["confirm"] = {
            "title": plain(CONFIRM_TITLE, BlockKit.CONFIRM_TITLE),
            "text": plain(action.confirm, BlockKit.CONFIRM_TEXT),
            "confirm": plain(CONFIRM_YES),
            "deny": plain(CONFIRM_NO),
        }
    return element


def buttons(card: LeadCard) -> list[Block]:
    actions = actions_named(card.actions)[: BlockKit.ACTIONS]
    if not actions:
        return []
    elements = [button(action, card.lead_id) for action in actions]
    return [{"type": "actions", "block_id": f"lead:{card.lead_id}", "elements": elements}]


def slot_blocks(slots: SlotChoices | None) -> list[Block]:
    """The free times to pick from, as buttons, with the typed command beside them."""
    if slots is None or not slots.choices:
        return []
    elements = [
        {
            "type": "button",
            "text": plain(choice.label),
            "action_id": f"{SLOT_PREFIX}{choice.number}",
            "value": slots.value(choice),
        }
        for choice in slots.choices[: BlockKit.ACTIONS]
    ]
    return [
        section(f"{escape(slots.prompt)} {escape(slots.typed)}"),
        {"type": "actions", "block_id": f"slots:{slots.lead_id}", "elements": elements},
    ]


def card_fields(card: LeadCard, mention: MentionFn) -> list[dict[str, str]]:
    owner = slack_text(card.owner, mention) if card.owner else "nobody yet"
    pairs: list[tuple[str, str]] = [("Stage", escape(card.stage)), ("Owner", owner)]
    pairs += [(escape(k), escape(v)) for k, v in card.details.items()]
    return [
        {"type": "mrkdwn", "text": cut(f"*{label}*\n{value}", BlockKit.FIELD_TEXT)}
        for label, value in pairs[: BlockKit.FIELDS]
    ]


def card_blocks(card: LeadCard, mention: MentionFn, headline: str | None = None) -> list[Block]:
    """A lead: an optional line above it, its details, its qualification and next-step buttons."""
    blocks = sections(slack_text(headline, mention)) if headline else []
    title = section(f"*{escape(card.ref)}* · {escape(card.title)}")
    title["fields"] = card_fields(card, mention)
    blocks.append(title)
    if card.qualification:
        blocks.append(_context(escape(card.qualification)))
    blocks += buttons(card)
    return blocks[: BlockKit.MESSAGE_BLOCKS]


def fallback(text: str, mention: MentionFn) -> str:
    """The ``text`` beside blocks: what notifications and screen readers show."""
    return cut(slack_text(text, mention), BlockKit.FALLBACK_TEXT)


# --- replies to the person acting -------------------------------------------------------------


def ephemeral(
    text: str,
    mention: MentionFn,
    card: LeadCard | None = None,
    slots: SlotChoices | None = None,
) -> dict[str, Any]:
    """A reply only the person who typed sees: the body of a slash command's acknowledgement
    (with the free times to pick from under it, after a hand-off)."""
    blocks = sections(slack_text(text, mention)) + slot_blocks(slots)
    if card is not None:
        blocks += card_blocks(card, mention)
    return {
        "response_type": "ephemeral",
        "text": fallback(text, mention),
        "blocks": blocks[: BlockKit.MESSAGE_BLOCKS],
    }


def lead_view_message(view: LeadView, card: LeadCard | None, mention: MentionFn) -> dict[str, Any]:
    """`/lead show` for the person who asked: the lead's facts first, then its history, then
    the buttons for its next steps. The lead's own data is escaped, so it shows as typed."""
    blocks = [section(f"*{escape(view.ref)}* · {escape(view.title)}")]
    facts = [f"*{escape(label)}:* {_fact(label, value, mention)}" for label, value in view.facts]
    blocks += sections("\n".join(facts))
    if view.original_post:
        blocks.append(_context("*Original post:*\n" + escape(view.original_post)))
    total = len(view.history) + view.earlier_events
    title = "*History*" + (
        f" (latest {len(view.history)} of {total})" if view.earlier_events else ""
    )
    blocks += sections("\n".join([title, *(slack_text(line, mention) for line in view.history)]))
    if card is not None:
        blocks += buttons(card)
    return {
        "response_type": "ephemeral",
        "text": fallback(view.text(), mention),
        "blocks": blocks[: BlockKit.MESSAGE_BLOCKS],
    }


def _fact(label: str, value: str, mention: MentionFn) -> str:
    return slack_text(value, mention) if label == "Owner" else escape(value)


# --- App Home ---------------------------------------------------------------------------------


def home_view(
    cards: Sequence[LeadCard], mention: MentionFn, notice: str | None = None
) -> dict[str, Any]:
    """ "My leads", grouped by stage (cards come sorted by stage), with each lead's buttons."""
    blocks: list[Block] = [header("My leads")]
    if notice:
        blocks.append(_context(slack_text(notice, mention)))
    if not cards:
        blocks.append(section("You have no open leads right now. New ones arrive here and in DMs."))
        return {"type": "home", "blocks": blocks}
    limit = BlockKit.VIEW_BLOCKS - 1  # room for the "…and N more" line
    shown = 0
    for stage, group in _by_stage(cards):
        if len(blocks) + 4 > limit:  # divider, stage title and one lead (line + buttons)
            break
        blocks += [_divider(), section(f"*{escape(stage.capitalize())}*")]
        for card in group:
            lead = [_home_line(card), *buttons(card)]
            if len(blocks) + len(lead) > limit:
                break
            blocks += lead
            shown += 1
    if shown < len(cards):
        blocks.append(_context(f"…and {len(cards) - shown} more: `/lead mine` lists them all."))
    return {"type": "home", "blocks": blocks}


def _by_stage(cards: Iterable[LeadCard]) -> list[tuple[str, list[LeadCard]]]:
    groups: dict[str, list[LeadCard]] = {}
    for card in cards:
        groups.setdefault(card.stage, []).append(card)
    return list(groups.items())


def _home_line(card: LeadCard) -> Block:
    details = " · ".join(escape(v) for k, v in card.details.items() if k in {"Email", "Phone"})
    line = f"*{escape(card.ref)}* {escape(card.title)}" + (f"\n{details}" if details else "")
    return section(line)


def _divider() -> Block:
    return {"type": "divider"}


def _context(mrkdwn: str) -> Block:
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": cut(mrkdwn, BlockKit.CONTEXT_TEXT)}],
    }
