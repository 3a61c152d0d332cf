"""``/lead``, ``/rotation`` and ``/funnel``: parse, run the use case, answer in the acknowledgement.

Use cases take milliseconds, so the ephemeral reply rides in the ack body; the only Slack call
on this path is ``views.open`` for the qualification form (it needs the 3-second trigger id).
Refreshing the person's home tab happens after the ack, on the home's background thread.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.listeners.deps import SlackDeps
from bot.slack.listeners.mrkdwn import readable_command
from bot.slack.render.blocks import ephemeral, lead_view_message
from bot.slack.render.digest import digest_blocks, digest_fallback
from bot.slack.render.forms import modal
from routing.chat.forms import QUALIFICATION, Form
from routing.commands import Command, Funnel, parse_command, usage_for
from routing.relay import LEAD_CHANGES
from routing.usecases.funnel import Digest
from routing.usecases.views import LeadView

log = logging.getLogger(__name__)

COMMANDS = ("/lead", "/rotation", "/funnel")
"""Every slash command the app answers; ``manifest.yaml`` declares the same three."""


def register(app: App, deps: SlackDeps) -> None:
    def on_command(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        parsed = parse_command(command["command"], command.get("text") or "", deps.today())
        ack(**answer(deps, readable_command(parsed), command, client))
        if isinstance(parsed, LEAD_CHANGES):
            deps.home.refresh_later(command["user_id"])

    for name in COMMANDS:
        app.command(name)(on_command)


def answer(
    deps: SlackDeps, command: Command, payload: dict[str, Any], client: WebClient
) -> dict[str, Any]:
    """The acknowledgement's body: the ephemeral reply, or nothing when a form opened instead."""
    outcome = deps.execute(payload["user_id"], command)
    mention = deps.users.mention
    if outcome.open_form_for is not None:
        if open_form(client, payload.get("trigger_id"), QUALIFICATION, outcome.open_form_for):
            return {}
        return ephemeral(form_unavailable(QUALIFICATION), mention)
    digest = outcome.data.get("digest")
    if isinstance(command, Funnel) and isinstance(digest, Digest):
        return {
            "response_type": "ephemeral",
            "text": digest_fallback(digest),
            "blocks": digest_blocks(digest),
        }
    view = outcome.data.get("lead_view")
    if isinstance(view, LeadView):
        return lead_view_message(view, outcome.card, mention)
    return ephemeral(outcome.reply, mention, outcome.card, outcome.slots)


def open_form(client: WebClient, trigger_id: object, form: Form, lead_id: int) -> bool:
    """Open ``form`` for the lead; False when Slack would not (the trigger expired, say)."""
    return open_view(client, trigger_id, modal(form, lead_id))


def form_unavailable(form: Form) -> str:
    """What to tell the person when their form could not open: the command to type instead."""
    return f"I couldn't open the form; type it instead:\n`{usage_for('lead', form.name)}`"


def open_view(client: WebClient, trigger_id: object, view: dict[str, Any]) -> bool:
    """Open ``view`` as a modal; False without a trigger id or when Slack refuses."""
    if not isinstance(trigger_id, str) or not trigger_id:
        return False
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as err:
        log.warning("views.open of %s failed: %s", view.get("callback_id"), err)
        return False
    return True
