"""Buttons on lead cards: each one is a command of the text grammar, or a small form first.

A button carries ``action_id`` ``lead:<action>`` and the lead id as its ``value``. The click is
acknowledged at once (Slack ignores the body); the use case runs and the person is answered where
they clicked. Their home tab is refreshed afterwards, on the home's background thread.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.slack.listeners.commands import FORM_UNAVAILABLE, open_form, open_view
from bot.slack.listeners.deps import SlackDeps
from bot.slack.listeners.replies import acting_user, clicked_in_home, tell_actor
from bot.slack.listeners.views import FORM_ACTIONS, button_form
from bot.slack.render.blocks import ACTION_PREFIX, action_name
from routing.commands import (
    Churn,
    Claim,
    Command,
    Decline,
    Handoff,
    LogMeeting,
    LogProposal,
    Qualify,
    parse_lead_id,
    usage_for,
)
from routing.errors import UsageError


def command_for(action: str, lead_id: int) -> Command:
    """The command a button stands for (the form buttons are in :data:`FORM_ACTIONS`)."""
    match action:
        case "claim":
            return Claim(lead_id)
        case "notmine":
            return Decline(lead_id)
        case "qualify":
            return Qualify(lead_id)
        case "handoff":
            return Handoff(lead_id)
        case "handoff qualifier":
            return Handoff(lead_id, to_qualifiers=True)
        case "meeting":
            return LogMeeting(lead_id)
        case "proposal requested":
            return LogProposal(lead_id, "requested")
        case "proposal presented":
            return LogProposal(lead_id, "presented")
        case "churn":
            return Churn(lead_id)
    raise UsageError(f"`{action}` is not something a lead button does", usage_for("lead", ""))


def click(
    deps: SlackDeps,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    respond: Respond,
) -> None:
    name = action_name(str(action.get("action_id", "")))
    lead_id = parse_lead_id(str(action.get("value", "")))
    user_id = acting_user(body) or ""
    if name in FORM_ACTIONS:
        if not open_view(client, body.get("trigger_id"), button_form(name, lead_id)):
            tell_actor(deps, body, respond, FORM_UNAVAILABLE)
        return
    outcome = deps.execute(user_id, command_for(name, lead_id))
    if outcome.open_form_for is None:
        tell_actor(deps, body, respond, outcome.reply, outcome.card)
    elif not open_form(client, body.get("trigger_id"), outcome.open_form_for):
        tell_actor(deps, body, respond, FORM_UNAVAILABLE)


def register(app: App, deps: SlackDeps) -> None:
    def on_lead_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        click(deps, body, action, client, respond)
        user_id = acting_user(body)
        if user_id and not clicked_in_home(body):  # a click in the home tab republished it
            deps.home.refresh_later(user_id)

    app.action(re.compile(f"^{ACTION_PREFIX}"))(on_lead_button)
