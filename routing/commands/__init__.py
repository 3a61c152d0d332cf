"""The grammar of ``/lead``, ``/rotation`` and ``/funnel``: command text in, a frozen command out.

Slack, Teams and the console all deliver the words after the command; their adapters rewrite
user mentions to Slack's ``<@ID>`` / ``<@ID|name>`` form first, so one grammar serves all three.
Every mistake a user can make raises :class:`~routing.errors.UsageError` naming the problem and
showing the right form of the subcommand they tried.

Quoting follows the shell, loosened for chat: straight and smart double quotes (“ ” „) group
words, any of them closes any other, and ``key="a few words"`` quotes just the value. Single
quotes are left alone on purpose: names (O'Neil) and reasons (they don't need it) are full of
apostrophes. Free-text reasons are taken as typed rather than tokenised.
"""

from __future__ import annotations

from routing.commands.parse import parse_command
from routing.commands.storable import storable_command
from routing.commands.types import (
    Churn,
    Claim,
    Command,
    Decline,
    Disqualify,
    Expand,
    Fix,
    Funnel,
    FunnelCost,
    FunnelLink,
    FunnelSpend,
    Handoff,
    Help,
    LeadAmount,
    LeadErase,
    LeadSlot,
    LeadSlotAt,
    LogMeeting,
    LogProposal,
    Lost,
    Mine,
    NewLead,
    Qualify,
    Reassign,
    RotationAdd,
    RotationAway,
    RotationBack,
    RotationBooking,
    RotationCalendar,
    RotationCredit,
    RotationHours,
    RotationJoin,
    RotationLeave,
    RotationMode,
    RotationOwner,
    RotationPreview,
    RotationRemove,
    RotationShow,
    Show,
    UserRef,
    Won,
)
from routing.commands.usage import FUNNEL_USAGE, LEAD_USAGE, ROTATION_USAGE, usage_for
from routing.commands.words import ROLES, normalise_role, parse_lead_id
from routing.lead import format_lead_id

__all__ = [
    "FUNNEL_USAGE",
    "LEAD_USAGE",
    "ROLES",
    "ROTATION_USAGE",
    "Churn",
    "Claim",
    "Command",
    "Decline",
    "Disqualify",
    "Expand",
    "Fix",
    "Funnel",
    "FunnelCost",
    "FunnelLink",
    "FunnelSpend",
    "Handoff",
    "Help",
    "LeadAmount",
    "LeadErase",
    "LeadSlot",
    "LeadSlotAt",
    "LogMeeting",
    "LogProposal",
    "Lost",
    "Mine",
    "NewLead",
    "Qualify",
    "Reassign",
    "RotationAdd",
    "RotationAway",
    "RotationBack",
    "RotationBooking",
    "RotationCalendar",
    "RotationCredit",
    "RotationHours",
    "RotationJoin",
    "RotationLeave",
    "RotationMode",
    "RotationOwner",
    "RotationPreview",
    "RotationRemove",
    "RotationShow",
    "Show",
    "UserRef",
    "Won",
    "format_lead_id",
    "normalise_role",
    "parse_command",
    "parse_lead_id",
    "storable_command",
    "usage_for",
]
