"""Which CRM changes each of a lead's events makes: the one place the mapping is decided.

Assignment (rotation, matching, reassignment, an SLA move): the contact upserted with the lead's
details, its owner, ``lead`` and ``NEW``, the routing explanation in ``baton_routing``, and a note
saying why. Claim, disqualify and qualify move the lead status or lifecycle. A hand-off to a
closer opens the deal; its steps move the deal's stage; won and lost close it. A hand-off to an
account manager makes them the contact's owner and the contact a customer; an expansion is a new
closed-won deal of existing business, a churn a note.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from routing.crm.changes import ContactChange, CrmChange, DealChange, NoteChange, lead_key
from routing.crm.lifecycle import (
    CUSTOMER,
    LEAD,
    OPPORTUNITY,
    SQL,
    STATUS_IN_PROGRESS,
    STATUS_NEW,
    STATUS_UNQUALIFIED,
)
from routing.events import EventType, LeadEvent
from routing.lead import Lead
from routing.limits import fitted_text
from routing.stages import Stage

CRM_ID = "crm_id"
"""The lead's field holding its contact's id in the CRM (a lead that came from the CRM)."""
ROUTING_LIMIT = 65_536
"""HubSpot's longest note body; ``baton_routing`` is cut to it as well."""
DEAL_STEPS = {
    EventType.MEETING: "meeting",
    EventType.PROPOSAL_REQUESTED: "proposal_requested",
    EventType.PROPOSAL_PRESENTED: "proposal_presented",
}
"""Events that only move the deal's stage, and the Baton step each names."""


def changes_for(lead: Lead, event: LeadEvent) -> tuple[CrmChange, ...]:
    """What ``event`` of ``lead`` changes in the CRM, in the order to apply it (may be none)."""
    make = _MAPPERS.get(event.type)
    return make(lead, event) if make else ()


def contact_properties(lead: Lead) -> dict[str, str]:
    """Who the contact is: written with every change, so a contact Baton first meets late is
    complete. Empty values are left out (they would clear what HubSpot holds)."""
    first, _, last = (lead.name or "").strip().partition(" ")
    found = {
        "email": lead.email or "",
        "firstname": first,
        "lastname": last.strip(),
        "company": lead.company or "",
        "phone": lead.phone or "",
        "baton_lead_id": lead_key(lead.id or 0),
    }
    return {name: value for name, value in found.items() if value}


def _contact(
    lead: Lead, owner: int | None = None, lifecycle: str | None = None, **extra: str
) -> ContactChange:
    props = {**contact_properties(lead), **extra}
    crm_id = lead.fields.get(CRM_ID)
    return ContactChange(lead_key(lead.id or 0), props, owner, lifecycle, crm_id)


def _assigned(lead: Lead, event: LeadEvent) -> tuple[CrmChange, ...]:
    """A new owner from the rotation, a match, a manager or an SLA move."""
    if event.owner_id is None:
        return ()
    explanation = str(event.payload.get("explanation") or event.payload.get("reason") or "")
    status = STATUS_NEW if event.to_stage in (Stage.NEW, Stage.ASSIGNED) else STATUS_IN_PROGRESS
    extra = {"hs_lead_status": status}
    if explanation:
        extra["baton_routing"] = fitted_text(explanation, ROUTING_LIMIT)
    changes: list[CrmChange] = [_contact(lead, event.owner_id, LEAD, **extra)]
    if event.to_stage in _DEAL_STAGES:
        key = lead_key(lead.id or 0)
        changes.append(DealChange(key, key, {"dealname": deal_name(lead)}, None, event.owner_id))
    if explanation:
        changes.append(_note(lead, event, f"Baton routed {lead.ref}: {explanation}"))
    return tuple(changes)


def _sla_missed(lead: Lead, event: LeadEvent) -> tuple[CrmChange, ...]:
    """An SLA miss that keeps the assignee changes nothing; one that frees the lead waits for its
    next assignment (its own event)."""
    return ()


def _claimed(lead: Lead, event: LeadEvent) -> tuple[CrmChange, ...]:
    return (_contact(lead, event.owner_id, hs_lead_status=STATUS_IN_PROGRESS),)


def _disqualified(lead: Lead, event: LeadEvent) -> tuple[CrmChange, ...]:
    return (_contact(lead, hs_lead_status=STATUS_UNQUALIFIED),)


def _qualified(lead: Lead, event: LeadEvent) -> tuple[CrmChange, ...]:
    return (_contact(lead, lifecycle=SQL),)


def _handed_off(lead: Lead, event: LeadEvent) -> tuple[CrmChange, ...]:
    if event.to_stage is Stage.ASSIGNED:  # a prospector's lead to a qualifier
        return _assigned(lead, event)
    if event.to_stage is Stage.CUSTOMER:  # won, to an account manager
        return (_contact(lead, event.owner_id, CUSTOMER),)
    key = lead_key(lead.id or 0)
    deal = DealChange(
        key,
        key,
        {"dealname": deal_name(lead)},
        step="handoff",
        owner_rep_id=event.owner_id,
    )
    return (_contact(lead, lifecycle=OPPORTUNITY), deal)


def _deal_step(lead: Lead, event: LeadEvent) -> tuple[CrmChange, ...]:
    key = lead_key(lead.id or 0)
    return (DealChange(key, key, {"dealname": deal_name(lead)}, step=DEAL_STEPS[event.type]),)


def _won(lead: Lead, event: LeadEvent) -> tuple[CrmChange, ...]:
    return _closed(lead, event, "won", {"amount": str(event.payload.get("amount", ""))})


def _lost(lead: Lead, event: LeadEvent) -> tuple[CrmChange, ...]:
    reason = str(event.payload.get("reason", ""))
    return _closed(lead, event, "lost", {"closed_lost_reason": reason})


def _closed(
    lead: Lead, event: LeadEvent, step: str, props: dict[str, str]
) -> tuple[CrmChange, ...]:
    """The deal moved to ``step`` (won or lost) with its close date and ``props``."""
    key = lead_key(lead.id or 0)
    props = {"dealname": deal_name(lead), **props, "closedate": _iso(event.at)}
    return (DealChange(key, key, _non_empty(props), step=step),)


def _amount_set(lead: Lead, event: LeadEvent) -> tuple[CrmChange, ...]:
    key = lead_key(lead.id or 0)
    amount = str(event.payload.get("amount", ""))
    props = {"dealname": deal_name(lead), "amount": amount}
    return (DealChange(key, key, _non_empty(props)),) if amount else ()


def _expanded(lead: Lead, event: LeadEvent) -> tuple[CrmChange, ...]:
    """A new closed-won deal of existing business owned by the account manager, keyed by the
    lead and the moment of the expansion (so a resent change finds the deal it made)."""
    amount = str(event.payload.get("amount", ""))
    props = {
        "dealname": f"{deal_name(lead)} expansion",
        "amount": amount,
        "closedate": _iso(event.at),
        "dealtype": "existingbusiness",
    }
    key = f"{lead_key(lead.id or 0)}-x{int(event.at.timestamp() * 1000)}"
    return (DealChange(key, lead_key(lead.id or 0), _non_empty(props), "won", event.owner_id),)


def _churned(lead: Lead, event: LeadEvent) -> tuple[CrmChange, ...]:
    reason = event.payload.get("reason")
    why = f": {reason}" if reason else "."
    return (_note(lead, event, f"{lead.ref} churned{why}"),)


def _note(lead: Lead, event: LeadEvent, body: str) -> NoteChange:
    return NoteChange(lead_key(lead.id or 0), fitted_text(body, ROUTING_LIMIT), event.at)


def deal_name(lead: Lead) -> str:
    """``<Company> (L-n)``; a lead without a company is named by its contact."""
    return f"{lead.company or lead.name or lead.email or 'Lead'} ({lead.ref})"


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _non_empty(props: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in props.items() if v}


_DEAL_STAGES = frozenset(
    {Stage.WITH_CLOSER, Stage.MEETING, Stage.PROPOSAL_REQUESTED, Stage.PROPOSAL_PRESENTED}
)

_MAPPERS: dict[EventType, Callable[[Lead, LeadEvent], tuple[CrmChange, ...]]] = {
    EventType.ASSIGNED: _assigned,
    EventType.REASSIGNED: _assigned,
    EventType.SLA_MISSED: _sla_missed,
    EventType.CLAIMED: _claimed,
    EventType.DISQUALIFIED: _disqualified,
    EventType.QUALIFIED: _qualified,
    EventType.HANDED_OFF: _handed_off,
    EventType.MEETING: _deal_step,
    EventType.PROPOSAL_REQUESTED: _deal_step,
    EventType.PROPOSAL_PRESENTED: _deal_step,
    EventType.WON: _won,
    EventType.LOST: _lost,
    EventType.AMOUNT_SET: _amount_set,
    EventType.EXPANDED: _expanded,
    EventType.CHURNED: _churned,
}
