"""``baton crm sync``: a lead's whole history folded into the records it should have now.

Replaying every event's changes one by one would cost a call each; a backfill wants one contact
and one deal per lead, sent 100 at a time. The fold keeps the last value of every property, the
last owner named and the latest lifecycle stage (never an earlier one), and the note of the
lead's latest routing explanation: the very note its live assignment writes (same body, same
time), so the adapter can tell it is there already and a lead gets it once however often the
backfill runs. Earlier explanations are in the contact's history no more than in
``baton_routing``; a churn note is left to the live sync.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from routing.crm.changes import ContactChange, DealChange, NoteChange
from routing.crm.lifecycle import LIFECYCLE_ORDER
from routing.crm.mapping import changes_for, contact_properties
from routing.events import EventType, LeadEvent
from routing.lead import Lead

ROUTING_EVENTS = frozenset({EventType.ASSIGNED, EventType.REASSIGNED, EventType.HANDED_OFF})
"""Events whose note is a routing explanation (a churn's note is not)."""


@dataclass
class LeadRecords:
    """What one lead should look like in the CRM."""

    contact: ContactChange
    deals: list[DealChange] = field(default_factory=list)
    note: NoteChange | None = None
    """The latest routing explanation's note on the contact."""


def records_of(lead: Lead, events: Iterable[LeadEvent]) -> LeadRecords | None:
    """The lead's contact and deals after all of ``events``; None for a lead that never had an
    owner (nothing to sync yet) or was never read (unparsed)."""
    contact: ContactChange | None = None
    deals: dict[str, DealChange] = {}
    note: NoteChange | None = None
    for event in events:
        for change in changes_for(lead, event):
            if isinstance(change, ContactChange):
                contact = _fold_contact(contact, change)
            elif isinstance(change, DealChange):
                deals[change.key] = _fold_deal(deals.get(change.key), change)
            elif event.type in ROUTING_EVENTS:
                note = change
    if contact is None:
        return None
    latest = ContactChange(
        contact.key,
        {**contact.properties, **contact_properties(lead)},
        contact.owner_rep_id,
        contact.lifecycle,
        contact.crm_id,
    )
    return LeadRecords(latest, list(deals.values()), note)


def _fold_contact(before: ContactChange | None, change: ContactChange) -> ContactChange:
    if before is None:
        return change
    return ContactChange(
        change.key,
        {**before.properties, **change.properties},
        change.owner_rep_id if change.owner_rep_id is not None else before.owner_rep_id,
        _later(before.lifecycle, change.lifecycle),
        change.crm_id or before.crm_id,
    )


def _fold_deal(before: DealChange | None, change: DealChange) -> DealChange:
    if before is None:
        return change
    return DealChange(
        change.key,
        change.contact_key,
        {**before.properties, **change.properties},
        change.step or before.step,
        change.owner_rep_id if change.owner_rep_id is not None else before.owner_rep_id,
    )


def _later(one: str | None, other: str | None) -> str | None:
    if one is None or other is None:
        return one or other
    order = {stage: n for n, stage in enumerate(LIFECYCLE_ORDER)}
    return other if order.get(other, -1) >= order.get(one, -1) else one
