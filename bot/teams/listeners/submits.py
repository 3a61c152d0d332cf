"""Card clicks and form submissions: card data → the vocabulary's action → its command.

What a button does and what a form's submission becomes are :mod:`routing.chat`'s, so a card and
a typed command are held to the very same rules. A click's data is ``{"baton": <action>,
"lead": <id>}``, plus the inputs of the form it submits: a button whose form opens under it
(a reason, an amount) always submits that form; the qualification form, a card of its own, says
so with ``form: true`` (and carries the lead's title to draw the form again with its problems).
A free time under a hand-off's reply is ``{"baton": "slot", "lead": <id>, "start": <unix s>}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.teams.render.cards import FORM_ERROR
from routing.chat.actions import action_named, button_command
from routing.chat.forms import Form, form_command
from routing.chat.slots import SLOT_ACTION, slot_command
from routing.commands import Command, parse_lead_id
from routing.errors import FormProblems

CARD_USAGE = "a Baton card button"


class FormInvalid(Exception):
    """A form card needs fixing: show it again with what was typed and what to fix."""

    def __init__(
        self,
        form: Form,
        lead_id: int,
        title: str,
        values: Mapping[str, str],
        errors: Mapping[str, str],
    ) -> None:
        super().__init__(f"{form.name} form for L-{lead_id}: {dict(errors)}")
        self.form = form
        self.lead_id = lead_id
        self.title = title
        self.values = values
        self.errors = errors


def command_from_card(data: Mapping[str, Any]) -> Command:
    """The command a card button (with its inputs) stands for.

    Raises ``UsageError`` like a mistyped command, ``FormProblems`` for a form that opened under
    its button (answered in text; the inputs are still there to fix), or ``FormInvalid`` for a
    form card to show again.
    """
    if str(data.get("baton") or "") == SLOT_ACTION:  # a free time under a hand-off's reply
        return slot_command(data.get("lead"), data.get("start"))
    action = action_named(str(data.get("baton") or ""))
    lead_id = parse_lead_id(str(data.get("lead") or ""), CARD_USAGE)
    if action.form_on_click is not None:
        return form_command(action.form_on_click, lead_id, data)
    if action.form is not None and data.get("form"):
        return _form_card_command(action.form, lead_id, data)
    return button_command(action, lead_id)


def _form_card_command(form: Form, lead_id: int, data: Mapping[str, Any]) -> Command:
    try:
        return form_command(form, lead_id, data)
    except FormProblems as problems:
        typed = {field.key: field.read(data.get(field.key)) or "" for field in form.fields}
        title = str(data.get("lead_title") or "")
        errors = {key or FORM_ERROR: problem for key, problem in problems.problems.items()}
        raise FormInvalid(form, lead_id, title, typed, errors) from problems
