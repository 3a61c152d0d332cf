"""Baton's forms as Slack modals, and problems shown under the field they are about."""

from __future__ import annotations

import pytest
from slack_sdk.models.views import View

from bot.slack.listeners.replies import form_errors
from bot.slack.render.forms import modal
from routing.chat.forms import FORMS, QUALIFICATION, WON, Form
from routing.errors import FormProblems, NotAllowed
from routing.lead import EMPTY_QUALIFICATION
from routing.limits import MAX_ID


@pytest.mark.parametrize("form", FORMS.values(), ids=lambda f: f.name)
def test_a_modal_carries_its_form_and_lead_and_passes_slacks_own_validation(form: Form) -> None:
    view = modal(form, MAX_ID)
    assert (view["callback_id"], view["private_metadata"]) == (f"lead:{form.name}", str(MAX_ID))
    assert [block["block_id"] for block in view["blocks"]] == [f.key for f in form.fields]
    View(**view).validate_json()


def test_a_field_is_an_input_with_its_label_placeholder_limit_and_optionality() -> None:
    (amount,) = modal(WON, 5)["blocks"]
    assert amount["label"]["text"] == "Deal value"
    assert amount["optional"] is False
    assert amount["element"]["placeholder"]["text"] == "e.g. 12000 or 12.5k"
    assert amount["element"]["max_length"] == 40
    notes = modal(QUALIFICATION, 5)["blocks"][-1]
    assert (notes["optional"], notes["element"]["multiline"]) == (True, True)


def test_each_problem_shows_under_its_field_and_the_whole_forms_under_the_first() -> None:
    view = modal(QUALIFICATION, 5)
    problems = FormProblems({"": EMPTY_QUALIFICATION, "need": "Need is too long."})
    assert form_errors(view, problems, problems.message)["errors"] == {
        "budget": EMPTY_QUALIFICATION,
        "need": "Need is too long.",
    }


def test_a_refusal_shows_on_the_forms_first_field_even_when_the_view_is_garbage() -> None:
    refused = NotAllowed("Only L-5's owner can mark it won.")
    garbage = {"callback_id": "lead:won", "blocks": "not a list"}
    answer = form_errors(garbage, refused, refused.message)
    assert answer == {
        "response_action": "errors",
        "errors": {"amount": "Only L-5's owner can mark it won."},
    }
    assert form_errors({}, refused, "x" * 500)["errors"]["value"].endswith("…")
