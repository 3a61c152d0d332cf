"""Buttons and forms map to the very commands the text grammar produces."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.slack.listeners.actions import command_for
from bot.slack.listeners.views import (
    FORM_ACTIONS,
    QUALIFY_FIELDS,
    button_form,
    command_from_form,
    form_values,
    qualify_form,
)
from bot.slack.render.blocks import BUTTON_LABELS, action_id, action_name
from routing.commands import Qualify, parse_command
from routing.errors import InvalidInput, UsageError
from routing.stages import Action

TODAY = date(2026, 11, 23)
TYPED = {
    "claim": "claim L-5",
    "notmine": "notmine L-5",
    "qualify": "qualify L-5",
    "handoff": "handoff L-5",
    "meeting": "meeting L-5",
    "proposal requested": "proposal L-5 requested",
    "proposal presented": "proposal L-5 presented",
    "churn": "churn L-5",
    "handoff qualifier": "handoff L-5 qualifier",
}


@pytest.mark.parametrize("action", sorted(TYPED))
def test_a_button_is_the_command_its_words_would_be(action: str) -> None:
    typed = parse_command("/lead", TYPED[action], TODAY)
    assert command_for(action_name(action_id(action)), 5) == typed


def test_every_button_on_a_card_either_acts_or_opens_a_form() -> None:
    card_actions = {a.value for a in Action} - {"assign", "reassign"}
    assert card_actions == set(BUTTON_LABELS)
    assert card_actions == set(TYPED) | FORM_ACTIONS


def test_the_qualify_button_asks_for_the_form() -> None:
    command = command_for("qualify", 5)
    assert isinstance(command, Qualify)
    assert command.open_form


def test_an_unknown_button_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        command_for("teleport", 5)


@pytest.mark.parametrize(
    ("action", "values", "typed"),
    [
        ("won", {"amount": "12.5k"}, "won L-5 12.5k"),
        ("expand", {"amount": "$3,000"}, "expand L-5 $3,000"),
        ("lost", {"reason": "went with a competitor"}, "lost L-5 went with a competitor"),
        ("disqualify", {"reason": "student project"}, "disqualify L-5 student project"),
        (
            "qualify",
            {"budget": "40k", "authority": "CTO", "need": "SSO", "timeline": "Q1", "notes": "hi"},
            "qualify L-5 budget=40k authority=CTO need=SSO timeline=Q1 hi",
        ),
    ],
)
def test_a_submitted_form_is_the_command_its_words_would_be(
    action: str, values: dict[str, str], typed: str
) -> None:
    assert command_from_form(action, 5, values) == parse_command("/lead", typed, TODAY)


def test_a_bad_amount_on_a_form_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="is not an amount"):
        command_from_form("won", 5, {"amount": "lots"})


def test_an_empty_qualification_form_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one field"):
        command_from_form("qualify", 5, {key: None for key, *_ in QUALIFY_FIELDS})


def test_forms_carry_the_lead_and_read_back_what_was_typed() -> None:
    form = qualify_form(12345)
    assert (form["callback_id"], form["private_metadata"]) == ("lead:qualify", "12345")
    assert len(form["title"]["text"]) <= 24
    for action in FORM_ACTIONS:
        small = button_form(action, 9)
        assert small["callback_id"] == f"lead:{action}"
        assert len(small["title"]["text"]) <= 24
    state = {"values": {"budget": {"value": {"value": " 40k "}}, "need": {"value": {"value": ""}}}}
    assert form_values({"state": state}) == {"budget": "40k", "need": None}


def test_amounts_from_forms_are_decimals() -> None:
    command = command_from_form("won", 5, {"amount": "12k"})
    assert command.amount == Decimal(12000)  # type: ignore[union-attr]
