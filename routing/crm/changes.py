"""The changes Baton makes in the CRM, as plain values an outbox row can hold.

A change names the record by Baton's own key (``baton_lead_id``), never by the CRM's id: the
adapter upserts by that key, so a change sent twice finds the record it made the first time.
Owners are Baton reps here; the adapter turns a rep into the CRM's owner id when it sends, so a
rep whose owner is set later still gets the records handed to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ContactChange:
    """Upsert the lead's contact by ``key``; ``lifecycle`` only ever moves it forward."""

    key: str
    properties: Mapping[str, str]
    owner_rep_id: int | None = None
    lifecycle: str | None = None
    crm_id: str | None = None
    """The CRM's own id of the contact when the lead came from the CRM: that contact is updated
    (and given the key), even without an email to find it by."""
    by_id: bool = False
    """Written to ``crm_id`` only, never upserted by the key (the survivor of a merge: the key
    may be gone from it, and an upsert would make a duplicate)."""


@dataclass(frozen=True)
class DealChange:
    """Upsert a deal by ``key``, associated with the contact ``contact_key``; ``step`` is a
    Baton step (``handoff``, ``won`` …) the adapter turns into the pipeline's stage id."""

    key: str
    contact_key: str
    properties: Mapping[str, str] = field(default_factory=dict)
    step: str | None = None
    owner_rep_id: int | None = None
    contact_crm_id: str | None = None
    """The contact's CRM id when a merge repointed it (else it is found by ``contact_key``)."""
    crm_id: str | None = None
    """The deal's CRM id when a merge repointed it: written by that id, not upserted."""


@dataclass(frozen=True)
class NoteChange:
    """A note on the contact ``contact_key`` (the routing explanation, a churn)."""

    contact_key: str
    body: str
    at: datetime
    contact_crm_id: str | None = None
    """The contact's CRM id when a merge repointed it (else it is found by ``contact_key``)."""


CrmChange = ContactChange | DealChange | NoteChange

_KINDS: dict[str, type[ContactChange] | type[DealChange] | type[NoteChange]] = {
    "contact": ContactChange,
    "deal": DealChange,
    "note": NoteChange,
}


def change_json(change: CrmChange) -> dict[str, Any]:
    """The change as JSON an outbox row stores (times as ISO 8601)."""
    kind = next(name for name, cls in _KINDS.items() if isinstance(change, cls))
    data: dict[str, Any] = {"kind": kind}
    for name, value in vars(change).items():
        data[name] = value.isoformat() if isinstance(value, datetime) else value
        if isinstance(value, Mapping):
            data[name] = dict(value)
    return data


def change_from(data: Mapping[str, Any]) -> CrmChange:
    """Read back what :func:`change_json` wrote."""
    values = {k: v for k, v in data.items() if k != "kind"}
    kind = data["kind"]
    if kind == "note":
        return NoteChange(
            values["contact_key"],
            values["body"],
            datetime.fromisoformat(values["at"]),
            values.get("contact_crm_id"),
        )
    if kind == "deal":
        return DealChange(**values)
    return ContactChange(**values)


def described(data: Mapping[str, Any]) -> str:
    """The kind of a stored change in a few words (``contact``, ``deal: won``, ``note``); a
    shape this version does not know is ``change``."""
    kind = data.get("kind") if isinstance(data, Mapping) else None
    if kind == "deal":
        step = data.get("step")
        return f"deal: {step}" if isinstance(step, str) and step else "deal"
    if kind == "contact":
        stage = data.get("lifecycle")
        return f"contact: {stage}" if isinstance(stage, str) and stage else "contact"
    return kind if kind == "note" else "change"


def lead_key(lead_id: int) -> str:
    """The value of ``baton_lead_id`` on a lead's contact and its deal."""
    return str(lead_id)
