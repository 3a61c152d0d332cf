"""Which CRM record each of a lead's changes goes to, and what HubSpot's merges, deletions and
restores do to that: pure decisions, the adapter only translates the events into these calls.

A link ties Baton's key of a record (``baton_lead_id`` of a contact, a deal's key) to the CRM's
own id, as the sender last wrote it (or as a contact Baton routed came from the CRM). While no
merge or deletion has touched it, a change goes by Baton's key as before (an upsert). After a
merge the link names the surviving record and every later change of the lead goes to that id,
never upserted by a key HubSpot may have dropped in the merge (that would make a duplicate).
After a deletion the lead's changes to that record are skipped with a reason, never retried; a
restore lets them through again. The lead in Baton is never touched by any of these.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from routing.crm.changes import ContactChange, CrmChange, DealChange, NoteChange

CONTACT = "contact"
DEAL = "deal"
KINDS = (CONTACT, DEAL)


class LinkState(StrEnum):
    LINKED = "linked"
    """Written (or routed from the CRM): changes go by Baton's key, as always."""
    MERGED = "merged"
    """The record was merged: changes go to ``crm_id``, the surviving record, by its id."""
    DELETED = "deleted"
    """Deleted in the CRM: changes to it are skipped until it is restored."""


@dataclass(frozen=True)
class CrmLink:
    kind: str
    key: str
    """Baton's key of the record (``baton_lead_id``; a deal's key)."""
    crm_id: str
    lead_id: int
    state: LinkState = LinkState.LINKED
    merged: bool = False
    """Repointed by a merge at least once (kept through a deletion and restore of the survivor)."""


@dataclass(frozen=True)
class Skipped:
    """A change not sent, and why (kept on the row)."""

    reason: str


# --- what HubSpot's events do to the links ------------------------------------------------------


@dataclass(frozen=True)
class RecordEvent:
    """One of HubSpot's merge, deletion, restore or privacy-deletion events, as plain values."""

    action: str
    """``merge``, ``deletion``, ``restore`` or ``privacyDeletion``."""
    kind: str
    object_id: str
    survivor: str | None = None
    merged_ids: tuple[str, ...] = ()


SURVIVOR_KEEPS = frozenset({"baton_lead_id", "email"})
"""Properties Baton never writes to the survivor of a merge: its identity stays HubSpot's."""
ACTIONS = ("merge", "deletion", "restore", "privacyDeletion")
_OBJECTS = {"contact": CONTACT, "deal": DEAL}


def record_event(event: Mapping[str, Any]) -> RecordEvent | str | None:
    """The event read, a line saying why it cannot be (malformed: to log and ignore), or None
    for an event of another kind (creation, a property change)."""
    kind_name, _dot, action = str(event.get("subscriptionType") or "").partition(".")
    if action not in ACTIONS or kind_name not in _OBJECTS:
        return None
    kind = _OBJECTS[kind_name]
    if action == "privacyDeletion" and kind != CONTACT:
        return None
    object_id = _id(event.get("objectId"))
    if action != "merge":
        if object_id is None:
            return f"{kind_name}.{action} without a numeric objectId"
        return RecordEvent(action, kind, object_id)
    primary = _id(event.get("primaryObjectId"))
    new = _id(event.get("newObjectId"))
    raw_merged = event.get("mergedObjectIds")
    merged = [_id(i) for i in raw_merged] if isinstance(raw_merged, list) else [None]
    if primary is None or not merged or None in merged:
        return f"{kind_name}.merge without primaryObjectId and numeric mergedObjectIds"
    survivor = new or primary
    gone = tuple(dict.fromkeys(i for i in [*merged, primary] if i is not None and i != survivor))
    return RecordEvent("merge", kind, object_id or survivor, survivor, gone)


def _id(value: object) -> str | None:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return text if text.isdigit() and len(text) <= 30 else None


def relinked(event: RecordEvent, links: Iterable[CrmLink]) -> list[CrmLink]:
    """The links ``event`` changes, as they are after it (the others are left as they are).

    A merge repoints every link to a merged-away record (and the survivor's own) to the
    survivor; a deletion marks the record's links deleted; a restore links them again (a merged
    link keeps its survivor id, so it still goes by id)."""
    changed: list[CrmLink] = []
    for link in links:
        if link.kind != event.kind:
            continue
        if event.action == "merge":
            if link.crm_id in event.merged_ids:
                changed.append(
                    replace(
                        link,
                        crm_id=event.survivor or link.crm_id,
                        state=LinkState.MERGED,
                        merged=True,
                    )
                )
        elif link.crm_id != event.object_id:
            continue
        elif event.action in ("deletion", "privacyDeletion"):
            if link.state is not LinkState.DELETED:
                changed.append(replace(link, state=LinkState.DELETED))
        elif event.action == "restore" and link.state is LinkState.DELETED:
            changed.append(
                replace(link, state=LinkState.MERGED if link.merged else LinkState.LINKED)
            )
    return changed


def ids_touched(event: RecordEvent) -> tuple[str, ...]:
    """The CRM ids whose links ``event`` may change (to look them up)."""
    if event.action == "merge":
        return event.merged_ids
    return (event.object_id,)


def erases_contact(event: RecordEvent) -> bool:
    """A GDPR deletion in HubSpot erases the contact's details in Baton as well: the person
    asked the team (the controller) to forget them, HubSpot's admin carried it out there, and
    Baton holds the same details for the same team. Baton's erasure keeps anonymised rows, so
    every figure stays the same."""
    return event.action == "privacyDeletion" and event.kind == CONTACT


# --- where a change goes ------------------------------------------------------------------------


def through_links(
    change: CrmChange, links: Mapping[tuple[str, str], CrmLink]
) -> CrmChange | Skipped:
    """``change`` pointed at the records its links name, or why it is skipped. ``links`` by
    (kind, key); a change without a link goes by Baton's key as it always did."""
    contact = links.get((CONTACT, _contact_key(change)))
    if contact is not None and contact.state is LinkState.DELETED:
        return Skipped(f"HubSpot contact {contact.crm_id} was deleted in HubSpot; not written")
    contact_id = contact.crm_id if contact is not None and contact.merged else None
    if isinstance(change, ContactChange):
        if contact_id is None:
            return change
        # the survivor is who HubSpot's merge made it: written by id, its key and email (another
        # lead's, or the merged-away one now in hs_additional_emails) left as HubSpot kept them
        props = {k: v for k, v in change.properties.items() if k not in SURVIVOR_KEEPS}
        return replace(change, properties=props, crm_id=contact_id, by_id=True)
    if isinstance(change, NoteChange):
        return replace(change, contact_crm_id=contact_id) if contact_id else change
    deal = links.get((DEAL, change.key))
    if deal is not None and deal.state is LinkState.DELETED:
        return Skipped(f"HubSpot deal {deal.crm_id} was deleted in HubSpot; not written")
    deal_id = deal.crm_id if deal is not None and deal.merged else None
    if contact_id is None and deal_id is None:
        return change
    return replace(change, contact_crm_id=contact_id, crm_id=deal_id)


def _contact_key(change: CrmChange) -> str:
    if isinstance(change, ContactChange):
        return change.key
    return change.contact_key


def link_keys(change: CrmChange) -> list[tuple[str, str]]:
    """The (kind, key) links ``change`` depends on."""
    keys = [(CONTACT, _contact_key(change))]
    if isinstance(change, DealChange):
        keys.append((DEAL, change.key))
    return keys


@dataclass(frozen=True)
class Written:
    """A record a change reached: (kind, Baton's key, the CRM's id)."""

    kind: str
    key: str
    crm_id: str


def seen(
    written: Sequence[Written], links: Mapping[tuple[str, str], CrmLink], lead_id: int
) -> list[CrmLink]:
    """The links to keep after a write reached ``written``: new ones linked; a merged link to
    the same record stays merged (it still goes by id)."""
    kept: list[CrmLink] = []
    for record in written:
        before = links.get((record.kind, record.key))
        if (
            before is not None
            and before.crm_id == record.crm_id
            and before.state is not LinkState.DELETED
        ):
            continue
        merged = before is not None and before.merged and before.crm_id == record.crm_id
        kept.append(
            CrmLink(
                record.kind,
                record.key,
                record.crm_id,
                lead_id,
                LinkState.MERGED if merged else LinkState.LINKED,
                merged,
            )
        )
    return kept
