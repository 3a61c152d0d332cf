"""A contact's rights on a real database: export finds every stored value about the person,
erasure leaves none of it in any table (JSON included), keeps anonymised rows, updates Baton's own
card, is audited without personal data, and an erased contact's post delivered again stays erased.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.baton import Baton
from bot.outbox.port import Delivery
from routing.arrival import ImportRow, WebhookCall, arrived, posted
from routing.audit import AuditKind
from routing.calendars import FetchResult
from routing.errors import BatonError, NotAllowed, NotFound
from routing.lead_post import ParsedLead, Unparsed
from routing.relay import SYSTEM
from routing.roles import Platform
from routing.usecases.context import Outcome
from routing.usecases.privacy import Contact
from storage import tables as t
from tests.support.clock import FakeClock
from tests.support.phones import PHONES
from tests.support.world import make_baton, say

EMAIL = "priya.shah@acme.io"
NAME = "Priya Shah"
PHONE = "+44 20 7946 0958"
SECRETS = (EMAIL.lower(), NAME.lower(), PHONE)
POST = f"Name: {NAME}\nEmail: {EMAIL}\nPhone: {PHONE}\nCompany: Acme\nNotes: met at the expo"
OTHER = "Name: Omar Diaz\nEmail: omar@globex.io\nCompany: Globex"


@pytest.fixture
def baton(db_url: str, clock: FakeClock) -> Baton:
    baton = make_baton(db_url, clock, managers={("console", "boss")})
    for line in ("/rotation add @alice qualifier", "/rotation add @dave closer"):
        say(baton, "boss", line)
    return baton


def _story(baton: Baton, clock: FakeClock) -> tuple[int, int, int]:
    """Priya posts, is worked and handed on, named in a note, a credit and a stored reply; a
    payload nobody could read holds her email; Omar is another contact."""
    priya = baton.relay.ingest(
        posted(Platform.SLACK, "C0LEADS", "1700000000.000100", POST, phones=PHONES)
    )
    omar = baton.relay.ingest(
        posted(Platform.SLACK, "C0LEADS", "1700000000.000200", OTHER, phones=PHONES)
    )
    raw = json.dumps({"contact": {"mail": EMAIL, "who": NAME}})
    webhook = baton.relay.ingest(
        arrived(WebhookCall("website", "form-991"), Unparsed("no email field"), raw=raw)
    )
    assert priya.lead_id
    assert omar.lead_id
    assert webhook.lead_id
    lead = f"L-{priya.lead_id}"
    clock.advance(minutes=3)
    say(baton, "alice", f"/lead claim {lead}")
    say(baton, "alice", f"/lead qualify {lead} budget=50k need=crm {NAME} wants a demo")
    say(baton, "alice", f"/lead handoff {lead}")
    say(baton, "boss", f"/rotation credit @alice +1 covered {NAME}'s call")
    with baton.relay.uow_factory() as uow:
        uow.deliveries.claim("teams", "activity-1", clock())
        uow.deliveries.save_reply("teams", "activity-1", {"text": f"Logged {lead} ({NAME})"})
        uow.commit()
    clock.advance(minutes=5)
    baton.sender().drain()
    return priya.lead_id, omar.lead_id, webhook.lead_id


def _every_row(baton: Baton) -> dict[str, list[str]]:
    """Every row of every table as lower-cased JSON text."""
    with baton.engine.connect() as conn:
        return {
            table.name: [
                json.dumps(dict(row), default=str, ensure_ascii=False).lower()
                for row in conn.execute(select(table)).mappings()
            ]
            for table in t.metadata.sorted_tables
        }


def _naming(rows: dict[str, list[str]], *values: str) -> dict[str, int]:
    found = {
        name: sum(any(v in row for v in values) for row in table) for name, table in rows.items()
    }
    return {name: n for name, n in found.items() if n}


def test_export_holds_every_stored_value_about_the_person(baton: Baton, clock: FakeClock) -> None:
    priya, _omar, webhook = _story(baton, clock)
    document = baton.relay.export_contact(Contact(email=EMAIL.upper()))
    tables: dict[str, list[dict[str, Any]]] = document["tables"]
    assert document["leads"] == [f"L-{priya}", f"L-{webhook}"]
    assert {row["id"] for row in tables["leads"]} == {priya, webhook}
    lead = next(row for row in tables["leads"] if row["id"] == priya)
    assert (lead["email"], lead["name"], lead["phone"]) == (EMAIL, NAME, PHONE)
    assert lead["fields"]["notes"] == "met at the expo"
    webhook_row = next(row for row in tables["leads"] if row["id"] == webhook)
    assert EMAIL in webhook_row["raw_text"]
    assert {row["lead_id"] for row in tables["lead_events"]} == {priya, webhook}
    assert any(row["type"] == "qualified" for row in tables["lead_events"])
    lanes = (f"lead:{priya}", f"lead:{webhook}")
    assert sum(row["lane"] in lanes for row in tables["outbox"]) >= 3
    elsewhere = [row for row in tables["outbox"] if row["lane"] not in lanes]
    assert all(NAME in json.dumps(row["notice"]) for row in elsewhere)  # e.g. a manager's DM
    assert [row["reason"] for row in tables["rotation_events"]] == [f"covered {NAME}'s call"]
    assert len(tables["delivery_keys"]) == 1
    assert len(tables["intake_keys"]) >= 2
    text = json.dumps(document)
    assert "omar@globex.io" not in text
    json.loads(text)  # one JSON document
    assert baton.relay.export_contact(Contact(lead_id=priya))["leads"] == [
        f"L-{priya}",
        f"L-{webhook}",
    ]
    with pytest.raises(NotFound):
        baton.relay.export_contact(Contact(email="nobody@nowhere.io"))


def test_erasure_leaves_the_person_in_no_table_and_keeps_everything_else(
    baton: Baton, clock: FakeClock
) -> None:
    priya, omar, webhook = _story(baton, clock)
    assert _naming(_every_row(baton), *SECRETS)
    with baton.relay.uow_factory() as uow:
        before = uow.leads.get(priya)
        events_before = [(e.type, e.at, e.owner_id) for e in uow.leads.events(priya)]

    outcome = baton.relay.erase_contact(Contact(email=EMAIL), by="cli:ops")

    assert f"L-{priya}" in outcome.reply
    assert f"L-{webhook}" in outcome.reply
    rows = _every_row(baton)
    assert _naming(rows, *SECRETS) == {}
    assert _naming(rows, "met at the expo", "wants a demo") == {}
    assert _naming(rows, "omar@globex.io", "omar diaz")  # someone else's lead is untouched
    with baton.relay.uow_factory() as uow:
        after = uow.leads.get(priya)
        assert (after.email, after.name, after.phone, after.raw_text) == (None, None, None, None)
        assert (after.stage, after.owner_id, after.pool, after.company) == (
            before.stage,
            before.owner_id,
            before.pool,
            before.company,
        )
        assert after.email_domain == "acme.io"
        assert after.erased
        assert after.qualification is not None
        assert after.qualification.budget == "50k"
        assert [(e.type, e.at, e.owner_id) for e in uow.leads.events(priya)] == events_before
        assert uow.leads.get(omar).email == "omar@globex.io"
        audit = uow.audit.page(0, 50)
    erasure = next(entry for entry in audit if entry.kind is AuditKind.ERASURE)
    assert erasure.subject == f"L-{priya}, L-{webhook}"
    assert erasure.detail["by"] == "cli:ops"
    assert erasure.who == "operator (cli:ops)"
    assert not _naming({"audit": [json.dumps(dict(erasure.detail)).lower()]}, *SECRETS)


def test_erasure_updates_the_card_in_place_to_say_details_erased(
    baton: Baton, clock: FakeClock
) -> None:
    priya, _omar, _webhook = _story(baton, clock)
    baton.relay.erase_contact(Contact(lead_id=priya), by="cli:ops")
    with baton.engine.connect() as conn:
        notices = [
            row.notice
            for row in conn.execute(
                select(t.outbox.c.notice)
                .where(t.outbox.c.lane == f"lead:{priya}", t.outbox.c.status == "pending")
                .order_by(t.outbox.c.id)
            )
        ]
    update = notices[-1]
    assert update["update_card"] is True
    assert update["text"] == f"L-{priya} · details erased"
    assert update["card"]["details"]["Contact"] == "details erased"
    assert update["card"]["title"] == "Acme — details erased"


def test_an_erased_contacts_post_delivered_again_stays_erased(
    baton: Baton, clock: FakeClock
) -> None:
    priya, _omar, webhook = _story(baton, clock)
    baton.relay.erase_contact(Contact(email=EMAIL), by="cli:ops")
    again = baton.relay.ingest(
        posted(Platform.SLACK, "C0LEADS", "1700000000.000100", POST, phones=PHONES)
    )
    assert again.data.get("duplicate") is True
    payload = json.dumps({"contact": {"mail": EMAIL}})
    redelivered = baton.relay.ingest(
        arrived(WebhookCall("website", "form-991"), Unparsed("no email field"), raw=payload)
    )
    assert redelivered.data.get("duplicate") is True
    assert redelivered.lead_id == webhook
    rows = _every_row(baton)
    assert _naming(rows, *SECRETS) == {}
    assert not any("form-991" in row for row in rows["intake_keys"])
    assert not any("1700000000.000100" in row for row in rows["intake_keys"])
    assert priya


def test_lead_erase_is_for_managers_and_does_the_same(baton: Baton, clock: FakeClock) -> None:
    priya, _omar, _webhook = _story(baton, clock)
    with pytest.raises(NotAllowed):
        say(baton, "alice", f"/lead erase L-{priya}")
    outcome = say(baton, "boss", f"/lead erase L-{priya}")
    assert "details erased" in outcome.reply
    assert _naming(_every_row(baton), *SECRETS) == {}
    with pytest.raises(NotFound):
        say(baton, "boss", "/lead erase L-999")


class Recorder:
    """A notifier double: records each delivery, answers each post (thread or DM) with an id."""

    def __init__(self) -> None:
        self.seen: list[tuple[str | None, bool, str]] = []
        self.posted: list[str] = []

    def deliver(self, delivery: Delivery) -> str | None:
        notice = delivery.notice
        self.seen.append(
            (notice.edit_ref, notice.update_card and bool(delivery.card_ref), notice.text)
        )
        if notice.edit_ref or (notice.update_card and delivery.card_ref):
            return None
        if notice.thread is None and notice.rep_id is None:
            return None
        self.posted.append(f"ts-{len(self.seen)}" + ("-dm" if notice.rep_id else ""))
        return self.posted[-1]


@pytest.mark.parametrize("cleared_first", [False, True], ids=["kept", "cleared by retention"])
def test_erasure_rewrites_the_card_and_every_reply_and_dm_baton_posted_about_the_lead(
    db_url: str, clock: FakeClock, cleared_first: bool
) -> None:
    """Also after the retention job cleared what the messages said: where they went is kept."""
    recorder = Recorder()
    baton = make_baton(
        db_url,
        clock,
        managers={("console", "boss")},
        notifiers={"slack": recorder, "console": recorder},
    )
    say(baton, "boss", "/rotation add @alice qualifier")
    baton.sender().drain()
    recorder.posted.clear()  # "boss added you to the rotation" is about no lead
    priya = baton.relay.ingest(
        posted(Platform.SLACK, "C0LEADS", "1700000000.000100", POST, phones=PHONES)
    )
    say(baton, "alice", f"/lead claim L-{priya.lead_id}")
    baton.sender().drain()
    posted_ids = set(recorder.posted)
    with baton.engine.connect() as conn:
        card = conn.execute(select(t.leads.c.card_ref)).scalar_one()
    replies = posted_ids - {card}
    assert any(ref.endswith("-dm") for ref in replies)  # alice's DM about her new lead
    assert any(not ref.endswith("-dm") for ref in replies)  # the claim, said in the thread
    recorder.seen.clear()
    if cleared_first:
        clock.advance(days=2)
        baton.relay.run(SYSTEM, lambda ctx: Outcome("", data=ctx.uow.privacy.purge(clock())))

    baton.relay.erase_contact(Contact(email=EMAIL), by="cli:ops")
    baton.sender().drain()

    assert {seen[0] for seen in recorder.seen if seen[0]} == replies
    assert any(updated for _ref, updated, _text in recorder.seen)  # the card, in place
    assert {text for _ref, _updated, text in recorder.seen} == {
        f"L-{priya.lead_id} · details erased"
    }


def test_a_reimported_row_of_an_erased_contact_stays_erased(baton: Baton) -> None:
    row = ImportRow("ab" * 32, 2)
    lead = ParsedLead(email=EMAIL, phone=PHONE, name=NAME, company="Acme")
    first = baton.relay.ingest_all([arrived(row, lead)])[0]
    assert not isinstance(first, BatonError)
    baton.relay.erase_contact(Contact(email=EMAIL), by="cli:ops")
    again = baton.relay.ingest_all([arrived(row, lead)])[0]
    assert not isinstance(again, BatonError)
    assert again.data.get("duplicate") is True
    assert _naming(_every_row(baton), *SECRETS) == {}
    other_line = baton.relay.ingest_all([arrived(ImportRow("ab" * 32, 3), lead)])[0]
    assert not isinstance(other_line, BatonError)
    assert other_line.lead_id is not None  # a new row is a new lead: only old posts stay erased


def test_another_leads_reference_to_the_person_loses_their_email_but_keeps_its_own_contact(
    baton: Baton,
) -> None:
    text = f"Name: Omar Diaz\nEmail: omar@globex.io\nCompany: Globex\nReferrer: {EMAIL}"
    omar = baton.relay.ingest(
        posted(Platform.SLACK, "C0LEADS", "1700000000.000300", text, phones=PHONES)
    )
    namesake = "Name: Priya Shah\nEmail: p.shah@initech.io\nCompany: Initech"
    other = baton.relay.ingest(
        posted(Platform.SLACK, "C0LEADS", "1700000000.000400", namesake, phones=PHONES)
    )
    baton.relay.ingest(posted(Platform.SLACK, "C0LEADS", "1700000000.000100", POST, phones=PHONES))
    baton.relay.erase_contact(Contact(email=EMAIL), by="cli:ops")
    assert _naming(_every_row(baton), EMAIL.lower(), PHONE) == {}
    with baton.relay.uow_factory() as uow:
        kept = uow.leads.get(omar.lead_id or 0)
        assert (kept.email, kept.name) == ("omar@globex.io", "Omar Diaz")
        assert kept.fields["referrer"] == "[erased]"
        assert uow.leads.get(other.lead_id or 0).name == NAME  # a namesake is someone else


def test_erasure_scrubs_the_meeting_invitation_waiting_for_the_qualifier(
    baton: Baton, clock: FakeClock
) -> None:
    """The queued ``.ics`` names the prospect (ATTENDEE): erased with the rest."""
    say(baton, "dave", "/rotation calendar https://calendar.example.com/dave/private-x/basic.ics")
    for feed in baton.relay.calendars_due():
        baton.relay.record_calendar(feed.rep_id, feed.url, FetchResult(busy=()))
    priya = baton.relay.ingest(
        posted(Platform.SLACK, "C0LEADS", "1700000000.000100", POST, phones=PHONES)
    ).lead_id
    say(baton, "alice", f"/lead claim L-{priya}")
    say(baton, "alice", f"/lead qualify L-{priya} budget=50k")
    assert say(baton, "alice", f"/lead handoff L-{priya}").slots is not None
    say(baton, "alice", f"/lead slot L-{priya} 1")
    assert _naming(_every_row(baton), EMAIL.lower())["outbox"] >= 1

    baton.relay.erase_contact(Contact(email=EMAIL), by="cli:ops")

    assert _naming(_every_row(baton), *SECRETS) == {}
