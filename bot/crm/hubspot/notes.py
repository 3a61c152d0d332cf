"""A backfill's routing notes: each lead's latest explanation as a note on its contact, written
100 to a batch call, once however often the backfill runs.

Contacts carry no unique key for notes, so "once" is read from HubSpot itself, as the live
sender does for a note it tries again: a contact that already had Baton's key before this page
(Baton made it, in a live write or an earlier or killed backfill) may hold the note, so its
notes are read (one batch call for their associations, one per 100 notes for their bodies) and a
note with the same body and time counts as this one. A contact that got the key in this page
cannot hold a note of Baton's yet, so a first backfill pays one call per 100 leads for notes.
A note HubSpot created just before a kill -9 is found the same way on the next run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from bot.crm.hubspot.adapter import NOTE_TO_CONTACT, HubSpotCrm, _plain, _same_time
from routing.crm.backfill import LeadRecords
from routing.crm.changes import NoteChange
from routing.crm.port import CrmRefused

BATCH = 100
"""HubSpot's most inputs in one batch call."""


class Counts(Protocol):
    notes: int
    failed: list[tuple[str, str]]


def backfill_notes(
    crm: HubSpotCrm,
    page: Sequence[LeadRecords],
    contact_ids: Mapping[str, str],
    keyed_before: Iterable[str],
    counts: Counts,
) -> None:
    """Write the routing note of each lead of ``page`` whose contact (``contact_ids``: Baton
    key → HubSpot id) does not hold it yet; ``keyed_before``: the keys HubSpot already had
    before the page's contacts were written (only those contacts are looked at)."""
    wanted = {
        contact_ids[r.contact.key]: r.note
        for r in page
        if r.note is not None and r.contact.key in contact_ids
    }
    looked_at = [contact_ids[key] for key in keyed_before if contact_ids.get(key) in wanted]
    present = _holding(crm, looked_at, wanted)
    inputs = [_input(contact, note) for contact, note in wanted.items() if contact not in present]
    api = crm.client.crm.objects.notes.batch_api
    for chunk in _chunks(inputs):
        try:
            answer = _plain(crm.call(api.create, {"inputs": chunk}))
        except CrmRefused as refused:
            counts.failed += [(_contact_of(item), str(refused)) for item in chunk]
            continue
        counts.notes += len(answer.get("results") or [])
        counts.failed += [("note", str(e.get("message"))) for e in answer.get("errors") or []]


def _holding(
    crm: HubSpotCrm, contacts: Sequence[str], wanted: Mapping[str, NoteChange]
) -> set[str]:
    """The contacts among ``contacts`` that hold their wanted note already."""
    notes_of: dict[str, list[str]] = {}
    api = crm.client.crm.associations.v4.batch_api
    for chunk in _chunks([{"id": contact} for contact in contacts]):
        answer = _plain(crm.call(api.get_page, "contacts", "notes", {"inputs": chunk}))
        for result in answer.get("results") or []:
            contact = str((result.get("_from") or result.get("from") or {}).get("id"))
            linked = [str(t.get("to_object_id") or t.get("toObjectId")) for t in result["to"]]
            notes_of[contact] = linked
    note_to_contact = {note: c for c, notes in notes_of.items() for note in notes}
    holding: set[str] = set()
    read = crm.client.crm.objects.notes.batch_api
    for chunk in _chunks([{"id": note} for note in note_to_contact]):
        body = {"inputs": chunk, "properties": ["hs_note_body", "hs_timestamp"]}
        for note in _plain(crm.call(read.read, body)).get("results") or []:
            contact = note_to_contact.get(str(note.get("id")), "")
            props = note.get("properties") or {}
            change = wanted.get(contact)
            if (
                change is not None
                and props.get("hs_note_body") == change.body
                and _same_time(props.get("hs_timestamp"), change.at)
            ):
                holding.add(contact)
    return holding


def _input(contact: str, note: NoteChange) -> dict[str, Any]:
    return {
        "properties": {
            "hs_timestamp": note.at.isoformat().replace("+00:00", "Z"),
            "hs_note_body": note.body,
        },
        "associations": [
            {
                "to": {"id": contact},
                "types": [
                    {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_CONTACT}
                ],
            }
        ],
    }


def _contact_of(item: Mapping[str, Any]) -> str:
    return f"note on contact {item['associations'][0]['to']['id']}"


def _chunks(items: list[dict[str, Any]]) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]
