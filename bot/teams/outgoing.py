"""An outbox ``Notice`` as the Teams message activity that shows it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from botbuilder.schema import Activity, ActivityTypes, Attachment, ChannelAccount, Mention

from bot.teams.cards import CONTENT_TYPE, Card, lead_card, qualification_form
from bot.teams.digest import digest_text_card
from bot.teams.render import TeamsText, paragraphs
from routing.notices import Notice, NoticeKind
from routing.team import Rep, plain_mentions

SUMMARY_LENGTH = 120


def activity_for(notice: Notice, reps: Mapping[int, Rep], card: Card | None = None) -> Activity:
    """``card``: one the caller prepared (a rebuilt digest); else it follows from the notice."""
    say = TeamsText(reps)
    card = card or card_of(notice, say)
    if card is not None:
        return Activity(
            type=ActivityTypes.message,
            attachments=[Attachment(content_type=CONTENT_TYPE, content=card)],
            summary=plain_mentions(notice.text)[:SUMMARY_LENGTH],
        )
    text = say(paragraphs(notice.text))
    return Activity(
        type=ActivityTypes.message,
        text=text,
        text_format="markdown",
        entities=[_mention(entity) for entity in say.entities] or None,
    )


def card_of(notice: Notice, say: TeamsText) -> Card | None:
    """The Adaptive Card a notice is shown as, or None for a plain text message."""
    data = notice.data
    prepared = data.get("teams_card")
    if isinstance(prepared, dict):
        return prepared
    if data.get("form") == "qualify":
        return _form(notice, data, say)
    if notice.kind is NoticeKind.DIGEST:
        return digest_text_card(notice.text)
    if notice.card is not None:
        return lead_card(notice.card, say, notice.text)
    return None


def _form(notice: Notice, data: Mapping[str, Any], say: TeamsText) -> Card:
    lead_id = int(data.get("lead") or (notice.card.lead_id if notice.card else 0))
    title = str(data.get("title") or (notice.card.title if notice.card else ""))
    return qualification_form(lead_id, title, say, data.get("values"), data.get("errors"))


def _mention(entity: Mapping[str, Any]) -> Mention:
    who = entity["mentioned"]
    return Mention(
        mentioned=ChannelAccount(id=who["id"], name=who["name"]),
        text=entity["text"],
        type="mention",
    )
