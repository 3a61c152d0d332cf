"""CRM writes: outbox rows in the lead's transaction, sent by the CRM sender through the real
``hubspot-api-client`` to the HubSpot double, once each, in order per lead."""

from __future__ import annotations

from sqlalchemy import select

from storage import tables as t
from tests.bot.crm.support import synced
from tests.support.clock import FakeClock
from tests.support.hubspot_double import TOKEN

POST = "Lead: Priya Shah, priya@acme.io, Acme, source: website"


def owners(world, **by_name: str) -> None:  # type: ignore[no-untyped-def]
    for rep in world.parts.reads.reps():
        if rep.name in by_name:
            world.parts.owners.set(rep.id, owner_id=by_name[rep.name])


def test_an_assignment_upserts_the_contact_with_its_owner_and_notes_why(
    db_url: str, clock: FakeClock
) -> None:
    with synced(db_url, clock) as world:
        owners(world, alice="501")
        lead_id = world.post(POST, "1.1")
        assert world.drain() == 2
        contact = world.double.by_key("contacts", str(lead_id))
        assert contact is not None
        props = contact.properties
        assert props["email"] == "priya@acme.io"
        assert props["firstname"] == "Priya"
        assert props["lastname"] == "Shah"
        assert props["company"] == "Acme"
        assert props["hubspot_owner_id"] == "501"
        assert props["hs_lead_status"] == "NEW"
        assert props["lifecyclestage"] == "lead"
        assert "alice" in props["baton_routing"]
        (note,) = world.double.objects["notes"].values()
        assert "alice" in note.properties["hs_note_body"]
        assert ("notes", note.id, "contacts", contact.id) in world.double.associations


def test_the_whole_relay_reaches_hubspot_in_order(db_url: str, clock: FakeClock) -> None:
    with synced(db_url, clock) as world:
        owners(world, alice="501", carol="502", dan="503")
        lead = world.post(POST, "1.1")
        world.say("alice", f"/lead claim {lead}")
        world.say(
            "alice", f"/lead qualify {lead} budget=10k authority=cto need=routing timeline=q1"
        )
        world.say("alice", f"/lead handoff {lead}")
        world.say("carol", f"/lead meeting {lead}")
        world.say("carol", f"/lead proposal {lead} requested")
        world.say("carol", f"/lead won {lead} 24000")
        world.say("carol", f"/lead handoff {lead}")
        world.say("dan", f"/lead expand {lead} 5000")
        world.drain()
        contact = world.double.by_key("contacts", str(lead))
        deal = world.double.by_key("deals", str(lead))
        assert contact is not None
        assert deal is not None
        assert contact.properties["lifecyclestage"] == "customer"
        assert contact.properties["hubspot_owner_id"] == "503"
        assert contact.properties["hs_lead_status"] == "IN_PROGRESS"
        assert deal.properties["dealstage"] == "closedwon"
        assert deal.properties["amount"] == "24000"
        assert deal.properties["hubspot_owner_id"] == "502"
        assert deal.properties["dealname"] == f"Acme (L-{lead})"
        assert ("deals", deal.id, "contacts", contact.id) in world.double.associations
        expansions = [
            d for d in world.double.objects["deals"].values() if d.properties.get("dealtype")
        ]
        assert [d.properties["amount"] for d in expansions] == ["5000"]
        assert expansions[0].properties["hubspot_owner_id"] == "503"
        assert len(world.double.objects["contacts"]) == 1


def test_a_change_sent_twice_makes_no_second_contact_or_deal(db_url: str, clock: FakeClock) -> None:
    with synced(db_url, clock) as world:
        lead = world.post(POST, "1.1")
        world.say("alice", f"/lead claim {lead}")
        with world.baton.engine.begin() as conn:  # as if a sender died after HubSpot answered
            conn.execute(t.crm_outbox.update().values(status="pending"))
        world.drain()
        with world.baton.engine.begin() as conn:
            conn.execute(
                t.crm_outbox.update()
                .where(t.crm_outbox.c.change["kind"].as_string() != "note")
                .values(status="pending")
            )
        world.drain()
        assert len(world.double.objects["contacts"]) == 1


def test_a_contact_hubspot_already_has_is_updated_not_duplicated(
    db_url: str, clock: FakeClock
) -> None:
    with synced(db_url, clock) as world:
        existing = world.double.add_contact(email="priya@acme.io", lifecyclestage="customer")
        lead = world.post(POST, "1.1")
        world.drain()
        assert len(world.double.objects["contacts"]) == 1
        contact = world.double.objects["contacts"][existing]
        assert contact.properties["baton_lead_id"] == str(lead)
        assert contact.properties["lifecyclestage"] == "customer"  # never backwards


def test_a_refused_write_is_kept_failed_with_hubspots_message_and_not_retried(
    db_url: str, clock: FakeClock
) -> None:
    with synced(db_url, clock) as world:
        world.double.fail(
            400,
            {
                "status": "error",
                "message": "Property values were not valid: phone",
                "category": "VALIDATION_ERROR",
                "correlationId": "x",
            },
            times=1,
            match=lambda m, p: p.endswith("/contacts/batch/upsert"),
        )
        world.post(POST, "1.1")
        world.drain()
        clock.advance(hours=1)
        world.drain()
        backlog = world.parts.rows.backlog()
        assert backlog.failed == 1
        assert "Property values were not valid: phone" in backlog.errors[0][1]
        upserts = [c for c in world.double.calls if c[2].endswith("/contacts/batch/upsert")]
        assert len(upserts) == 1
        with world.baton.engine.connect() as conn:
            told = [
                r.notice["text"]
                for r in conn.execute(select(t.outbox))
                if "refused" in r.notice["text"]
            ]
        assert told  # the managers hear of it


def test_an_outage_delays_crm_writes_only_and_loses_none(db_url: str, clock: FakeClock) -> None:
    with synced(db_url, clock) as world:
        world.double.down()
        lead = world.post(POST, "1.1")
        assert world.drain() == 0
        with world.baton.engine.connect() as conn:
            chat_rows = conn.execute(select(t.outbox)).all()
        assert chat_rows  # the chat's messages are there, untouched by the CRM's outage
        assert all(r.status == "pending" for r in chat_rows)
        clock.advance(seconds=30)
        world.double.recover()
        clock.advance(minutes=10)
        world.drain()
        assert world.double.by_key("contacts", str(lead)) is not None
        assert world.parts.rows.backlog().waiting == 0


def test_a_429_storm_waits_its_window_and_every_write_goes_out_once(
    db_url: str, clock: FakeClock
) -> None:
    with synced(db_url, clock) as world:
        world.double.fail(
            429,
            {
                "status": "error",
                "message": "You have reached your secondly limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": "y",
                "policyName": "SECONDLY",
            },
            times=20,
        )
        leads = [world.post(f"Lead: P{n} Q, p{n}@acme{n}.io, Acme{n}", f"1.{n}") for n in range(5)]
        for _ in range(60):
            world.drain()
            clock.advance(seconds=2)
        assert all(world.double.by_key("contacts", str(lead)) for lead in leads)
        assert len(world.double.objects["contacts"]) == 5
        assert world.parts.rows.backlog().waiting == 0


def test_the_daily_limit_pauses_the_lane_until_midnight_and_tells_managers_once(
    db_url: str, clock: FakeClock
) -> None:
    with synced(db_url, clock) as world:
        world.double.fail(
            429,
            {
                "status": "error",
                "message": "You have reached your daily limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": "z",
                "policyName": "DAILY",
            },
            times=None,
        )
        world.post(POST, "1.1")
        world.post("Lead: Ann Lee, ann@globex.com, Globex", "1.2")
        world.drain()
        world.drain()
        calls = len(world.double.calls)
        assert calls == 1
        assert world.parts.bucket.paused_until(clock()) is not None
        world.double.recover()
        clock.advance(days=1)
        world.drain()
        assert len(world.double.objects["contacts"]) == 2
        with world.baton.engine.connect() as conn:
            told = [r for r in conn.execute(select(t.outbox)) if "daily" in r.notice["text"]]
        assert len(told) == 1


def test_a_wrong_token_delays_crm_writes_and_warns_once(db_url: str, clock: FakeClock) -> None:
    with synced(db_url, clock) as world:
        world.double.token = "another"
        world.post(POST, "1.1")
        world.drain()
        clock.advance(minutes=6)
        world.drain()
        assert world.parts.rows.backlog().waiting >= 1
        with world.baton.engine.connect() as conn:
            told = [
                r
                for r in conn.execute(select(t.outbox))
                if "HUBSPOT_ACCESS_TOKEN" in r.notice["text"]
            ]
        assert len(told) == 1
        world.double.token = TOKEN  # fixed: the writes go out, and a later break is news again
        clock.advance(minutes=6)
        world.drain()
        assert world.parts.rows.backlog().waiting == 0
        world.double.token = "broken-again"
        world.post("Lead: Ann Lee, ann@globex.com, Globex", "1.2")
        world.drain()
        with world.baton.engine.connect() as conn:
            again = [
                r
                for r in conn.execute(select(t.outbox))
                if "HUBSPOT_ACCESS_TOKEN" in r.notice["text"]
            ]
        assert len(again) == 2


def test_with_sync_off_no_crm_row_is_written(sqlite_url: str, clock: FakeClock) -> None:
    from tests.support.world import make_baton

    baton = make_baton(sqlite_url, clock, [("console", "maya")])
    say_ = __import__("tests.support.world", fromlist=["say"]).say
    say_(baton, "maya", "/rotation add @alice qualifier")
    say_(baton, "maya", "/lead new Acme priya@acme.io Priya")
    with baton.engine.connect() as conn:
        assert conn.execute(select(t.crm_outbox)).all() == []
    baton.close()


def test_a_manager_sets_a_reps_owner_by_id_and_the_contact_gets_it(
    sqlite_url: str, clock: FakeClock
) -> None:
    with synced(sqlite_url, clock) as world:
        said = world.say("maya", "/rotation owner @alice 612")
        assert "612" in said
        lead = world.post(POST, "1.1")
        world.drain()
        contact = world.double.by_key("contacts", str(lead))
        assert contact is not None
        assert contact.properties["hubspot_owner_id"] == "612"


def test_a_reps_email_finds_their_owner_in_hubspot_on_the_first_write(
    sqlite_url: str, clock: FakeClock
) -> None:
    with synced(sqlite_url, clock) as world:
        world.double.add_owner("733", "alice@acme.io", "Alice")
        world.say("maya", "/rotation add @alice qualifier email=Alice@acme.io")
        shown = world.say("maya", "/rotation show qualifier")
        assert "(no HubSpot owner)" in shown
        lead = world.post(POST, "1.1")
        world.drain()
        contact = world.double.by_key("contacts", str(lead))
        assert contact is not None
        assert contact.properties["hubspot_owner_id"] == "733"
        assert "(no HubSpot owner)" not in world.say("maya", "/rotation show qualifier")


def test_rotation_show_marks_no_owner_only_while_sync_is_on(
    sqlite_url: str, clock: FakeClock
) -> None:
    from tests.support.world import make_baton
    from tests.support.world import say as say_

    baton = make_baton(sqlite_url, clock, [("console", "maya")])
    say_(baton, "maya", "/rotation add @alice qualifier")
    assert "no HubSpot owner" not in say_(baton, "maya", "/rotation show").reply
    baton.close()


def test_a_hung_hubspot_times_out_and_the_write_waits(sqlite_url: str, clock: FakeClock) -> None:
    with synced(sqlite_url, clock) as world:
        world.parts.crm.timeout = (1.0, 0.3)
        world.double.stall(2.0)
        lead = world.post(POST, "1.1")
        assert world.drain() == 0
        backlog = world.parts.rows.backlog()
        assert backlog.waiting == 2
        assert "did not answer" in backlog.errors[0][1]
        world.double.recover()
        clock.advance(minutes=1)
        world.drain()
        assert world.double.by_key("contacts", str(lead)) is not None


def test_a_write_down_then_refused_keeps_when_it_first_failed_and_check_shows_it(
    db_url: str, clock: FakeClock
) -> None:
    from bot.entrypoints.crm import Report, _backlog

    with synced(db_url, clock) as world:
        world.double.down()
        world.post(POST, "1.1")
        first = clock()
        world.drain()
        world.double.recover()
        world.double.fail(
            400,
            {"status": "error", "message": "bad\x00 phone \ud800", "category": "VALIDATION_ERROR"},
            times=None,
            match=lambda m, p: p.endswith("/contacts/batch/upsert"),
        )
        clock.advance(hours=1)
        world.drain()
        (failure,) = [f for f in world.parts.rows.backlog().failures if f.failed]
        assert failure.first_failed_at == first
        assert failure.change == "contact: lead"
        assert failure.message == "HubSpot 400: bad phone \ufffd"
        report = Report()
        _backlog(world.parts, report)
        assert any(
            f"contact: lead (failed, first failed {first:%Y-%m-%d %H:%M} UTC)" in line
            for line in report.lines
        ), report.lines


def test_a_backfill_adds_no_second_note_where_the_live_sync_wrote_the_routing_note(
    db_url: str, clock: FakeClock
) -> None:
    from bot.entrypoints.crm import run_sync

    with synced(db_url, clock) as world:
        lead = world.post(POST, "1.1")
        world.drain()
        (live,) = world.double.objects["notes"].values()
        assert live.properties["hs_note_body"].startswith(f"Baton routed L-{lead}: ")
        summary = run_sync(world.baton, world.parts, None)
        assert "0 routing notes added." in summary
        assert len(world.double.objects["notes"]) == 1
