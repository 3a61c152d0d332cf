"""Merges, deletions, restores and GDPR deletions in HubSpot, through `POST /hubspot/events`:
Baton's later writes go to the surviving record, none to a deleted one (its rows skipped with
the reason, never retried), the lead in Baton left as it is; a GDPR deletion erases it."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import crm_parts
from bot.entrypoints.crm import run_sync
from routing.stages import Stage
from storage import tables as t
from tests.bot.crm.test_hubspot_events import Site, creation, drain, site
from tests.support.clock import FakeClock
from tests.support.world import say


def record_event(event_id: int, kind: str, object_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "subscriptionId": 2881790,
        "portalId": 62515,
        "appId": 1160452,
        "occurredAt": 1733306400000,
        "subscriptionType": kind,
        "attemptNumber": 0,
        "objectId": int(object_id),
        "changeSource": "CRM_UI",
        **extra,
    }


def merged(event_id: int, kind: str, primary: str, gone: str) -> dict[str, Any]:
    return record_event(
        event_id,
        kind,
        primary,
        primaryObjectId=int(primary),
        mergedObjectIds=[int(gone)],
        newObjectId=int(primary),
        numberOfPropertiesMoved=3,
    )


def routed_contact(s: Site) -> tuple[int, str, str]:
    """A contact created in HubSpot, routed, its first writes sent: (lead id, owner's name,
    contact id)."""
    contact = s.double.add_contact(email="priya@acme.io", firstname="Priya", company="Acme")
    s.post([creation(1, contact)])
    (lead,) = s.leads()
    drain(s)
    with s.baton.engine.connect() as conn:
        name = conn.execute(select(t.reps.c.name).where(t.reps.c.id == lead.owner_id)).scalar()
    return int(lead.id), str(name), contact


def crm_rows(s: Site) -> list[Any]:
    with s.baton.engine.connect() as conn:
        return conn.execute(select(t.crm_outbox).order_by(t.crm_outbox.c.id)).all()


def test_after_a_merge_a_status_change_goes_to_the_surviving_contact_and_makes_no_duplicate(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        lead_id, owner, contact = routed_contact(s)
        survivor = s.double.add_contact(email="priya.shah@acme.io", company="Acme Corp")
        s.double.merge("contacts", survivor, contact)
        assert s.post([merged(2, "contact.merge", survivor, contact)]) == (
            200,
            {"handled": 1, "ignored": 0},
        )
        say(s.baton, owner, f"/lead claim {lead_id}")
        drain(s)
        assert list(s.double.objects["contacts"]) == [survivor]
        assert s.double.objects["contacts"][survivor].properties["hs_lead_status"] == "IN_PROGRESS"
        assert crm_rows(s)[-1].status == "sent"


def test_two_baton_leads_merged_into_one_contact_both_write_to_it(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        first = s.double.add_contact(email="priya@acme.io", company="Acme")
        second = s.double.add_contact(email="ravi@acme.io", company="Acme")
        s.post([creation(1, first), creation(2, second)])
        drain(s)
        leads = {lead.email: lead for lead in s.leads()}
        s.double.merge("contacts", first, second)
        s.post([merged(3, "contact.merge", first, second)])
        ravi = leads["ravi@acme.io"]
        with s.baton.engine.connect() as conn:
            name = conn.execute(select(t.reps.c.name).where(t.reps.c.id == ravi.owner_id)).scalar()
        say(s.baton, str(name), f"/lead disqualify {ravi.id} no budget")
        drain(s)
        assert list(s.double.objects["contacts"]) == [first]
        record = s.double.objects["contacts"][first]
        assert record.properties["hs_lead_status"] == "UNQUALIFIED"
        assert record.properties["baton_lead_id"] == str(leads["priya@acme.io"].id)


def test_a_deletion_skips_pending_writes_with_a_reason_and_leaves_the_lead_then_restore_resumes(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        lead_id, owner, contact = routed_contact(s)
        say(s.baton, owner, f"/lead claim {lead_id}")  # queued, not sent yet
        s.double.delete("contacts", contact)
        s.post([record_event(2, "contact.deletion", contact, changeFlag="DELETED")])
        drain(s)
        skipped = crm_rows(s)[-1]
        assert skipped.status == "skipped"
        assert f"contact {contact} was deleted" in skipped.last_error
        assert s.double.objects["contacts"] == {}  # nothing re-created it
        (lead,) = s.leads()
        assert lead.stage == Stage.WORKING.value
        writes = len(s.double.writes())
        drain(s)
        assert len(s.double.writes()) == writes  # never retried
        s.double.restore("contacts", contact)
        s.post([record_event(3, "contact.restore", contact)])
        say(s.baton, owner, f"/lead disqualify {lead_id} no budget")
        drain(s)
        assert crm_rows(s)[-1].status == "sent"
        record = s.double.objects["contacts"][contact]
        assert record.properties["hs_lead_status"] == "UNQUALIFIED"


def handed_off(s: Site) -> tuple[int, str, Any]:
    """A routed contact's lead claimed, qualified and handed to the closer, its deal written:
    (lead id, closer's name, the deal in HubSpot)."""
    lead_id, owner, _contact = routed_contact(s)
    say(s.baton, owner, f"/lead claim {lead_id}")
    say(s.baton, owner, f"/lead qualify {lead_id} budget=10k authority=cto need=x timeline=q1")
    say(s.baton, owner, f"/lead handoff {lead_id}")
    drain(s)
    (lead,) = s.leads()
    with s.baton.engine.connect() as conn:
        closer = conn.execute(select(t.reps.c.name).where(t.reps.c.id == lead.owner_id)).scalar()
    deal = s.double.by_key("deals", str(lead_id))
    assert deal is not None
    return lead_id, str(closer), deal


def test_a_win_after_a_deal_merge_goes_to_the_surviving_deal(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        lead_id, closer, deal = handed_off(s)
        other = s.double.add_deal(dealname="Acme renewal", dealstage="qualifiedtobuy")
        s.double.merge("deals", other, deal.id)
        s.post([merged(5, "deal.merge", other, deal.id)])
        say(s.baton, closer, f"/lead won {lead_id} 24000")
        drain(s)
        assert list(s.double.objects["deals"]) == [other]
        assert s.double.objects["deals"][other].properties["dealstage"] == "closedwon"
        assert s.double.objects["deals"][other].properties["amount"] == "24000"


def test_a_deleted_deal_is_not_written_again(sqlite_url: str, clock: FakeClock) -> None:
    with site(sqlite_url, clock) as s:
        lead_id, closer, deal = handed_off(s)
        s.double.delete("deals", deal.id)
        s.post([record_event(6, "deal.deletion", deal.id, changeFlag="DELETED")])
        say(s.baton, closer, f"/lead meeting {lead_id}")
        drain(s)
        assert s.double.objects["deals"] == {}
        last = crm_rows(s)[-1]
        assert (last.status, f"deal {deal.id} was deleted" in last.last_error) == (
            "skipped",
            True,
        )


def test_a_gdpr_deletion_in_hubspot_erases_the_lead_in_baton_and_tells_the_managers(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        lead_id, owner, contact = routed_contact(s)
        say(s.baton, owner, f"/lead claim {lead_id}")
        s.double.delete("contacts", contact)
        answer = s.post(
            [
                record_event(7, "contact.privacyDeletion", contact),
                record_event(8, "contact.deletion", contact),
            ]
        )
        assert answer == (200, {"handled": 2, "ignored": 0})
        (lead,) = s.leads()
        assert (lead.email, lead.name) == (None, None)
        assert lead.stage == Stage.WORKING.value  # the anonymised row stays, figures the same
        with s.baton.engine.connect() as conn:
            audit = conn.execute(select(t.audit_events)).all()
            told = conn.execute(select(t.outbox.c.notice)).all()
        assert any(row.detail.get("via") == "hubspot" for row in audit)
        assert any(f"HubSpot contact {contact} was deleted for privacy" in str(n) for n in told)
        assert "priya" not in str(told).lower()
        drain(s)
        assert crm_rows(s)[-1].status == "skipped"


@pytest.mark.parametrize(
    "event",
    [
        {"eventId": 9, "subscriptionType": "contact.merge", "objectId": 1, "mergedObjectIds": 5},
        {"eventId": 10, "subscriptionType": "contact.deletion", "objectId": "x"},
        {"eventId": 11, "subscriptionType": "deal.merge", "primaryObjectId": 3},
    ],
)
def test_a_malformed_record_event_is_a_warning_and_ignored(
    sqlite_url: str, clock: FakeClock, event: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with site(sqlite_url, clock) as s, caplog.at_level(logging.WARNING):
        assert s.post([event]) == (200, {"handled": 0, "ignored": 1})
    assert any("ignored" in record.getMessage() for record in caplog.records)


def test_a_redelivered_merge_is_handled_once(sqlite_url: str, clock: FakeClock) -> None:
    with site(sqlite_url, clock) as s:
        _lead_id, _owner, contact = routed_contact(s)
        survivor = s.double.add_contact(email="p@acme.io")
        event = merged(12, "contact.merge", survivor, contact)
        assert s.post([event])[1] == {"handled": 1, "ignored": 0}
        assert s.post([event])[1] == {"handled": 0, "ignored": 1}


def test_a_backfill_after_a_merge_and_a_deletion_makes_no_duplicate_and_revives_nothing(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        first = s.double.add_contact(email="priya@acme.io", company="Acme")
        second = s.double.add_contact(email="ravi@acme.io", company="Acme")
        third = s.double.add_contact(email="zoe@initech.io", company="Initech")
        s.post([creation(1, first), creation(2, second), creation(3, third)])
        drain(s)
        survivor = s.double.add_contact(email="priya.shah@acme.io", company="Acme")
        s.double.merge("contacts", survivor, first)
        s.double.delete("contacts", third)
        s.post(
            [
                merged(4, "contact.merge", survivor, first),
                record_event(5, "contact.deletion", third),
            ]
        )
        parts = crm_parts(s.baton)
        assert parts is not None
        parts.crm.sleep = lambda seconds: clock.advance(seconds=seconds)  # type: ignore[assignment]
        summary = run_sync(s.baton, parts, None)
        assert "1 skipped (deleted in HubSpot)" in summary
        assert sorted(s.double.objects["contacts"]) == sorted([survivor, second])
        priya = next(lead for lead in s.leads() if lead.email == "priya@acme.io")
        record = s.double.objects["contacts"][survivor].properties
        assert record["baton_routing"]  # the backfill wrote Priya's lead to the survivor
        assert record["email"] == "priya.shah@acme.io"  # by its id, its own email left
        assert priya.id is not None
