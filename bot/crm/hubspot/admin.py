"""What ``baton crm check``, ``setup`` and ``sync`` ask HubSpot, through the adapter's calls (the
shared rate limit, timeouts, errors translated): owners, pipelines, Baton's properties, and the
batch endpoints a backfill uses (at most 100 inputs a call)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.crm.hubspot.adapter import KEY, HubSpotCrm, _plain
from bot.crm.hubspot.notes import backfill_notes
from routing.crm.backfill import LeadRecords
from routing.crm.lifecycle import lifecycle_to_write
from routing.crm.port import CrmError, CrmRefused

BATCH = 100
"""HubSpot's most inputs in one batch call."""
PROPERTIES = (
    ("contacts", KEY, "Baton lead id", "Baton's id of the lead (unique)", True),
    ("contacts", "baton_routing", "Baton routing", "Why Baton routed the lead as it did", False),
    ("deals", KEY, "Baton lead id", "Baton's id of the lead (unique)", True),
)
"""(object, name, label, description, unique) of the properties ``baton crm setup`` creates."""
GROUPS = {"contacts": "contactinformation", "deals": "dealinformation"}


def owners(crm: HubSpotCrm) -> list[tuple[str, str]]:
    """(owner id, email) of every active owner, page by page."""
    api, found, after = crm.client.crm.owners.owners_api, [], None
    while True:
        kwargs: dict[str, Any] = {"limit": 500, **({"after": after} if after else {})}
        page = _plain(crm.call(api.get_page, **kwargs))
        found += [(str(o["id"]), str(o.get("email") or "")) for o in page.get("results") or []]
        after = ((page.get("paging") or {}).get("next") or {}).get("after")
        if not after:
            return found


def stage_ids(crm: HubSpotCrm, pipeline: str) -> set[str] | None:
    """The stage ids of ``pipeline``, or None when HubSpot has no such deal pipeline."""
    answer = _plain(crm.call(crm.client.crm.pipelines.pipelines_api.get_all, "deals"))
    for found in answer.get("results") or []:
        if str(found.get("id")) == pipeline:
            return {str(stage.get("id")) for stage in found.get("stages") or []}
    return None


def property_present(crm: HubSpotCrm, kind: str, name: str) -> bool:
    try:
        crm.call(crm.client.crm.properties.core_api.get_by_name, kind, name)
    except CrmRefused:
        return False
    return True


def create_property(
    crm: HubSpotCrm, kind: str, name: str, label: str, text: str, unique: bool
) -> bool:
    """Create it unless it is there; True when created."""
    if property_present(crm, kind, name):
        return False
    body = {
        "name": name,
        "label": label,
        "description": text,
        "type": "string",
        "fieldType": "text" if unique else "textarea",
        "groupName": GROUPS[kind],
        "hasUniqueValue": unique,
    }
    try:
        crm.call(crm.client.crm.properties.core_api.create, kind, body)
    except CrmRefused as err:
        if getattr(err, "kind", "") == "CONFLICT":  # made meanwhile by another setup
            return False
        raise
    return True


@dataclass
class BackfillCounts:
    contacts: int = 0
    deals: int = 0
    notes: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    """(Baton key, HubSpot's message) of records HubSpot refused."""
    skipped: int = 0
    """Records not written: deleted in HubSpot (``crm_links``)."""


def backfill(
    crm: HubSpotCrm,
    page: Sequence[LeadRecords],
    owner_of: Callable[[int], str | None],
    counts: BackfillCounts,
) -> None:
    """Write ``page`` (at most 100 leads) with batch calls: read the contacts by key and email
    (for the lifecycle and for contacts HubSpot already has), upsert or update them, upsert the
    deals and associate the new ones, and add each lead's routing note once (``notes.py``)."""
    keys = [r.contact.key for r in page]
    by_key = _read(crm, "contacts", KEY, keys)
    emails = {
        r.contact.key: r.contact.properties["email"]
        for r in page
        if r.contact.key not in by_key and r.contact.properties.get("email")
    }
    by_email = _read(crm, "contacts", "email", sorted(set(emails.values())))
    upserts, updates, ids = [], [], {}
    claimed: set[str] = set()
    for records in page:
        change = records.contact
        props = {**change.properties, KEY: change.key}
        owner = owner_of(change.owner_rep_id) if change.owner_rep_id is not None else None
        if owner:
            props["hubspot_owner_id"] = owner
        found = by_key.get(change.key) or by_email.get(emails.get(change.key, ""))
        if found is None and change.crm_id and change.crm_id.isdigit():
            found = (change.crm_id, None)  # the contact the lead came from
        if found is not None and found[0] in claimed:
            found = None  # two leads of one email: the second gets a contact of its own key
            props.pop("email", None)
        current = found[1] if found else None
        stage = (
            lifecycle_to_write(current, change.lifecycle, crm.current_order())
            if change.lifecycle
            else None
        )
        if stage:
            props["lifecyclestage"] = stage
        if found is not None and change.key not in by_key:
            claimed.add(found[0])
            updates.append({"id": found[0], "properties": props})
            ids[change.key] = found[0]
        else:
            upserts.append({"idProperty": KEY, "id": change.key, "properties": props})
    api = crm.client.crm.contacts.batch_api

    def one(item: dict[str, Any]) -> dict[str, Any]:
        contact_id, props = crm.upsert_contact(item["id"], item["properties"])
        return {"id": contact_id, "properties": {**props, KEY: item["id"]}}

    for result in _batch(crm, api.upsert, upserts, counts, one):
        ids[str(result["properties"].get(KEY))] = str(result["id"])
    for result in _batch(crm, api.update, updates, counts):
        ids[str(result["properties"].get(KEY))] = str(result["id"])
    counts.contacts += len(upserts) + len(updates)
    _deals(crm, page, owner_of, ids, counts)
    backfill_notes(crm, page, ids, by_key, counts)


def _deals(
    crm: HubSpotCrm,
    page: Sequence[LeadRecords],
    owner_of: Callable[[int], str | None],
    contact_ids: Mapping[str, str],
    counts: BackfillCounts,
) -> None:
    inputs, contact_of = [], {}
    for records in page:
        for deal in records.deals:
            props = {**deal.properties, KEY: deal.key}
            if deal.step and crm.stages.get(deal.step):
                props.update(dealstage=crm.stages[deal.step], pipeline=crm.pipeline)
            owner = owner_of(deal.owner_rep_id) if deal.owner_rep_id is not None else None
            if owner:
                props["hubspot_owner_id"] = owner
            inputs.append({"idProperty": KEY, "id": deal.key, "properties": props})
            contact_of[deal.key] = deal.contact_key
    links = []
    for chunk in _chunks(inputs):
        for result in _batch(crm, crm.client.crm.deals.batch_api.upsert, chunk, counts):
            key = str(result["properties"].get(KEY))
            contact = contact_ids.get(contact_of.get(key, ""))
            if result.get("new") and contact:
                links.append({"from": {"id": str(result["id"])}, "to": {"id": contact}})
    counts.deals += len(inputs)
    api = crm.client.crm.associations.v4.batch_api
    for chunk in _chunks(links):
        crm.call(api.create_default, "deals", "contacts", {"inputs": chunk})


def _read(
    crm: HubSpotCrm, kind: str, id_property: str, ids: Sequence[str]
) -> dict[str, tuple[str, str | None]]:
    """id → (HubSpot id, lifecycle stage) of the records found (unknown ids are left out)."""
    if not ids:
        return {}
    body = {
        "idProperty": id_property,
        "inputs": [{"id": i} for i in ids],
        "properties": ["lifecyclestage", id_property],
    }
    api = getattr(crm.client.crm, kind).batch_api
    answer = _plain(crm.call(api.read, body))
    found = {}
    for result in answer.get("results") or []:
        props = result.get("properties") or {}
        found[str(props.get(id_property))] = (str(result["id"]), props.get("lifecyclestage"))
    return found


def _batch(
    crm: HubSpotCrm,
    method: Callable[..., Any],
    inputs: list[dict[str, Any]],
    counts: BackfillCounts,
    one: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One batch call's results; its per-input errors counted as failed. A batch refused as a
    whole (a 409: a contact HubSpot has under one of the emails) is done input by input with
    ``one`` when given."""
    if not inputs:
        return []
    try:
        answer = _plain(crm.call(method, {"inputs": inputs}))
    except CrmRefused as refused:
        if one is None:
            counts.failed += [(str(i.get("id")), str(refused)) for i in inputs]
            return []
        return _one_by_one(inputs, one, counts)
    for error in answer.get("errors") or []:
        counts.failed.append(("?", str(error.get("message"))))
    return list(answer.get("results") or [])


def _one_by_one(
    inputs: list[dict[str, Any]],
    one: Callable[[dict[str, Any]], dict[str, Any]],
    counts: BackfillCounts,
) -> list[dict[str, Any]]:
    results = []
    for item in inputs:
        try:
            results.append(one(item))
        except CrmRefused as refused:
            counts.failed.append((str(item.get("id")), str(refused)))
    return results


def _chunks(items: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]


__all__ = ["BATCH", "BackfillCounts", "CrmError", "backfill", "owners", "stage_ids"]


def owner_by_email(crm: HubSpotCrm, email: str) -> str | None:
    """The active owner with ``email`` (``GET /crm/v3/owners?email=``), if HubSpot has one."""
    page = _plain(crm.call(crm.client.crm.owners.owners_api.get_page, email=email, limit=1))
    results = page.get("results") or []
    return str(results[0]["id"]) if results else None
