"""What a card click (an ``adaptiveCard/action`` invoke) is answered with, in its HTTP response.

Universal Actions' answers: a card that replaces the clicked one, or a message that leaves it as
it is. Pure rendering; the blocking half (:mod:`bot.teams.listeners.work`) decides which and
queues any DM.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.teams.render.cards import CONTENT_TYPE, form_card, lead_card, text_card, with_slots
from bot.teams.render.size import fit_card, fit_text
from bot.teams.render.text import TeamsText
from routing.chat.forms import QUALIFICATION
from routing.team import Rep
from routing.usecases.context import Outcome

MESSAGE_TYPE = "application/vnd.microsoft.activity.message"
InvokeBody = dict[str, Any]


def card_for(outcome: Outcome, reps: Mapping[int, Rep]) -> dict[str, Any]:
    """What replaces the clicked card: the form to fill in, the lead as it is now, or the reply."""
    say = TeamsText(reps)
    if outcome.open_form_for is not None:
        title = outcome.card.title if outcome.card else ""
        return form_card(QUALIFICATION, outcome.open_form_for, title, say)
    if outcome.card is None:
        return with_slots(text_card(outcome.reply, say), outcome.slots)
    return with_slots(lead_card(outcome.card, say, outcome.reply), outcome.slots)


def card_answer(card: dict[str, Any]) -> InvokeBody:
    """Universal Actions' answer that replaces the clicked card with ``card``."""
    return {"statusCode": 200, "type": CONTENT_TYPE, "value": fit_card(card)}


def message_answer(text: str) -> InvokeBody:
    """Universal Actions' answer that shows ``text`` and leaves the card as it is."""
    return {"statusCode": 200, "type": MESSAGE_TYPE, "value": fit_text(text)}
