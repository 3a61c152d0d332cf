"""The buttons on a lead: one per step, with its label, its style, its confirmation and its form.

Slack, Teams and the console lay these out; none of them names a step or decides what a click
does. The names are :class:`routing.stages.Action`'s, which are also the ``/lead`` words and what
the platforms carry in their wire data (Slack ``lead:<name with _>``, Teams ``{"baton": name}``).

One confirmation policy: a click that passes the lead to someone else without a form asks first
("Not mine" cannot be undone by whoever clicked it). Steps that end a lead (disqualify, lost,
churn) or record an amount open a form instead, and submitting the form is the confirmation; the
steps along the journey (claim, hand off, meeting, proposal) act at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from routing.chat import forms
from routing.chat.forms import Form
from routing.commands.types import (
    Claim,
    Command,
    Decline,
    Handoff,
    LogMeeting,
    LogProposal,
    Qualify,
)
from routing.errors import UsageError
from routing.stages import Action as Step

__all__ = [
    "ACTIONS",
    "CONFIRM_NO",
    "CONFIRM_TITLE",
    "CONFIRM_YES",
    "Action",
    "action_named",
    "actions_named",
    "button_command",
]

CONFIRM_TITLE = "Are you sure?"
CONFIRM_YES = "Yes"
CONFIRM_NO = "Cancel"


@dataclass(frozen=True)
class Action:
    """A step as a button: what it says and what a click on it does."""

    step: Step
    label: str
    primary: bool = False
    """The step a card most expects next: shown emphasised."""
    confirm: str | None = None
    """The question asked before the click acts, or None."""
    form: Form | None = None
    """The form the step needs, or None when the click is the whole step."""
    click: Callable[[int], Command] | None = field(default=None, compare=False, repr=False)
    """The command a click stands for, given the lead id; None when the click opens ``form``
    and the submitted form is the command. Qualify has both: its click (no fields) asks the
    domain, which answers with the form once it agrees the person may qualify the lead."""

    def __post_init__(self) -> None:
        if self.click is None and self.form is None:
            raise ValueError(f"the {self.name} button neither acts nor opens a form")
        if self.confirm and self.form_on_click is not None:
            raise ValueError(f"the {self.name} button's form is its confirmation: no question")

    @property
    def name(self) -> str:
        """The step's word: ``proposal requested``."""
        return self.step.value

    @property
    def form_on_click(self) -> Form | None:
        """The form a click opens at once, before anything runs (a reason, an amount)."""
        return self.form if self.click is None else None


ACTIONS: Mapping[str, Action] = {
    action.name: action
    for action in (
        Action(Step.FIX, "Fix", primary=True, form=forms.FIX),
        Action(Step.CLAIM, "Claim", primary=True, click=Claim),
        Action(
            Step.DECLINE,
            "Not mine",
            confirm="Pass this lead to the next rep in the rotation?",
            click=Decline,
        ),
        Action(Step.QUALIFY, "Qualify", primary=True, form=forms.QUALIFICATION, click=Qualify),
        Action(Step.DISQUALIFY, "Disqualify", form=forms.DISQUALIFY),
        Action(Step.HANDOFF, "Hand off", primary=True, click=Handoff),
        Action(
            Step.HANDOFF_QUALIFIER,
            "To qualifiers",
            click=lambda lead_id: Handoff(lead_id, to_qualifiers=True),
        ),
        Action(Step.MEETING, "Meeting held", click=LogMeeting),
        Action(
            Step.PROPOSAL_REQUESTED,
            "Proposal requested",
            click=lambda lead_id: LogProposal(lead_id, "requested"),
        ),
        Action(
            Step.PROPOSAL_PRESENTED,
            "Proposal presented",
            click=lambda lead_id: LogProposal(lead_id, "presented"),
        ),
        Action(Step.WON, "Won", primary=True, form=forms.WON),
        Action(Step.LOST, "Lost", form=forms.LOST),
        Action(Step.EXPAND, "Log expansion", form=forms.EXPAND),
        Action(Step.CHURN, "Churned", form=forms.CHURN),
    )
}
"""Every button a lead card can carry, in journey order, by name."""


def action_named(name: str) -> Action:
    """The button called ``name``; a UsageError for a word no Baton button carries."""
    action = ACTIONS.get(name.strip().lower())
    if action is None:
        raise UsageError(f"`{name[:40]}` is not something a Baton button does", "/lead help")
    return action


def actions_named(names: Iterable[str]) -> tuple[Action, ...]:
    """The buttons of a card's next steps, in their order; a name this version does not know
    (a card stored by another version) has no button."""
    return tuple(ACTIONS[name] for name in names if name in ACTIONS)


def button_command(action: Action, lead_id: int) -> Command:
    """The command a click on ``action`` stands for, exactly as ``/lead`` would type it."""
    if action.click is None:
        raise UsageError(f"{action.label} asks for a form first", "/lead help")
    return action.click(lead_id)
