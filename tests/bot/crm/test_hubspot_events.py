"""`POST /hubspot/events`: signed by HubSpot or refused, each event once, contacts routed as
inbound leads, deals won or lost in HubSpot recorded once, Baton's own writes changing nothing."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import build, crm_parts, crm_sender
from bot.crm.hubspot.signature import sign
from bot.entrypoints.serve import make_server
from routing.events import EventType
from routing.stages import Stage
from routing.usecases.context import RelayConfig
from storage import tables as t
from tests.bot.crm.support import MANAGER, settings
from tests.e2e.slack_double import LoopbackApp
from tests.support.clock import FakeClock
from tests.support.hubspot_double import HubSpotDouble
from tests.support.world import say

SECRET = "hubspot-client-secret"
PUBLIC = "https://baton.example.com"


@dataclass
class Site:
    url: str
    double: HubSpotDouble
    clock: FakeClock
    baton: Any

    def post(
        self, events: Any, *, secret: str = SECRET, age_ms: int = 0, body: bytes | None = None
    ) -> tuple[int, Any]:
        raw = body if body is not None else json.dumps(events).encode()
        stamp = str(int(self.clock().timestamp() * 1000) - age_ms)
        signature = sign(secret, "POST", PUBLIC + "/hubspot/events", raw, stamp)
        request = urllib.request.Request(
            self.url + "/hubspot/events",
            data=raw,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-HubSpot-Signature-v3": signature,
                "X-HubSpot-Request-Timestamp": stamp,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def leads(self) -> list[Any]:
        with self.baton.engine.connect() as conn:
            return conn.execute(select(t.leads)).all()

    def events(self, kind: EventType) -> list[Any]:
        with self.baton.engine.connect() as conn:
            return conn.execute(
                select(t.lead_events).where(t.lead_events.c.type == kind.value)
            ).all()


@contextmanager
def site(sqlite_url: str, clock: FakeClock) -> Iterator[Site]:
    double = HubSpotDouble()
    with LoopbackApp(double.web_app()) as hubspot:
        config = settings(
            sqlite_url,
            hubspot.url,
            hubspot_client_secret=SECRET,
            baton_public_url=PUBLIC,
            baton_intake_channels="C0LEADS",
        )
        baton = build(config, clock=clock, config=RelayConfig(managers=frozenset({MANAGER})))
        say(baton, "maya", "/rotation add @alice qualifier")
        say(baton, "maya", "/rotation add @bob qualifier")
        say(baton, "maya", "/rotation add @carol closer")
        server = make_server(config, baton, sender=False)
        with LoopbackApp(server.web_app()) as served:
            yield Site(served.url, double, clock, baton)
        baton.close()


def creation(event_id: int, contact_id: str) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "subscriptionId": 2881778,
        "portalId": 62515,
        "appId": 1160452,
        "occurredAt": 1733302800000,
        "subscriptionType": "contact.creation",
        "attemptNumber": 0,
        "objectId": int(contact_id),
        "changeFlag": "CREATED",
        "changeSource": "CRM_UI",
    }


def stage_moved(event_id: int, deal_id: str, stage: str) -> dict[str, Any]:
    return {
        "eventId": event_id,
        "subscriptionId": 2881779,
        "portalId": 62515,
        "appId": 1160452,
        "occurredAt": 1733302800000,
        "subscriptionType": "deal.propertyChange",
        "attemptNumber": 0,
        "objectId": int(deal_id),
        "propertyName": "dealstage",
        "propertyValue": stage,
        "changeSource": "CRM_UI",
    }


def test_a_forged_or_stale_call_is_refused_and_touches_nothing(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        contact = s.double.add_contact(email="priya@acme.io", firstname="Priya", company="Acme")
        forged = s.post([creation(1, contact)], secret="not-the-secret")
        stale = s.post([creation(1, contact)], age_ms=6 * 60 * 1000)
        tampered = s.post(None, body=b"[]")
        assert forged[0] == 401
        assert stale[0] == 401
        assert "error" in forged[1]
        assert tampered[0] == 200  # a signed empty array is fine and does nothing
        assert s.double.calls == []
        assert s.leads() == []


def test_a_contact_created_in_hubspot_is_routed_as_an_inbound_lead_once(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        contact = s.double.add_contact(
            email="priya@acme.io", firstname="Priya", lastname="Shah", company="Acme"
        )
        status, answer = s.post([creation(10, contact)])
        assert (status, answer) == (200, {"handled": 1, "ignored": 0})
        replay = s.post([creation(10, contact)])
        assert replay == (200, {"handled": 0, "ignored": 1})
        (lead,) = s.leads()
        assert lead.email == "priya@acme.io"
        assert lead.fields["source"] == "hubspot"
        assert lead.owner_id is not None
        assert lead.source_channel == "C0LEADS"


def test_a_contact_owned_in_hubspot_by_a_rep_goes_to_that_rep(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        parts = crm_parts(s.baton)
        assert parts is not None
        bob = next(r for r in parts.reads.reps() if r.name == "bob")
        parts.owners.set(bob.id, owner_id="777")
        contact = s.double.add_contact(
            email="ann@globex.com", company="Globex", hubspot_owner_id="777"
        )
        other = s.double.add_contact(
            email="zoe@initech.io", company="Initech", hubspot_owner_id="999"
        )
        s.post([creation(11, contact), creation(12, other)])
        leads = {lead.email: lead for lead in s.leads()}
        assert leads["ann@globex.com"].owner_id == bob.id
        (assigned,) = [
            e for e in s.events(EventType.ASSIGNED) if e.lead_id == leads["ann@globex.com"].id
        ]
        assert "owns this contact in the CRM" in assigned.payload["explanation"]
        assert leads["zoe@initech.io"].owner_id is not None  # an unknown owner: the rotation picks


def test_baton_s_own_contact_coming_back_changes_nothing(sqlite_url: str, clock: FakeClock) -> None:
    with site(sqlite_url, clock) as s:
        contact = s.double.add_contact(email="priya@acme.io", baton_lead_id="41")
        assert s.post([creation(13, contact)]) == (200, {"handled": 0, "ignored": 1})
        assert s.leads() == []


def closing_lead(s: Site) -> int:
    contact = s.double.add_contact(email="priya@acme.io", firstname="Priya", company="Acme")
    s.post([creation(20, contact)])
    (lead,) = s.leads()
    with s.baton.engine.connect() as conn:
        name = conn.execute(select(t.reps.c.name).where(t.reps.c.id == lead.owner_id)).scalar()
    say(s.baton, name, f"/lead claim {lead.id}")
    say(s.baton, name, f"/lead qualify {lead.id} budget=10k authority=cto need=x timeline=q1")
    say(s.baton, name, f"/lead handoff {lead.id}")
    drain(s)
    return int(lead.id)


def drain(s: Site) -> None:
    """Send the CRM rows, the fake clock moving as the rate limit makes the sender wait."""
    parts = crm_parts(s.baton)
    assert parts is not None
    parts.crm.sleep = lambda seconds: s.clock.advance(seconds=seconds)  # type: ignore[assignment]
    crm_sender(s.baton, parts).drain()
    s.clock.advance(seconds=10)  # the bucket full again for the events' reads


def test_a_deal_won_in_hubspot_is_recorded_once_with_its_amount(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        lead_id = closing_lead(s)
        deal = s.double.by_key("deals", str(lead_id))
        assert deal is not None
        deal.properties.update(dealstage="closedwon", amount="31000")
        s.post([stage_moved(30, deal.id, "closedwon")])
        s.post([stage_moved(31, deal.id, "closedwon")])  # a second change event, same outcome
        (won,) = s.events(EventType.WON)
        assert won.payload["amount"] == "31000"
        (lead,) = [row for row in s.leads() if row.id == lead_id]
        assert lead.stage == Stage.WON.value


def test_baton_s_own_won_write_coming_back_changes_nothing(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        lead_id = closing_lead(s)
        (lead,) = s.leads()
        with s.baton.engine.connect() as conn:
            closer = conn.execute(
                select(t.reps.c.name).where(t.reps.c.id == lead.owner_id)
            ).scalar()
        say(s.baton, closer, f"/lead won {lead_id} 24000")
        drain(s)
        deal = s.double.by_key("deals", str(lead_id))
        assert deal is not None
        assert deal.properties["dealstage"] == "closedwon"
        s.post([stage_moved(40, deal.id, "closedwon")])  # the echo of Baton's write
        assert len(s.events(EventType.WON)) == 1


def test_a_deal_lost_in_hubspot_is_recorded_with_its_reason(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        lead_id = closing_lead(s)
        deal = s.double.by_key("deals", str(lead_id))
        assert deal is not None
        deal.properties.update(dealstage="closedlost", closed_lost_reason="went with a rival")
        s.post([stage_moved(50, deal.id, "closedlost")])
        (lost,) = s.events(EventType.LOST)
        assert lost.payload["reason"] == "went with a rival"


def test_hubspot_down_during_the_read_asks_for_the_event_again(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        contact = s.double.add_contact(email="priya@acme.io", company="Acme")
        s.double.down()
        status, _ = s.post([creation(60, contact)])
        assert status == 503
        assert s.leads() == []
        s.double.recover()
        assert s.post([creation(60, contact)]) == (200, {"handled": 1, "ignored": 0})
        assert len(s.leads()) == 1


@pytest.mark.parametrize("body", [b"{", b'{"eventId": 1}', b'[1, "x", null, {"eventId": null}]'])
def test_any_shape_gets_a_clear_answer_never_a_500(
    sqlite_url: str, clock: FakeClock, body: bytes
) -> None:
    with site(sqlite_url, clock) as s:
        status, answer = s.post(None, body=body)
        assert status in (200, 400)
        assert isinstance(answer, dict)


def test_a_contact_from_hubspot_without_an_email_gets_baton_s_writes_itself(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        contact = s.double.add_contact(
            firstname="Sam", company="Umbrella", phone="+44 20 7946 0000"
        )
        s.post([creation(70, contact)])
        drain(s)
        assert len(s.double.objects["contacts"]) == 1
        record = s.double.objects["contacts"][contact]
        assert record.properties["baton_lead_id"] == str(s.leads()[0].id)
        assert record.properties["hs_lead_status"] == "NEW"
