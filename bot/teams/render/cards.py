"""Adaptive Cards (1.4, Universal Actions) for leads and the qualification form.

Buttons are ``Action.Execute`` with ``{"baton": <action>, "lead": <id>}`` as data, so a click
arrives as an ``adaptiveCard/action`` invoke; clients that fall back to ``Action.Submit`` send the
same data as a message ``value``. Both are read by :mod:`bot.teams.listeners.submits`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from routing.lead import QUALIFICATION_LIMITS
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

FORM_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("budget", "Budget", "e.g. 40k this year"),
    ("authority", "Authority", "who decides, e.g. CTO signs"),
    ("need", "Need", "the problem they want solved"),
    ("timeline", "Timeline", "e.g. Q1"),
    ("notes", "Notes", "anything the closer should know"),
)
"""(input id, label, placeholder) of the qualification form: the same fields, the same limits and
the same rule (at least one filled in) as Slack's modal."""
FIELD_MAX = QUALIFICATION_LIMITS
BUTTON_INPUT_MAX = 200
"""A reason or an amount typed on a button's small form."""
TITLE_IN_DATA = 300
"""The lead's title rides in the form's button data to title a form shown again: bounded, as
button data is never cut to fit a message."""
FORM_ERROR = "form"
"""The errors key of a problem with the form as a whole rather than one field."""

_SIMPLE_BUTTONS = {
    "claim": "Claim",
    "notmine": "Not mine",
    "qualify": "Qualify",
    "handoff": "Hand off",
    "handoff qualifier": "To qualifiers",
    "meeting": "Meeting held",
    "proposal requested": "Proposal requested",
    "proposal presented": "Proposal presented",
}
_INPUT_BUTTONS: dict[str, tuple[str, str, str, str, bool]] = {
    "disqualify": ("Disqualify", "reason", "Reason", "e.g. no budget this year", True),
    "lost": ("Lost", "reason", "Reason", "e.g. went with a competitor", True),
    "churn": ("Churned", "reason", "Reason (optional)", "e.g. moved to an in-house tool", False),
    "won": ("Won", "amount", "Deal value", "e.g. 12000 or 12.5k", True),
    "expand": ("Expansion", "amount", "Expansion value", "e.g. 5000", True),
}
"""action → (button title, input id, label, placeholder, required): a button that asks for one
more thing opens a small card with that input and a button that acts."""


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


def lead_actions(lead_id: int, actions: Sequence[str]) -> list[dict[str, Any]]:
    buttons = []
    for action in actions:
        if action in _SIMPLE_BUTTONS:
            buttons.append(execute(_SIMPLE_BUTTONS[action], action, lead_id))
        elif action in _INPUT_BUTTONS:
            buttons.append(_input_button(action, lead_id))
    return buttons


def _input_button(action: str, lead_id: int) -> dict[str, Any]:
    title, field, label, placeholder, required = _INPUT_BUTTONS[action]
    entry: dict[str, Any] = {
        "type": "Input.Text",
        "id": field,
        "label": label,
        "placeholder": placeholder,
        "isRequired": required,
        "maxLength": BUTTON_INPUT_MAX,
    }
    if required:
        entry["errorMessage"] = f"{label} is required."
    form = {"type": "AdaptiveCard", "body": [entry], "actions": [execute(title, action, lead_id)]}
    return {"type": "Action.ShowCard", "title": title, "card": form}


# --- the qualification form -------------------------------------------------------------------


def qualification_form(
    lead_id: int,
    title: str,
    say: Say,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
) -> Card:
    """BANT plus notes; ``errors`` (field → message) are shown under their fields."""
    values, errors = values or {}, errors or {}
    body: list[dict[str, Any]] = [
        text_block(f"Qualify L-{lead_id} · {say(title)}", weight="Bolder", size="Medium")
    ]
    if FORM_ERROR in errors:
        body.append(text_block(errors[FORM_ERROR], color="Attention"))
    for field, label, placeholder in FORM_FIELDS:
        body.append(_form_input(field, label, placeholder, values.get(field, "")))
        if field in errors:
            body.append(text_block(errors[field], color="Attention", size="Small", spacing="None"))
    submit = execute("Qualify", "qualify", lead_id, form=True, lead_title=title[:TITLE_IN_DATA])
    return adaptive_card(body, [submit], say.entities)


def _form_input(field: str, label: str, placeholder: str, value: str) -> Card:
    entry: Card = {
        "type": "Input.Text",
        "id": field,
        "label": label,
        "placeholder": placeholder,
        "maxLength": QUALIFICATION_LIMITS[field],
        "isMultiline": field == "notes",
    }
    if value:
        entry["value"] = value
    return entry
