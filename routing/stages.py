"""The lead's journey: its stages, the actions between them, and which role owns each stage."""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from routing.roles import Role


class Stage(StrEnum):
    UNPARSED = "unparsed"
    NEW = "new"
    ASSIGNED = "assigned"
    WORKING = "working"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    WITH_CLOSER = "with_closer"
    MEETING = "meeting"
    PROPOSAL_REQUESTED = "proposal_requested"
    PROPOSAL_PRESENTED = "proposal_presented"
    WON = "won"
    LOST = "lost"
    CUSTOMER = "customer"
    CHURNED = "churned"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Action(StrEnum):
    """What a person can do to a lead; the words match the `/lead` subcommands."""

    ASSIGN = "assign"
    FIX = "fix"
    """A manager gives an unparsed post its contact, and it is routed like a parsed lead."""
    CLAIM = "claim"
    DECLINE = "notmine"
    QUALIFY = "qualify"
    DISQUALIFY = "disqualify"
    HANDOFF = "handoff"
    HANDOFF_QUALIFIER = "handoff qualifier"
    """A prospector passes an outbound lead they are working to the qualifier rotation."""
    MEETING = "meeting"
    PROPOSAL_REQUESTED = "proposal requested"
    PROPOSAL_PRESENTED = "proposal presented"
    WON = "won"
    LOST = "lost"
    EXPAND = "expand"
    CHURN = "churn"
    REASSIGN = "reassign"


CLOSING_STAGES = frozenset(
    {Stage.WITH_CLOSER, Stage.MEETING, Stage.PROPOSAL_REQUESTED, Stage.PROPOSAL_PRESENTED}
)
TERMINAL_STAGES = frozenset({Stage.DISQUALIFIED, Stage.LOST, Stage.CHURNED})
OPEN_STAGES = frozenset(
    {Stage.NEW, Stage.ASSIGNED, Stage.WORKING, Stage.QUALIFIED, *CLOSING_STAGES, Stage.WON}
)
"""Leads still being worked: a new post from the same buyer goes to their owner."""
OWNED_STAGES = frozenset(OPEN_STAGES - {Stage.NEW} | {Stage.CUSTOMER})

ALLOWED: dict[Action, frozenset[Stage]] = {
    Action.ASSIGN: frozenset({Stage.NEW, Stage.ASSIGNED}),
    Action.FIX: frozenset({Stage.UNPARSED}),
    Action.CLAIM: frozenset({Stage.ASSIGNED}),
    Action.DECLINE: frozenset({Stage.ASSIGNED}),
    Action.QUALIFY: frozenset({Stage.WORKING}),
    Action.DISQUALIFY: frozenset({Stage.UNPARSED, Stage.ASSIGNED, Stage.WORKING, Stage.QUALIFIED}),
    Action.HANDOFF: frozenset({Stage.QUALIFIED, Stage.WON}),
    Action.HANDOFF_QUALIFIER: frozenset({Stage.WORKING}),
    Action.MEETING: CLOSING_STAGES,
    Action.PROPOSAL_REQUESTED: frozenset({Stage.WITH_CLOSER, Stage.MEETING}),
    Action.PROPOSAL_PRESENTED: frozenset(
        {Stage.WITH_CLOSER, Stage.MEETING, Stage.PROPOSAL_REQUESTED}
    ),
    Action.WON: CLOSING_STAGES,
    Action.LOST: CLOSING_STAGES,
    Action.EXPAND: frozenset({Stage.CUSTOMER}),
    Action.CHURN: frozenset({Stage.CUSTOMER}),
    Action.REASSIGN: frozenset(OWNED_STAGES | {Stage.NEW}),
}

_USER_ACTIONS = tuple(a for a in Action if a is not Action.ASSIGN)


@cache
def allowed_actions(stage: Stage, *, prospecting: bool = False) -> tuple[Action, ...]:
    """The actions a person can take from ``stage``, in journey order.

    ``prospecting``: the lead is outbound and still with its prospector, who may also hand it
    to the qualifiers (no other lead can take that step).
    """
    return tuple(
        a
        for a in _USER_ACTIONS
        if stage in ALLOWED[a] and (prospecting or a is not Action.HANDOFF_QUALIFIER)
    )


def owning_role(stage: Stage, outbound: bool) -> Role | None:
    """The role whose pool owns a lead at ``stage`` (reassign targets must be in it)."""
    if stage in {Stage.ASSIGNED, Stage.WORKING, Stage.QUALIFIED}:
        return Role.PROSPECTOR if outbound else Role.QUALIFIER
    if stage in CLOSING_STAGES or stage is Stage.WON:
        return Role.CLOSER
    if stage is Stage.CUSTOMER:
        return Role.ACCOUNT_MANAGER
    if stage is Stage.NEW:
        return Role.QUALIFIER
    return None


@cache
def next_step_actions(stage: Stage, *, prospecting: bool = False) -> tuple[Action, ...]:
    """The buttons worth showing on a lead card at ``stage`` (reassign is a manager's command)."""
    actions = allowed_actions(stage, prospecting=prospecting)
    return tuple(a for a in actions if a is not Action.REASSIGN)
