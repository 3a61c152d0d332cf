"""Buttons on lead cards: the click → the vocabulary's action → its command, or its form first.

A button carries ``action_id`` ``lead:<action>`` and the lead id as its ``value``
(:mod:`routing.chat.actions` says what each one does); a free time under a hand-off's reply
``slot:<n>`` and ``L-12@<start>`` (:mod:`routing.chat.slots`), and its answer replaces the
message. The click is acknowledged at once (Slack ignores the body); the use case runs and the
person is answered where they clicked. Their home tab is refreshed afterwards, on the home's
background thread.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack.listeners.commands import form_unavailable, open_form
from bot.slack.listeners.deps import SlackDeps
from bot.slack.listeners.replies import acting_user, clicked_in_home, replace_clicked, tell_actor
from bot.slack.render.blocks import ACTION_PREFIX, SLOT_PREFIX, action_name
from routing.chat.actions import action_named, button_command
from routing.chat.forms import QUALIFICATION
from routing.chat.slots import slot_button_command
from routing.commands import parse_lead_id


def click(
    deps: SlackDeps,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    clicked = action_named(action_name(str(action.get("action_id", ""))))
    lead_id = parse_lead_id(str(action.get("value", "")))
    user_id = acting_user(body) or ""
    form = clicked.form_on_click
    if form is None:  # the click is a command; the domain may answer with a form to fill in
        outcome = deps.execute(user_id, button_command(clicked, lead_id))
        if outcome.open_form_for is None:
            tell_actor(deps, body, respond, outcome.reply, outcome.card, outcome.slots)
            return
        form, lead_id = QUALIFICATION, outcome.open_form_for
    if not open_form(client, body.get("trigger_id"), form, lead_id):
        tell_actor(deps, body, respond, form_unavailable(form))


def pick_slot(
    deps: SlackDeps, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    """A free time under a hand-off's reply: hold it, and replace the message (its buttons go).
    A stale or repeated click is the domain's to answer (it holds one time per hand-off)."""
    command = slot_button_command(action.get("value"))
    outcome = deps.execute(acting_user(body) or "", command)
    replace_clicked(deps, body, respond, outcome.reply, outcome.card)


def register(app: App, deps: SlackDeps) -> None:
    def on_lead_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        click(deps, body, action, client, respond)
        user_id = acting_user(body)
        if user_id and not clicked_in_home(body):  # a click in the home tab republished it
            deps.home.refresh_later(user_id)

    def on_slot_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        pick_slot(deps, body, action, respond)
        user_id = acting_user(body)
        if user_id and not clicked_in_home(body):
            deps.home.refresh_later(user_id)

    app.action(re.compile(f"^{ACTION_PREFIX}"))(on_lead_button)
    app.action(re.compile(f"^{SLOT_PREFIX}"))(on_slot_button)
