"""Modals: the qualification form (BANT + notes) and the small reason/amount forms of the buttons.

A submission becomes the same command the text grammar produces. The reply replaces the form
(``response_action: update``); a refusal shows on the form itself (``response_action: errors``,
from the app's error handler), so the person can fix it without retyping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from slack_bolt import Ack, App

from bot.slack.listeners.deps import SlackDeps
from bot.slack.render.blocks import plain, sections, slack_text
from routing.amounts import parse_amount
from routing.commands import Command, Disqualify, Expand, Lost, Qualify, Won, parse_lead_id
from routing.errors import InvalidInput, UsageError
from routing.lead import EMPTY_QUALIFICATION, QUALIFICATION_LIMITS, format_lead_id

CALLBACK_PREFIX = "lead:"
QUALIFY_FIELDS = (
    ("budget", "Budget", "e.g. 40k this year", False),
    ("authority", "Authority", "who decides, e.g. CTO signs", False),
    ("need", "Need", "the problem they want solved", False),
    ("timeline", "Timeline", "e.g. Q1", False),
    ("notes", "Notes", "anything the closer should know", True),
)
REASON_FORMS = {"disqualify": "Disqualify", "lost": "Mark lost"}
AMOUNT_FORMS = {"won": "Mark won", "expand": "Log expansion"}
FORM_ACTIONS = frozenset({*REASON_FORMS, *AMOUNT_FORMS})
"""Buttons that ask for one more thing (a reason, an amount) before they act."""


# --- the forms --------------------------------------------------------------------------------


def qualify_form(lead_id: int) -> dict[str, Any]:
    ref = format_lead_id(lead_id)
    blocks = [
        _input(key, label, hint, multiline=multiline, optional=True)
        for key, label, hint, multiline in QUALIFY_FIELDS
    ]
    return _modal("qualify", lead_id, f"Qualify {ref}", "Qualify", blocks)


def button_form(action: str, lead_id: int) -> dict[str, Any]:
    """The small form a Disqualify, Lost, Won or Expand button opens."""
    ref = format_lead_id(lead_id)
    if action in REASON_FORMS:
        field = _input("reason", "Reason", "e.g. no budget this year", multiline=True)
        return _modal(action, lead_id, f"{REASON_FORMS[action]} {ref}", "Save", [field])
    field = _input("amount", "Amount", "e.g. 12000 or 12.5k", multiline=False)
    return _modal(action, lead_id, f"{AMOUNT_FORMS[action]} {ref}", "Save", [field])


def done_view(text: str, deps: SlackDeps) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": plain("Baton", 24),
        "close": plain("Done", 24),
        "blocks": sections(slack_text(text, deps.users.mention))[:100],
    }


def _modal(
    action: str, lead_id: int, title: str, submit: str, blocks: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": CALLBACK_PREFIX + action,
        "private_metadata": str(lead_id),
        "title": plain(title, 24),
        "submit": plain(submit, 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
    }


def _input(
    key: str, label: str, hint: str, *, multiline: bool, optional: bool = False
) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": key,
        "optional": optional,
        "label": plain(label, 2000),
        "element": {
            "type": "plain_text_input",
            "action_id": "value",
            "multiline": multiline,
            "max_length": QUALIFICATION_LIMITS.get(key, 2000 if multiline else 200),
            "placeholder": plain(hint, 150),
        },
    }


# --- submissions ------------------------------------------------------------------------------


def form_values(view: Mapping[str, Any]) -> dict[str, str | None]:
    """``{block_id: typed text or None}`` from a submitted view's state."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, Mapping) else None
    typed: dict[str, str | None] = {}
    for block_id, inputs in values.items() if isinstance(values, Mapping) else ():
        element = inputs.get("value") if isinstance(inputs, Mapping) else None
        value = element.get("value") if isinstance(element, Mapping) else None
        typed[str(block_id)] = (value.strip() or None) if isinstance(value, str) else None
    return typed


def command_from_form(action: str, lead_id: int, values: Mapping[str, str | None]) -> Command:
    """The command a submitted form stands for, exactly as if it had been typed."""
    reason = values.get("reason") or ""
    match action:
        case "qualify":
            command = Qualify(lead_id, *(values.get(key) for key, *_ in QUALIFY_FIELDS))
            if command.open_form:
                raise InvalidInput(EMPTY_QUALIFICATION)
            return command
        case "disqualify":
            return Disqualify(lead_id, reason)
        case "lost":
            return Lost(lead_id, reason)
        case "won":
            return Won(lead_id, parse_amount(values.get("amount") or ""))
        case "expand":
            return Expand(lead_id, parse_amount(values.get("amount") or ""))
    raise UsageError(f"`{action}` is not a Baton form", "/lead help")


def submission(deps: SlackDeps, body: Mapping[str, Any], view: Mapping[str, Any]) -> dict[str, Any]:
    action = str(view.get("callback_id", "")).removeprefix(CALLBACK_PREFIX)
    lead_id = parse_lead_id(str(view.get("private_metadata", "")))
    command = command_from_form(action, lead_id, form_values(view))
    outcome = deps.execute(body["user"]["id"], command)
    return {"response_action": "update", "view": done_view(outcome.reply, deps)}


def register(app: App, deps: SlackDeps) -> None:
    def on_form_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        ack(**submission(deps, body, view))
        deps.home.refresh_later(body["user"]["id"])

    app.view(re.compile(f"^{CALLBACK_PREFIX}"))(on_form_submitted)
