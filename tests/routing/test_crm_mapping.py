"""Baton's events become CRM changes: the mapping, decided once in routing/crm."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from routing.crm.changes import (
    ContactChange,
    DealChange,
    NoteChange,
    change_from,
    change_json,
)
from routing.crm.lifecycle import lifecycle_to_write
from routing.crm.mapping import changes_for
from routing.events import LeadEvent
from routing.lead import Lead, Qualification

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def new_lead() -> Lead:
    lead = Lead(company="Acme", email="priya@acme.io", name="Priya Shah", phone="+4415550100")
    lead.id = 42
    lead.record_creation(T0, None)
    lead.take_pending()
    return lead


def last(lead: Lead) -> LeadEvent:
    return lead.take_pending()[-1]


def assigned(lead: Lead) -> LeadEvent:
    lead.assign(7, T0, "alice is next in the qualifier rotation (weight 1); bob: away until Mon")
    return last(lead)


def test_an_assignment_upserts_the_contact_with_owner_status_and_reason_then_notes_it() -> None:
    lead = new_lead()
    contact, note = changes_for(lead, assigned(lead))
    assert isinstance(contact, ContactChange)
    assert isinstance(note, NoteChange)
    assert contact.key == "42"
    assert contact.owner_rep_id == 7
    assert contact.lifecycle == "lead"
    assert contact.properties == {
        "email": "priya@acme.io",
        "firstname": "Priya",
        "lastname": "Shah",
        "company": "Acme",
        "phone": "+4415550100",
        "baton_lead_id": "42",
        "hs_lead_status": "NEW",
        "baton_routing": "alice is next in the qualifier rotation (weight 1); bob: away until Mon",
    }
    assert "alice is next" in note.body
    assert note.contact_key == "42"


def test_a_lead_without_an_email_is_still_upserted_by_its_baton_key() -> None:
    lead = Lead(company="Acme", email=None, phone="+44 20 7946 0000")
    lead.id = 5
    lead.record_creation(T0, None)
    lead.assign(1, T0, "next")
    contact = changes_for(lead, last(lead))[0]
    assert isinstance(contact, ContactChange)
    assert "email" not in contact.properties
    assert contact.properties["baton_lead_id"] == "5"


def test_claim_disqualify_and_qualify_move_the_lead_status_and_lifecycle() -> None:
    lead = new_lead()
    assigned(lead)
    lead.claim(7, T0)
    (claim,) = changes_for(lead, last(lead))
    assert isinstance(claim, ContactChange)
    assert claim.properties["hs_lead_status"] == "IN_PROGRESS"
    lead.qualify(7, T0, Qualification(budget="10k"))
    (qualify,) = changes_for(lead, last(lead))
    assert isinstance(qualify, ContactChange)
    assert qualify.lifecycle == "salesqualifiedlead"
    other = new_lead()
    assigned(other)
    other.claim(7, T0)
    other.disqualify(7, T0, "student")
    (dq,) = changes_for(other, last(other))
    assert isinstance(dq, ContactChange)
    assert dq.properties["hs_lead_status"] == "UNQUALIFIED"


def to_closer(lead: Lead) -> None:
    assigned(lead)
    lead.claim(7, T0)
    lead.qualify(7, T0, Qualification(budget="10k"))
    lead.hand_off(7, 9, T0, "carol is next in the closer rotation")


def test_a_hand_off_to_a_closer_makes_an_opportunity_and_a_deal_owned_by_the_closer() -> None:
    lead = new_lead()
    to_closer(lead)
    contact, deal = changes_for(lead, last(lead))
    assert isinstance(contact, ContactChange)
    assert contact.lifecycle == "opportunity"
    assert isinstance(deal, DealChange)
    assert deal.key == "42"
    assert deal.contact_key == "42"
    assert deal.step == "handoff"
    assert deal.owner_rep_id == 9
    assert deal.properties["dealname"] == "Acme (L-42)"


def test_meeting_proposals_won_and_lost_move_the_deal() -> None:
    lead = new_lead()
    to_closer(lead)
    lead.take_pending()
    lead.log_meeting(9, T0)
    lead.log_proposal(9, T0, "requested")
    lead.log_proposal(9, T0, "presented")
    lead.win(9, T0 + timedelta(days=3), Decimal("24000"))
    steps = [changes_for(lead, e)[0] for e in lead.take_pending()]
    assert [c.step for c in steps if isinstance(c, DealChange)] == [
        "meeting",
        "proposal_requested",
        "proposal_presented",
        "won",
    ]
    won = steps[-1]
    assert isinstance(won, DealChange)
    assert won.properties["amount"] == "24000"
    assert won.properties["closedate"] == "2026-12-07T09:00:00Z"
    lost = new_lead()
    to_closer(lost)
    lost.lose(9, T0, "went with a competitor")
    (deal,) = changes_for(lost, last(lost))
    assert isinstance(deal, DealChange)
    assert deal.step == "lost"
    assert deal.properties["closed_lost_reason"] == "went with a competitor"


def customer() -> Lead:
    lead = new_lead()
    to_closer(lead)
    lead.win(9, T0, Decimal("24000"))
    lead.hand_off(9, 11, T0, "dan is next in the account manager rotation")
    return lead


def test_an_account_manager_hand_off_makes_them_owner_of_a_customer() -> None:
    lead = customer()
    (contact,) = changes_for(lead, last(lead))
    assert isinstance(contact, ContactChange)
    assert contact.owner_rep_id == 11
    assert contact.lifecycle == "customer"


def test_an_expansion_is_a_new_closed_won_existing_business_deal_of_the_account_manager() -> None:
    lead = customer()
    lead.take_pending()
    lead.expand(11, T0, Decimal("5000"))
    (deal,) = changes_for(lead, last(lead))
    assert isinstance(deal, DealChange)
    assert deal.key != "42"
    assert deal.key.startswith("42-x")
    assert deal.contact_key == "42"
    assert deal.step == "won"
    assert deal.owner_rep_id == 11
    assert deal.properties["dealtype"] == "existingbusiness"
    assert deal.properties["amount"] == "5000"


def test_a_churn_is_a_note_on_the_contact() -> None:
    lead = customer()
    lead.take_pending()
    lead.churn(11, T0, "budget cut")
    (note,) = changes_for(lead, last(lead))
    assert isinstance(note, NoteChange)
    assert note.body == "L-42 churned: budget cut"


def test_a_reassignment_moves_the_owner_and_keeps_a_working_status() -> None:
    lead = new_lead()
    assigned(lead)
    lead.claim(7, T0)
    lead.reassign(1, 8, T0, "alice is on leave")
    contact, note = changes_for(lead, last(lead))
    assert isinstance(contact, ContactChange)
    assert contact.owner_rep_id == 8
    assert contact.properties["hs_lead_status"] == "IN_PROGRESS"
    assert isinstance(note, NoteChange)


def test_a_lead_created_or_queued_without_an_owner_changes_nothing_yet() -> None:
    lead = Lead(company="Acme", email="a@acme.io")
    lead.id = 1
    lead.record_creation(T0, None)
    lead.queue(T0, "nobody is available")
    assert all(changes_for(lead, e) == () for e in lead.take_pending())


def test_the_lifecycle_never_moves_backwards_nor_over_a_custom_stage() -> None:
    assert lifecycle_to_write(None, "lead") == "lead"
    assert lifecycle_to_write("", "lead") == "lead"
    assert lifecycle_to_write("lead", "salesqualifiedlead") == "salesqualifiedlead"
    assert lifecycle_to_write("customer", "lead") is None
    assert lifecycle_to_write("opportunity", "opportunity") is None
    assert lifecycle_to_write("1234567", "customer") is None


def test_every_change_survives_its_json() -> None:
    lead = customer()
    events = lead.take_pending()
    for event in events:
        for change in changes_for(lead, event):
            assert change_from(change_json(change)) == change


def test_a_backfill_folds_a_whole_history_into_one_contact_and_its_deals() -> None:
    from routing.crm.backfill import records_of

    lead = new_lead()
    to_closer(lead)
    lead.win(9, T0, Decimal("24000"))
    lead.hand_off(9, 11, T0, "dan is next")
    lead.expand(11, T0 + timedelta(days=30), Decimal("5000"))
    records = records_of(lead, lead.take_pending())
    assert records is not None
    assert records.contact.lifecycle == "customer"
    assert records.contact.owner_rep_id == 11
    assert records.contact.properties["hs_lead_status"] == "IN_PROGRESS"
    main, expansion = records.deals
    assert main.step == "won"
    assert main.owner_rep_id == 9
    assert main.properties["amount"] == "24000"
    assert expansion.properties["dealtype"] == "existingbusiness"


def test_a_lead_that_never_had_an_owner_has_nothing_to_backfill() -> None:
    from routing.crm.backfill import records_of

    lead = Lead(company="Acme", email="a@acme.io")
    lead.id = 3
    lead.record_creation(T0, None)
    assert records_of(lead, lead.take_pending()) is None


def test_a_backfill_keeps_the_latest_routing_note_exactly_as_the_live_sync_wrote_it() -> None:
    from routing.crm.backfill import records_of

    lead = new_lead()
    lead.assign(7, T0, "alice is next in the qualifier rotation (weight 1); bob: away until Mon")
    lead.reassign(1, 8, T0 + timedelta(hours=1), "bob covers while alice is out")
    lead.claim(8, T0 + timedelta(hours=1))
    lead.qualify(8, T0 + timedelta(hours=2), Qualification(budget="10k"))
    lead.hand_off(8, 9, T0 + timedelta(hours=2), "carol is next in the closer rotation")
    lead.win(9, T0 + timedelta(days=2), Decimal("100"))
    lead.hand_off(9, 11, T0 + timedelta(days=2), "dan is next")
    lead.churn(11, T0 + timedelta(days=90), "budget cut")
    events = lead.take_pending()
    live = [c for e in events for c in changes_for(lead, e) if isinstance(c, NoteChange)]
    records = records_of(lead, events)
    assert records is not None
    assert records.note is not None
    assert "bob covers while alice is out" in records.note.body  # the latest explanation
    assert "budget cut" not in records.note.body  # a churn's note is not a routing note
    assert records.note in live  # the very note the live sync writes: same body, same time
    assert records.note == [n for n in live if "churned" not in n.body][-1]
