"""The forms, declared once: their fields and limits, and the command a submission becomes."""

from __future__ import annotations

from datetime import date

import pytest

from routing import limits
from routing.chat.forms import (
    CHURN,
    FIX,
    FORMS,
    QUALIFICATION,
    WON,
    Field,
    Form,
    form_command,
    form_named,
)
from routing.commands import Churn, Fix, parse_command
from routing.errors import FormProblems, InvalidInput, UsageError
from routing.lead import EMPTY_QUALIFICATION

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("name", "values", "typed"),
    [
        ("won", {"amount": "12.5k"}, "won L-5 12.5k"),
        ("expand", {"amount": "$3,000"}, "expand L-5 $3,000"),
        ("lost", {"reason": "went with a competitor"}, "lost L-5 went with a competitor"),
        ("disqualify", {"reason": "student project"}, "disqualify L-5 student project"),
        ("churn", {"reason": "moved in-house"}, "churn L-5 moved in-house"),
        ("churn", {}, "churn L-5"),
        (
            "qualify",
            {"budget": "40k", "authority": "CTO", "need": "SSO", "timeline": "Q1", "notes": "hi"},
            "qualify L-5 budget=40k authority=CTO need=SSO timeline=Q1 hi",
        ),
    ],
)
def test_a_submitted_form_is_the_command_its_words_would_be(
    name: str, values: dict[str, str], typed: str
) -> None:
    assert form_command(form_named(name), 5, values) == parse_command("/lead", typed, TODAY)


def test_what_was_typed_is_trimmed_and_a_one_line_field_keeps_one_space_between_words() -> None:
    budget, notes = QUALIFICATION.fields[0], QUALIFICATION.fields[-1]
    assert budget.read("  40k \t this  year ") == "40k this year"
    assert notes.read("  line one\n\nline  two \n") == "line one\n\nline  two"
    assert budget.read("   ") is None
    assert budget.read(None) is None
    assert budget.read(40) == "40"  # card data may carry numbers


def test_a_required_field_left_empty_is_refused_under_that_field() -> None:
    for form in FORMS.values():
        for field in (f for f in form.fields if f.required):
            with pytest.raises(FormProblems) as refused:
                form_command(form, 5, {field.key: "  "})
            assert refused.value.problems == {field.key: f"{field.label} is required."}


def test_an_empty_qualification_form_is_refused_as_a_whole() -> None:
    with pytest.raises(FormProblems) as refused:
        form_command(QUALIFICATION, 5, {"budget": " ", "notes": None})
    assert refused.value.problems == {FormProblems.WHOLE_FORM: EMPTY_QUALIFICATION}
    assert isinstance(refused.value, InvalidInput)
    assert refused.value.message == EMPTY_QUALIFICATION


def text_fields() -> list[tuple[Form, Field]]:
    return [
        (form, field)
        for form in FORMS.values()
        for field in form.fields
        if field.key != "amount" and form is not FIX
    ]


@pytest.mark.parametrize(("form", "field"), text_fields(), ids=lambda x: getattr(x, "key", ""))
def test_a_text_field_takes_exactly_its_declared_length_as_the_typed_command_does(
    form: Form, field: Field
) -> None:
    longest = "x" * field.max_length
    form_command(form, 5, {field.key: longest})
    with pytest.raises(FormProblems) as refused:
        form_command(form, 5, {field.key: longest + "x"})
    assert list(refused.value.problems) == [field.key]
    assert "too long" in refused.value.problems[field.key]


def test_a_bad_amount_is_refused_under_the_amount_with_the_typed_commands_reason() -> None:
    with pytest.raises(FormProblems) as refused:
        form_command(WON, 5, {"amount": "lots"})
    assert refused.value.problems["amount"].startswith("`lots` is not an amount")


def test_limits_come_from_routing_limits() -> None:
    assert {f.key: f.max_length for f in QUALIFICATION.fields} == limits.QUALIFICATION
    assert {f.max_length for f in FORMS["disqualify"].fields} == {limits.REASON}
    assert {f.max_length for f in FORMS["won"].fields} == {limits.AMOUNT_TEXT}
    assert {f.max_length for f in FORMS["expand"].fields} == {limits.AMOUNT_TEXT}


def test_the_churn_reason_is_optional_as_in_the_typed_command() -> None:
    (reason,) = CHURN.fields
    assert not reason.required
    assert form_command(CHURN, 5, {"reason": ""}) == Churn(5)


def test_a_form_names_its_lead_and_every_title_fits_a_slack_modal_up_to_a_million_leads() -> None:
    assert WON.title(42) == "Mark won L-42"
    for form in FORMS.values():
        assert len(form.title(999_999)) <= limits.BlockKit.MODAL_TITLE
        assert len(form.submit) <= limits.BlockKit.MODAL_TITLE


def test_forms_are_found_by_their_step_and_another_word_is_a_usage_error() -> None:
    assert all(form_named(name).name == name for name in FORMS)
    assert form_named("Won") is WON
    with pytest.raises(UsageError, match="`teleport` is not a Baton form"):
        form_named("teleport")


def test_the_fix_form_is_held_to_the_typed_fix_rule_field_by_field() -> None:
    """An unparsed lead's Fix form needs an email address or a phone number, a real address,
    and each value within its column, as `/lead fix` does."""
    assert form_command(FIX, 4, {"email": "sam@acme.io", "company": "Acme"}) == Fix(
        4, company="Acme", email="sam@acme.io"
    )
    assert form_command(FIX, 4, {"phone": "+1 415 555 0142"}) == Fix(4, phone="+1 415 555 0142")
    with pytest.raises(FormProblems) as nothing:
        form_command(FIX, 4, {"company": "Acme"})
    assert list(nothing.value.problems) == [FormProblems.WHOLE_FORM]
    with pytest.raises(FormProblems) as bad:
        form_command(FIX, 4, {"email": "sam at acme"})
    assert bad.value.problems["email"] == "`sam at acme` is not an email address."
    for field in FIX.fields:
        contact = {"phone": "+1 415 555 0142"} if field.key != "phone" else {"email": "a@b.io"}
        with pytest.raises(FormProblems) as long:
            form_command(FIX, 4, {**contact, field.key: "x" * (field.max_length + 1)})
        assert "too long" in long.value.problems[field.key]
