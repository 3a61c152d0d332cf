"""Slack and Teams show every button and form of the vocabulary alike.

For each action in :data:`routing.chat.actions.ACTIONS` (generated, not listed by hand), the
button each platform draws on a lead card is clicked through that platform's own translation,
and what it shows next (a question, a form opening at once, or a form the domain asks for) is
read back from the platform's own payloads. The two readings must agree with each other and
with the vocabulary: label, emphasis, confirmation, and the form's title, submit label and
fields (keys, labels, placeholders, required, lengths, lines).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import pytest

from bot.slack.listeners.actions import click
from bot.slack.render.blocks import buttons
from bot.teams.listeners.submits import command_from_card
from bot.teams.render.cards import lead_actions
from bot.teams.render.invokes import card_for
from routing.chat.actions import ACTIONS, Action
from routing.chat.forms import Form
from routing.commands import Command, Qualify
from routing.notices import LeadCard
from routing.usecases.context import Outcome
from tests.e2e.slack_double import fixture

LEAD = 7
FieldSpec = tuple[str, str, str, bool, int, bool]
"""(key, label, placeholder, required, max length, multi-line)."""


@dataclass(frozen=True)
class Shown:
    """What a person sees of one action on one platform."""

    label: str
    primary: bool
    confirm: str | None
    form_title: str | None = None
    form_submit: str | None = None
    fields: tuple[FieldSpec, ...] = ()


def domain_answer(command: Command) -> Outcome:
    """The domain, as far as buttons see it: a Qualify without fields is answered with its form."""
    if isinstance(command, Qualify) and command.open_form:
        return Outcome("Qualify L-7", open_form_for=command.lead_id)
    return Outcome("Done.")


def card(action: Action) -> LeadCard:
    return LeadCard(LEAD, "L-7", "Umbrella Corp", "working", None, {}, None, (action.name,))


# --- Slack ------------------------------------------------------------------------------------


class SlackClient:
    def __init__(self) -> None:
        self.opened: list[dict[str, Any]] = []

    def views_open(self, trigger_id: str, view: dict[str, Any]) -> None:
        self.opened.append(view)


def slack_shows(action: Action) -> Shown:
    (block,) = buttons(card(action))
    (button,) = block["elements"]
    body = fixture("block_actions")
    body["actions"][0].update(action_id=button["action_id"], value=button["value"])
    deps = SimpleNamespace(
        execute=lambda _user, command: domain_answer(command),
        users=SimpleNamespace(mention=lambda _id, name: name),
    )
    client = SlackClient()
    respond = lambda **_reply: SimpleNamespace(status_code=200)  # noqa: E731
    click(deps, body, body["actions"][0], client, respond)  # type: ignore[arg-type]
    shown = Shown(
        button["text"]["text"],
        button.get("style") == "primary",
        button["confirm"]["text"]["text"] if "confirm" in button else None,
    )
    if not client.opened:
        return shown
    (view,) = client.opened
    fields = tuple(
        (
            b["block_id"],
            b["label"]["text"],
            b["element"]["placeholder"]["text"],
            not b["optional"],
            b["element"]["max_length"],
            b["element"]["multiline"],
        )
        for b in view["blocks"]
    )
    return Shown(
        shown.label,
        shown.primary,
        shown.confirm,
        view["title"]["text"],
        view["submit"]["text"],
        fields,
    )


# --- Teams ------------------------------------------------------------------------------------


def teams_shows(action: Action) -> Shown:
    (button,) = lead_actions(LEAD, card(action).actions)
    primary = button.get("style") == "positive"
    if button["type"] == "Action.ShowCard":
        inner = button["card"]
        inputs = [item for item in inner["body"] if item["type"] == "Input.Text"]
        (acting,) = inner["actions"]
        if not inputs:
            (question,) = inner["body"]
            return Shown(button["title"], primary, question["text"])
        return Shown(
            button["title"],
            primary,
            None,
            inner["body"][0]["text"],
            acting["title"],
            teams_fields(inner),
        )
    answer = card_for(domain_answer(command_from_card(button["data"])), {})
    inputs = [item for item in answer["body"] if item["type"] == "Input.Text"]
    if not inputs:
        return Shown(button["title"], primary, None)
    heading = answer["body"][0]["text"]
    (submit,) = answer["actions"]
    return Shown(button["title"], primary, None, heading, submit["title"], teams_fields(answer))


def teams_fields(card: dict[str, Any]) -> tuple[FieldSpec, ...]:
    return tuple(
        (
            item["id"],
            item["label"],
            item["placeholder"],
            item.get("isRequired", False),
            item["maxLength"],
            item["isMultiline"],
        )
        for item in card["body"]
        if item["type"] == "Input.Text"
    )


# --- the vocabulary ---------------------------------------------------------------------------


def declared(action: Action) -> Shown:
    form: Form | None = action.form
    if form is None:
        return Shown(action.label, action.primary, action.confirm)
    fields = tuple(
        (f.key, f.label, f.placeholder, f.required, f.max_length, f.multiline) for f in form.fields
    )
    return Shown(
        action.label,
        action.primary,
        action.confirm,
        form.title(LEAD),
        form.submit,
        fields,
    )


@pytest.mark.parametrize("action", ACTIONS.values(), ids=lambda a: a.name)
def test_slack_and_teams_show_the_same_button_and_form_as_the_vocabulary(action: Action) -> None:
    slack, teams = slack_shows(action), teams_shows(action)
    assert slack == teams
    assert slack == declared(action)
