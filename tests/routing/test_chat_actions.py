"""The buttons on a lead, declared once: one per step, each acting or asking first."""

from __future__ import annotations

from datetime import date

import pytest

from routing.chat import forms
from routing.chat.actions import ACTIONS, Action, action_named, actions_named, button_command
from routing.commands import Claim, Qualify, parse_command
from routing.errors import UsageError
from routing.limits import BlockKit
from routing.stages import Action as Step
from routing.stages import Stage, next_step_actions

TODAY = date(2026, 11, 23)
TYPED = {
    "claim": "claim L-5",
    "notmine": "notmine L-5",
    "qualify": "qualify L-5",
    "handoff": "handoff L-5",
    "handoff qualifier": "handoff L-5 qualifier",
    "meeting": "meeting L-5",
    "proposal requested": "proposal L-5 requested",
    "proposal presented": "proposal L-5 presented",
}
"""What a click on each acting button would be, typed."""


def offered_steps() -> set[str]:
    return {
        step.value
        for stage in Stage
        for prospecting in (False, True)
        for step in next_step_actions(stage, prospecting=prospecting)
    }


def test_every_step_a_card_offers_has_exactly_one_button_and_no_other_has_one() -> None:
    assert set(ACTIONS) == offered_steps()
    assert all(action.name == name for name, action in ACTIONS.items())


def test_the_buttons_follow_the_journey() -> None:
    journey = [step.value for step in Step if step.value in ACTIONS]
    assert list(ACTIONS) == journey


def test_no_two_buttons_share_a_label_and_every_label_fits_a_button() -> None:
    labels = [action.label for action in ACTIONS.values()]
    assert len(set(labels)) == len(labels)
    assert all(0 < len(label) <= BlockKit.BUTTON_TEXT for label in labels)


@pytest.mark.parametrize("name", sorted(TYPED))
def test_a_click_is_the_command_its_words_would_type(name: str) -> None:
    typed = parse_command("/lead", TYPED[name], TODAY)
    assert button_command(action_named(name), 5) == typed


def test_every_button_either_acts_on_click_or_opens_its_form() -> None:
    acting = {name for name, action in ACTIONS.items() if action.form_on_click is None}
    opening = {name for name, action in ACTIONS.items() if action.form_on_click is not None}
    assert acting == set(TYPED)
    assert opening == {"fix", "disqualify", "won", "lost", "expand", "churn"}
    for name in opening:
        assert ACTIONS[name].form is forms.FORMS[name]


def test_qualify_asks_the_domain_first_and_the_answer_is_the_qualification_form() -> None:
    qualify = action_named("qualify")
    command = button_command(qualify, 5)
    assert isinstance(command, Qualify)
    assert command.open_form
    assert qualify.form is forms.QUALIFICATION
    assert qualify.form_on_click is None


def test_only_a_step_that_passes_the_lead_on_without_a_form_asks_to_confirm() -> None:
    asking = {name: action.confirm for name, action in ACTIONS.items() if action.confirm}
    assert asking == {"notmine": "Pass this lead to the next rep in the rotation?"}


def test_the_steps_a_card_most_expects_are_primary() -> None:
    primary = {name for name, action in ACTIONS.items() if action.primary}
    assert primary == {"fix", "claim", "qualify", "handoff", "won"}


def test_a_button_that_neither_acts_nor_opens_a_form_cannot_be_declared() -> None:
    with pytest.raises(ValueError, match="neither acts nor opens a form"):
        Action(Step.CLAIM, "Claim")


def test_a_button_whose_form_opens_on_click_asks_no_question_as_well() -> None:
    with pytest.raises(ValueError, match="form is its confirmation"):
        Action(Step.WON, "Won", confirm="Sure?", form=forms.WON)


def test_a_form_button_has_no_command_of_its_own() -> None:
    with pytest.raises(UsageError, match="Won asks for a form first"):
        button_command(action_named("won"), 5)


def test_names_are_read_as_the_wire_carries_them_and_unknown_ones_are_usage_errors() -> None:
    assert action_named(" Claim ") is ACTIONS["claim"]
    assert button_command(action_named("proposal requested"), 5) == parse_command(
        "/lead", "proposal L-5 requested", TODAY
    )
    with pytest.raises(UsageError, match="`teleport` is not something a Baton button does"):
        action_named("teleport")


def test_a_card_keeps_its_buttons_in_order_and_drops_a_name_it_does_not_know() -> None:
    named = actions_named(["won", "levitate", "claim"])
    assert [action.name for action in named] == ["won", "claim"]
    assert button_command(named[1], 3) == Claim(3)
