"""Adaptive Cards (1.4, Universal Actions) for leads and Baton's forms.

What the buttons say and do, and the forms' fields, are :mod:`routing.chat`'s; here they are laid
out. Buttons are ``Action.Execute`` with ``{"baton": <action>, "lead": <id>}`` as data, so a click
arrives as an ``adaptiveCard/action`` invoke; clients that fall back to ``Action.Submit`` send the
same data as a message ``value``. Both are read by :mod:`bot.teams.listeners.submits`. A button
that asks first (a confirmation, a reason, an amount) is an ``Action.ShowCard`` that opens under
the card with the question or the form and the button that acts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from routing.chat.actions import CONFIRM_YES, Action, actions_named
from routing.chat.forms import Field, Form
from routing.chat.slots import SLOT_ACTION, SlotChoices
from routing.limits import TeamsMessage
from routing.notices import LeadCard

Card = dict[str, Any]


class Say(Protocol):
    """Renders Baton text (with mention tokens) for Teams and collects the mention entities
    the card must declare; see :class:`bot.teams.render.text.TeamsText`."""

    entities: list[dict[str, Any]]

    def __call__(self, text: str) -> str: ...


CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"

FORM_ERROR = "form"
"""The errors key of a problem with the form as a whole rather than one field."""


def adaptive_card(
    body: Sequence[Mapping[str, Any]],
    actions: Sequence[Mapping[str, Any]] = (),
    entities: Sequence[Mapping[str, Any]] = (),
) -> Card:
    card: Card = {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": list(body),
        "msteams": {"width": "Full"},
    }
    if actions:
        card["actions"] = list(actions)
    if entities:
        card["msteams"]["entities"] = list(entities)
    return card


def attachment(card: Card) -> dict[str, Any]:
    return {"contentType": CONTENT_TYPE, "content": card}


def text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def text_card(text: str, say: Say) -> Card:
    return adaptive_card([text_block(say(text))], entities=say.entities)


def execute(title: str, verb: str, lead_id: int, **extra: Any) -> dict[str, Any]:
    data = {"baton": verb, "lead": lead_id, **extra}
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": data}


# --- the lead card ----------------------------------------------------------------------------


def lead_card(card: LeadCard, say: Say, line: str | None = None) -> Card:
    """The lead, its owner and stage, its qualification notes, and a button per next step."""
    body: list[dict[str, Any]] = []
    if line:
        body.append(text_block(say(line)))
    body.append(text_block(f"{card.ref} · {say(card.title)}", weight="Bolder", size="Medium"))
    owner = say(card.owner) if card.owner else "nobody yet"
    body.append(text_block(f"**{card.stage.capitalize()}** · owner {owner}", spacing="Small"))
    facts = [{"title": key, "value": say(value)} for key, value in card.details.items() if value]
    if facts:
        body.append({"type": "FactSet", "facts": facts})
    if card.qualification:
        body.append(text_block("**Qualification**", spacing="Medium"))
        body.append(text_block(say(card.qualification), spacing="None"))
    return adaptive_card(body, lead_actions(card.lead_id, card.actions), say.entities)


def with_slots(card: Card, slots: SlotChoices | None) -> Card:
    """``card`` with the free times to pick from: a line saying so (and the typed command) and a
    button per time, ahead of the card's own buttons. Each carries the lead and the start."""
    if slots is None or not slots.choices:
        return card
    body = [*card.get("body", []), text_block(f"{slots.prompt} {slots.typed}", spacing="Medium")]
    times = [
        {
            **execute(
                choice.label, SLOT_ACTION, slots.lead_id, start=int(choice.start.timestamp())
            ),
            "style": "positive",
        }
        for choice in slots.choices
    ]
    return {**card, "body": body, "actions": [*times, *card.get("actions", [])]}


def lead_actions(lead_id: int, actions: Sequence[str]) -> list[dict[str, Any]]:
    return [button(action, lead_id) for action in actions_named(actions)]


def button(action: Action, lead_id: int) -> dict[str, Any]:
    """The step as a button: it acts, or it shows the question or the form that comes first."""
    style = {"style": "positive"} if action.primary else {}
    form = action.form_on_click
    if form is not None:
        shown = small_form(form, lead_id)
    elif action.confirm:
        shown = adaptive_part(
            [text_block(action.confirm)], [execute(CONFIRM_YES, action.name, lead_id)]
        )
    else:
        return {**execute(action.label, action.name, lead_id), **style}
    return {"type": "Action.ShowCard", "title": action.label, "card": shown, **style}


def adaptive_part(body: Sequence[Card], actions: Sequence[Card]) -> Card:
    """A card shown inside another (``Action.ShowCard``)."""
    return {"type": "AdaptiveCard", "body": list(body), "actions": list(actions)}


# --- forms ------------------------------------------------------------------------------------


def small_form(form: Form, lead_id: int) -> Card:
    """A form that opens under its button (a reason, an amount): its title, fields and submit."""
    body = [text_block(form.title(lead_id), weight="Bolder")]
    body += [field_input(field) for field in form.fields]
    return adaptive_part(body, [execute(form.submit, form.name, lead_id)])


def form_card(
    form: Form,
    lead_id: int,
    title: str,
    say: Say,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """A form as a card of its own (in place of the clicked card, or in a chat), titled with the
    lead's; ``errors`` (field key → message, :data:`FORM_ERROR` for the whole form) are shown
    under their fields, and ``values`` keep what was typed."""
    values, errors = values or {}, errors or {}
    heading = f"{form.title(lead_id)} · {say(title)}" if title else form.title(lead_id)
    body: list[Card] = [text_block(heading, weight="Bolder", size="Medium")]
    if FORM_ERROR in errors:
        body.append(text_block(errors[FORM_ERROR], color="Attention"))
    for field in form.fields:
        body.append(field_input(field, values.get(field.key, "")))
        if field.key in errors:
            body.append(
                text_block(errors[field.key], color="Attention", size="Small", spacing="None")
            )
    in_data = title[: TeamsMessage.BUTTON_DATA_TITLE]
    submit = execute(form.submit, form.name, lead_id, form=True, lead_title=in_data)
    return adaptive_card(body, [submit], say.entities)


def field_input(field: Field, value: str = "") -> Card:
    """One field; Teams marks a required one and refuses to send it empty."""
    entry: Card = {
        "type": "Input.Text",
        "id": field.key,
        "label": field.label,
        "placeholder": field.placeholder,
        "maxLength": field.max_length,
        "isMultiline": field.multiline,
    }
    if field.required:
        entry.update(isRequired=True, errorMessage=field.missing)
    if value:
        entry["value"] = value
    return entry
