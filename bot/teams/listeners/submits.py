"""Card clicks and form submissions → the same ``Command``s the typed grammar produces.

Wherever a button carries words (a reason, an amount), they are put back into the `/lead`
grammar and parsed by :func:`routing.commands.parse_command`, so a card and a typed command
are checked by the very same rules. Only the qualification form is read field by field: its
free text may hold quotes the grammar would have to escape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.teams.render.cards import FORM_ERROR, FORM_FIELDS
from routing.commands import Command, Qualify, parse_command, parse_lead_id
from routing.errors import UsageError
from routing.lead import EMPTY_QUALIFICATION, qualification_problems

CARD_USAGE = "a Baton card button"
EMPTY_FORM = EMPTY_QUALIFICATION


class FormInvalid(Exception):
    """The qualification form needs fixing: show it again with the errors and what was typed."""

    def __init__(
        self, lead_id: int, title: str, values: Mapping[str, str], errors: Mapping[str, str]
    ):
        super().__init__(f"qualification form for L-{lead_id}: {dict(errors)}")
        self.lead_id = lead_id
        self.title = title
        self.values = values
        self.errors = errors


@dataclass(frozen=True)
class _Words:
    """How a button's data reads as `/lead` text."""

    build: Callable[[int, Mapping[str, Any]], str]


def _id_only(verb: str) -> _Words:
    return _Words(lambda lead, _data: f"{verb} {lead}")


def _with(verb: str, field: str) -> _Words:
    return _Words(lambda lead, data: f"{verb} {lead} {_field(data, field)}".strip())


_GRAMMAR: dict[str, _Words] = {
    "claim": _id_only("claim"),
    "notmine": _id_only("notmine"),
    "handoff": _id_only("handoff"),
    "handoff qualifier": _Words(lambda lead, _d: f"handoff {lead} qualifier"),
    "meeting": _id_only("meeting"),
    "show": _id_only("show"),
    "proposal requested": _Words(lambda lead, _d: f"proposal {lead} requested"),
    "proposal presented": _Words(lambda lead, _d: f"proposal {lead} presented"),
    "disqualify": _with("disqualify", "reason"),
    "lost": _with("lost", "reason"),
    "churn": _with("churn", "reason"),
    "won": _with("won", "amount"),
    "expand": _with("expand", "amount"),
}


def command_from_card(data: Mapping[str, Any], today: date) -> Command:
    """The command a card button (with its inputs) stands for.

    Raises ``UsageError`` like a mistyped command, or ``FormInvalid`` for a form to show again.
    """
    verb = str(data.get("baton") or "").strip().lower()
    lead_id = parse_lead_id(str(data.get("lead") or ""), CARD_USAGE)
    if verb == "qualify":
        return qualify_from_form(lead_id, data)
    words = _GRAMMAR.get(verb)
    if words is None:
        raise UsageError(f"`{verb}` is not something a Baton card can do", "/lead help")
    return parse_command("lead", words.build(lead_id, data), today)


def qualify_from_form(lead_id: int, data: Mapping[str, Any]) -> Qualify:
    """The Qualify button opens the form (no fields); the form's own submit carries ``form``."""
    if not data.get("form"):
        return Qualify(lead_id)
    values = {field: _field(data, field) for field, _label, _hint in FORM_FIELDS}
    command = Qualify(lead_id, *(values[field] or None for field, _label, _hint in FORM_FIELDS))
    errors = form_errors(values, command)
    if errors:
        raise FormInvalid(lead_id, str(data.get("lead_title") or ""), values, errors)
    return command


def form_errors(values: Mapping[str, str], command: Qualify) -> dict[str, str]:
    """At least one field filled in (as in Slack's modal), none longer than the form allows."""
    problems = qualification_problems(values)
    return {field or FORM_ERROR: problem for field, problem in problems.items()}


def _field(data: Mapping[str, Any], name: str) -> str:
    """The input's text, trimmed; one line except for the notes."""
    value = data.get(name)
    text = "" if value is None else str(value).strip()
    return text if name == "notes" else " ".join(text.split())
