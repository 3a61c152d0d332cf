"""The forms a step on a lead asks for, and the command a submitted form becomes.

Each form is declared once — its fields, their labels, placeholders, which are required and how
long each may be (from :mod:`routing.limits`) — and Slack's modals and Teams' cards only lay it
out. A submission is held to the typed command's rules (:func:`routing.lead.qualification_problems`,
:func:`routing.amounts.parse_amount`, the reason's limit); what breaks one is raised as
:class:`~routing.errors.FormProblems`, field by field, so each platform shows it on the form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from routing import limits
from routing.amounts import parse_amount
from routing.commands.types import Churn, Command, Disqualify, Expand, Fix, Lost, Qualify, Won
from routing.contact import CONTACT_LIMITS, contact_problems
from routing.errors import FormProblems, InvalidInput, UsageError
from routing.lead import format_lead_id, qualification_problems
from routing.stages import Action as Step

__all__ = [
    "CHURN",
    "DISQUALIFY",
    "EXPAND",
    "FIX",
    "FORMS",
    "LOST",
    "QUALIFICATION",
    "WON",
    "Field",
    "Form",
    "Values",
    "form_command",
    "form_named",
]

Values = Mapping[str, str | None]
"""What a form holds once read: each field's key → its text, or None when left empty."""


@dataclass(frozen=True)
class Field:
    """One input of a form; ``key`` is its id on every platform (Slack block id, Teams input id)."""

    key: str
    label: str
    placeholder: str
    max_length: int
    multiline: bool = False
    required: bool = False

    @property
    def missing(self) -> str:
        """What is said of a required field left empty (Teams also shows it before sending)."""
        return f"{self.label} is required."

    def read(self, typed: object) -> str | None:
        """What was typed, trimmed; a one-line field's runs of spaces made one; empty is None."""
        text = "" if typed is None else str(typed).strip()
        if not self.multiline:
            text = " ".join(text.split())
        return text or None


Build = Callable[[int, Values], Command]


@dataclass(frozen=True)
class Form:
    """What a step asks before it acts, and the command its submission becomes (``build``)."""

    action: Step
    heading: str
    """The title without the lead: ``Mark won`` (see :meth:`title`)."""
    submit: str
    fields: tuple[Field, ...]
    build: Build = field(compare=False, repr=False)

    def title(self, lead_id: int) -> str:
        """``Mark won L-42``: the form names the lead it acts on."""
        return f"{self.heading} {format_lead_id(lead_id)}"

    @property
    def name(self) -> str:
        """The step's word, as ``/lead`` and the platforms' wire data spell it."""
        return self.action.value


def form_command(form: Form, lead_id: int, typed: Mapping[str, object]) -> Command:
    """The command a submitted ``form`` stands for, exactly as if it had been typed.

    ``typed`` is what the platform delivered, by field key (missing keys are empty fields).
    Raises :class:`FormProblems` when a required field is empty or a rule is broken.
    """
    values = {f.key: f.read(typed.get(f.key)) for f in form.fields}
    missing = {f.key: f.missing for f in form.fields if f.required and values[f.key] is None}
    if missing:
        raise FormProblems(missing)
    return form.build(lead_id, values)


def form_named(name: str) -> Form:
    """The form of the step ``name`` (``won``, ``qualify`` …); a UsageError for any other word."""
    form = FORMS.get(name.strip().lower())
    if form is None:
        raise UsageError(f"`{name[:40]}` is not a Baton form", "/lead help")
    return form


# --- the rules a submission is held to (the typed command's) -----------------------------------


def _qualify(lead_id: int, values: Values) -> Command:
    problems = qualification_problems(values)
    if problems:
        raise FormProblems(problems)
    return Qualify(
        lead_id,
        budget=values.get("budget"),
        authority=values.get("authority"),
        need=values.get("need"),
        timeline=values.get("timeline"),
        notes=values.get("notes"),
    )


def _reason(values: Values) -> str | None:
    reason = values.get("reason")
    if reason is not None and len(reason) > limits.REASON:
        raise FormProblems({"reason": limits.too_long("The reason", limits.REASON, reason)})
    return reason


def _required_reason(values: Values) -> str:
    """The reason of a form whose reason is required: :func:`form_command` has refused the form
    when it was left empty, and the domain refuses an empty reason all the same."""
    return _reason(values) or ""


def _amount(values: Values) -> Decimal:
    try:
        return parse_amount(values.get("amount") or "")
    except InvalidInput as problem:
        raise FormProblems({"amount": problem.message}) from problem


# --- the forms ----------------------------------------------------------------------------------


def _bant(key: str, placeholder: str, *, multiline: bool = False) -> Field:
    return Field(key, key.capitalize(), placeholder, limits.QUALIFICATION[key], multiline=multiline)


QUALIFICATION = Form(
    Step.QUALIFY,
    "Qualify",
    "Qualify",
    (
        _bant("budget", "e.g. 40k this year"),
        _bant("authority", "who decides, e.g. CTO signs"),
        _bant("need", "the problem they want solved"),
        _bant("timeline", "e.g. Q1"),
        _bant("notes", "anything the closer should know", multiline=True),
    ),
    _qualify,
)
"""BANT plus notes: every field optional, at least one filled in (the rule of ``/lead qualify``)."""


def _reason_field(placeholder: str, *, required: bool) -> Field:
    return Field("reason", "Reason", placeholder, limits.REASON, multiline=True, required=required)


def _reason_form(
    step: Step, verb: str, placeholder: str, command: Callable[[int, str], Command]
) -> Form:
    """A form asking why a lead ends, the reason required (``/lead disqualify <id> <reason…>``)."""
    reason = _reason_field(placeholder, required=True)
    return Form(step, verb, verb, (reason,), lambda i, values: command(i, _required_reason(values)))


def _amount_form(
    step: Step, verb: str, label: str, placeholder: str, command: Callable[[int, Decimal], Command]
) -> Form:
    """A form asking an amount (``/lead won <id> <amount>``)."""
    amount = Field("amount", label, placeholder, limits.AMOUNT_TEXT, required=True)
    return Form(step, verb, verb, (amount,), lambda i, values: command(i, _amount(values)))


DISQUALIFY = _reason_form(Step.DISQUALIFY, "Disqualify", "e.g. no budget this year", Disqualify)
LOST = _reason_form(Step.LOST, "Mark lost", "e.g. went with a competitor", Lost)
CHURN = Form(
    Step.CHURN,
    "Mark churned",
    "Mark churned",
    (_reason_field("e.g. moved to an in-house tool", required=False),),
    lambda lead_id, values: Churn(lead_id, _reason(values)),
)
"""The reason is optional, as in ``/lead churn <id> [reason…]``; the form is the confirmation."""
WON = _amount_form(Step.WON, "Mark won", "Deal value", "e.g. 12000 or 12.5k", Won)
EXPAND = _amount_form(Step.EXPAND, "Log expansion", "Expansion value", "e.g. 5000 or 2.5k", Expand)


def _fix(lead_id: int, values: Values) -> Command:
    problems = contact_problems(values)
    if problems:
        raise FormProblems(problems)
    return Fix(
        lead_id,
        company=values.get("company"),
        email=values.get("email"),
        name=values.get("name"),
        phone=values.get("phone"),
    )


def _contact(key: str, label: str, placeholder: str) -> Field:
    return Field(key, label, placeholder, CONTACT_LIMITS[key])


FIX = Form(
    Step.FIX,
    "Fix",
    "Fix and route",
    (
        _contact("company", "Company", "e.g. Umbrella Corp"),
        _contact("email", "Email", "e.g. sam@umbrella.co"),
        _contact("name", "Name", "e.g. Sam Ortiz"),
        _contact("phone", "Phone", "e.g. +1 415 555 0142"),
    ),
    _fix,
)
"""An unparsed post's contact, as ``/lead fix``: an email address or a phone number needed."""

FORMS: Mapping[str, Form] = {
    form.name: form for form in (FIX, QUALIFICATION, DISQUALIFY, LOST, CHURN, WON, EXPAND)
}
"""Every form, by the step it belongs to."""
