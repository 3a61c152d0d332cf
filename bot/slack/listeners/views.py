"""Submitted modals: the view's state → the form's values → the command the form stands for.

The forms and their rules are :mod:`routing.chat.forms`'; the modals are drawn by
:mod:`bot.slack.render.forms`. The reply replaces the form (``response_action: update``); a
refusal shows on the form itself (``response_action: errors``, from the app's error handler), so
the person can fix it without retyping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App

from bot.slack.listeners.deps import SlackDeps
from bot.slack.render.forms import CALLBACK_PREFIX, INPUT_ACTION, done_view
from routing.chat.forms import form_command, form_named
from routing.commands import parse_lead_id


def form_values(view: Mapping[str, Any]) -> dict[str, str | None]:
    """``{block_id: typed text or None}`` from a submitted view's state (payloads are untrusted)."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, Mapping) else None
    typed: dict[str, str | None] = {}
    for block_id, inputs in values.items() if isinstance(values, Mapping) else ():
        element = inputs.get(INPUT_ACTION) if isinstance(inputs, Mapping) else None
        value = element.get("value") if isinstance(element, Mapping) else None
        typed[str(block_id)] = value if isinstance(value, str) else None
    return typed


def submission(deps: SlackDeps, body: Mapping[str, Any], view: Mapping[str, Any]) -> dict[str, Any]:
    form = form_named(str(view.get("callback_id", "")).removeprefix(CALLBACK_PREFIX))
    lead_id = parse_lead_id(str(view.get("private_metadata", "")))
    command = form_command(form, lead_id, form_values(view))
    outcome = deps.execute(body["user"]["id"], command)
    return {"response_action": "update", "view": done_view(outcome.reply, deps.users.mention)}


def register(app: App, deps: SlackDeps) -> None:
    def on_form_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack(**submission(deps, body, view))
        deps.home.refresh_later(body["user"]["id"])

    app.view(re.compile(f"^{CALLBACK_PREFIX}"))(on_form_submitted)
