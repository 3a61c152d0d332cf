"""An outbox ``Notice`` as the Teams message activities that show it, each within the size budget
of :mod:`bot.teams.render.size` (a digest may take several; everything else takes one)."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from botbuilder.schema import Activity, ActivityTypes, Attachment, ChannelAccount, Mention

from bot.teams.render.cards import CONTENT_TYPE, Card, form_card, lead_card, text_card, with_slots
from bot.teams.render.digest import digest_text_card
from bot.teams.render.size import fit_card, fit_text, pointer
from bot.teams.render.text import TeamsText, paragraphs
from routing.chat.forms import FORMS, Form
from routing.chat.slots import notice_slots
from routing.limits import TeamsMessage
from routing.notices import FILE_CONTENT, FILE_NAME, FILE_TYPE, Notice, NoticeKind
from routing.team import Rep, plain_mentions

PREPARED_CARDS = "teams_cards"
"""Notice data holding the cards drawn when the notice was queued (an answer to ``funnel``)."""


def activities_for(
    notice: Notice, reps: Mapping[int, Rep], cards: Sequence[Card] | None = None
) -> list[Activity]:
    """``cards``: ones the caller prepared (a rebuilt digest); else they follow from the notice."""
    say = TeamsText(reps)
    if notice.kind is NoticeKind.FILE:
        return [_file_activity(notice, say)]
    cards = list(cards or cards_of(notice, say))
    if not cards:
        return [_text_activity(notice, say)]
    more = pointer(notice.card.ref if notice.card else None)
    summary = fit_text(plain_mentions(notice.text), TeamsMessage.SUMMARY)
    return [
        Activity(
            type=ActivityTypes.message,
            attachments=[Attachment(content_type=CONTENT_TYPE, content=fit_card(card, more))],
            summary=summary,
        )
        for card in cards
    ]


def activity_for(notice: Notice, reps: Mapping[int, Rep], card: Card | None = None) -> Activity:
    """The first (for all but digests, the only) activity of :func:`activities_for`."""
    return activities_for(notice, reps, [card] if card is not None else None)[0]


def _text_activity(notice: Notice, say: TeamsText) -> Activity:
    more = pointer(notice.card.ref if notice.card else None)
    budget = TeamsMessage.BYTES - 2 * TeamsMessage.ENVELOPE_BYTES
    text = fit_text(say(paragraphs(notice.text)), budget, more)
    entities = [e for e in say.entities if e["text"] in text][: TeamsMessage.MENTIONS]
    return Activity(
        type=ActivityTypes.message,
        text=text,
        text_format="markdown",
        entities=[_mention(entity) for entity in entities] or None,
    )


def _file_activity(notice: Notice, say: TeamsText) -> Activity:
    """A file notice (a meeting's ``.ics``) in a personal chat: the message, and the file as an
    inline attachment (a ``data:`` URI with its content type and name). A Teams bot can only put
    a file in OneDrive with the person's consent (``FileConsentCard``, personal scope) or through
    Graph; an inline attachment needs neither. The file's text is also in the message, so a
    client that shows no such attachment still has the invitation to copy."""
    name = str(notice.data.get(FILE_NAME) or "file.txt")
    kind = str(notice.data.get(FILE_TYPE) or "text/plain")
    content = str(notice.data.get(FILE_CONTENT) or "")
    encoded = base64.b64encode(content.encode()).decode("ascii")
    budget = TeamsMessage.BYTES - 2 * TeamsMessage.ENVELOPE_BYTES - len(encoded) - len(name)
    text = fit_text(say(paragraphs(notice.text)) + f"\n\n```\n{content}```", max(budget, 200))
    return Activity(
        type=ActivityTypes.message,
        text=text,
        text_format="markdown",
        attachments=[
            Attachment(content_type=kind, content_url=f"data:{kind};base64,{encoded}", name=name)
        ],
    )


def cards_of(notice: Notice, say: TeamsText) -> list[Card]:
    """The Adaptive Cards a notice is shown as; none for a plain text message."""
    data = notice.data
    prepared = data.get(PREPARED_CARDS)
    if isinstance(prepared, list) and all(isinstance(card, dict) for card in prepared):
        return list(prepared)
    single = data.get("teams_card")  # queued by an earlier version
    if isinstance(single, dict):
        return [single]
    form = FORMS.get(str(data.get("form")))
    if form is not None:
        return [_form(form, notice, data, say)]
    if notice.kind is NoticeKind.DIGEST:
        return [digest_text_card(notice.text)]
    slots = notice_slots(notice)
    if notice.card is not None:
        return [with_slots(lead_card(notice.card, say, notice.text), slots)]
    if slots is not None:
        return [with_slots(text_card(notice.text, say), slots)]
    return []


def _form(form: Form, notice: Notice, data: Mapping[str, Any], say: TeamsText) -> Card:
    lead_id = int(data.get("lead") or (notice.card.lead_id if notice.card else 0))
    title = str(data.get("title") or (notice.card.title if notice.card else ""))
    return form_card(form, lead_id, title, say, data.get("values"), data.get("errors"))


def _mention(entity: Mapping[str, Any]) -> Mention:
    who = entity["mentioned"]
    return Mention(
        mentioned=ChannelAccount(id=who["id"], name=who["name"]),
        text=entity["text"],
        type="mention",
    )
