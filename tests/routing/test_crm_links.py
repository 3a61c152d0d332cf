"""Merges, deletions and restores in HubSpot, decided purely: which links move, which changes
are skipped, and what a malformed event is."""

from __future__ import annotations

from datetime import UTC, datetime

from routing.crm.changes import ContactChange, DealChange, NoteChange
from routing.crm.links import (
    CONTACT,
    DEAL,
    CrmLink,
    LinkState,
    RecordEvent,
    Skipped,
    Written,
    erases_contact,
    record_event,
    relinked,
    seen,
    through_links,
)


def merge_event(**extra: object) -> dict[str, object]:
    return {
        "eventId": 3,
        "subscriptionType": "contact.merge",
        "objectId": 2001,
        "primaryObjectId": 2001,
        "mergedObjectIds": [1001],
        "newObjectId": 2001,
        "numberOfPropertiesMoved": 4,
        **extra,
    }


def test_a_merge_names_the_survivor_and_every_merged_away_record() -> None:
    read = record_event(merge_event(newObjectId=3001))
    assert read == RecordEvent("merge", CONTACT, "2001", "3001", ("1001", "2001"))
    plain = record_event(merge_event())
    assert isinstance(plain, RecordEvent)
    assert (plain.survivor, plain.merged_ids) == ("2001", ("1001",))


def test_malformed_record_events_are_a_reason_and_other_kinds_are_none() -> None:
    assert isinstance(record_event(merge_event(mergedObjectIds="1001")), str)
    assert isinstance(record_event(merge_event(primaryObjectId=None)), str)
    assert isinstance(record_event({"subscriptionType": "deal.deletion", "objectId": "x1"}), str)
    assert record_event({"subscriptionType": "contact.creation", "objectId": 5}) is None
    assert record_event({"subscriptionType": "deal.privacyDeletion", "objectId": 5}) is None
    assert record_event({"subscriptionType": "company.merge", "objectId": 5}) is None


def test_a_merge_repoints_only_the_links_of_merged_away_records() -> None:
    ours = CrmLink(CONTACT, "7", "1001", 7)
    theirs = CrmLink(CONTACT, "9", "2001", 9)
    deal = CrmLink(DEAL, "7", "1001", 7)
    event = record_event(merge_event())
    assert isinstance(event, RecordEvent)
    assert relinked(event, [ours, theirs, deal]) == [
        CrmLink(CONTACT, "7", "2001", 7, LinkState.MERGED, merged=True)
    ]


def test_a_deletion_then_a_restore_stops_and_resumes_the_link() -> None:
    merged = CrmLink(CONTACT, "7", "2001", 7, LinkState.MERGED, merged=True)
    deletion = RecordEvent("deletion", CONTACT, "2001")
    (deleted,) = relinked(deletion, [merged])
    assert deleted.state is LinkState.DELETED
    assert relinked(deletion, [deleted]) == []  # a second deletion changes nothing
    (restored,) = relinked(RecordEvent("restore", CONTACT, "2001"), [deleted])
    assert restored == merged  # still goes to the survivor by its id
    assert relinked(RecordEvent("restore", CONTACT, "2001"), [merged]) == []


def test_only_a_gdpr_deletion_of_a_contact_erases() -> None:
    assert erases_contact(RecordEvent("privacyDeletion", CONTACT, "1"))
    assert not erases_contact(RecordEvent("deletion", CONTACT, "1"))


AT = datetime(2026, 12, 4, 9, tzinfo=UTC)
CONTACT_CHANGE = ContactChange("7", {"email": "a@b.co", "baton_lead_id": "7"}, None, "lead")


def test_a_change_without_a_link_or_with_a_plain_one_goes_by_baton_s_key() -> None:
    assert through_links(CONTACT_CHANGE, {}) == CONTACT_CHANGE
    plain = {(CONTACT, "7"): CrmLink(CONTACT, "7", "1001", 7)}
    assert through_links(CONTACT_CHANGE, plain) == CONTACT_CHANGE


def test_after_a_merge_every_change_goes_to_the_survivor_by_its_id() -> None:
    links = {
        (CONTACT, "7"): CrmLink(CONTACT, "7", "2001", 7, LinkState.MERGED, merged=True),
        (DEAL, "7"): CrmLink(DEAL, "7", "4001", 7, LinkState.MERGED, merged=True),
    }
    contact = through_links(CONTACT_CHANGE, links)
    assert isinstance(contact, ContactChange)
    assert (contact.crm_id, contact.by_id) == ("2001", True)
    assert contact.properties == {}  # the survivor's own key and email are left alone
    deal = through_links(DealChange("7", "7", {"dealname": "Acme"}, "won"), links)
    assert isinstance(deal, DealChange)
    assert (deal.crm_id, deal.contact_crm_id) == ("4001", "2001")
    note = through_links(NoteChange("7", "why", AT), links)
    assert isinstance(note, NoteChange)
    assert note.contact_crm_id == "2001"


def test_changes_to_a_deleted_record_are_skipped_with_a_reason() -> None:
    gone = {(CONTACT, "7"): CrmLink(CONTACT, "7", "1001", 7, LinkState.DELETED)}
    for change in (CONTACT_CHANGE, NoteChange("7", "why", AT), DealChange("7", "7")):
        skipped = through_links(change, gone)
        assert isinstance(skipped, Skipped)
        assert "1001 was deleted" in skipped.reason
    deal_gone = {(DEAL, "7"): CrmLink(DEAL, "7", "4001", 7, LinkState.DELETED)}
    assert isinstance(through_links(DealChange("7", "7"), deal_gone), Skipped)
    assert through_links(CONTACT_CHANGE, deal_gone) == CONTACT_CHANGE  # the contact goes on


def test_a_write_links_new_records_and_keeps_a_merged_link_merged() -> None:
    merged = CrmLink(CONTACT, "7", "2001", 7, LinkState.MERGED, merged=True)
    assert seen([Written(CONTACT, "7", "2001")], {(CONTACT, "7"): merged}, 7) == []
    assert seen([Written(DEAL, "7", "4001")], {}, 7) == [CrmLink(DEAL, "7", "4001", 7)]
    moved = seen(
        [Written(CONTACT, "7", "5001")], {(CONTACT, "7"): CrmLink(CONTACT, "7", "1", 7)}, 7
    )
    assert moved == [CrmLink(CONTACT, "7", "5001", 7)]
