"""Several CRM senders (replicas) on one database, a sender killed mid-call, and `baton serve`
with a wrong token: no duplicate contact or deal, no write lost, the server up."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

from sqlalchemy import select

from bot.bootstrap import build, crm_parts, crm_sender
from bot.entrypoints.serve import make_server
from routing.usecases.context import RelayConfig
from storage import tables as t
from tests.bot.crm.support import MANAGER, settings, synced
from tests.e2e.slack_double import LoopbackApp
from tests.support.clock import FakeClock
from tests.support.hubspot_double import HubSpotDouble
from tests.support.world import say


def test_four_replicas_send_every_change_once_and_make_no_duplicate(
    db_url: str, clock: FakeClock
) -> None:
    with synced(db_url, clock, hubspot_rate_limit=10_000) as world:  # the fake clock stands
        leads = [world.post(f"Lead: P{n} Q, p{n}@firm{n}.io, Firm{n}", f"1.{n}") for n in range(12)]
        replicas = [build(world.baton.settings, clock=clock, migrate=False) for _ in range(4)]
        senders = []
        for replica in replicas:
            parts = crm_parts(replica)
            assert parts is not None
            senders.append(crm_sender(replica, parts))
        threads = [threading.Thread(target=sender.drain) for sender in senders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for replica in replicas:
            replica.close()
        assert len(world.double.objects["contacts"]) == 12
        assert len(world.double.objects["notes"]) == 12
        assert all(world.double.by_key("contacts", str(lead)) for lead in leads)
        upserts = [c for c in world.double.calls if c[2].endswith("contacts/batch/upsert")]
        assert len(upserts) == 12  # each row taken by one replica
        assert world.parts.rows.backlog().waiting == 0


def test_a_sender_killed_mid_call_leaves_a_row_another_takes_without_a_duplicate(
    sqlite_url: str, clock: FakeClock
) -> None:
    with synced(sqlite_url, clock) as world:
        lead = world.post("Lead: Priya Shah, priya@acme.io, Acme", "1.1")
        now = clock()
        (claim, *_rest) = world.parts.rows.claim(1, now, now)  # the dead sender's claim
        world.parts.crm.apply(claim.change, lambda _rep: None)  # HubSpot took it; then kill -9
        assert world.drain() == 0  # the note waits behind its lead's claimed row, not stale yet
        clock.advance(minutes=2)
        assert world.drain() == 2  # the stale row is taken again, then the note
        assert len(world.double.objects["contacts"]) == 1
        assert world.double.by_key("contacts", str(lead)) is not None
        assert world.parts.rows.backlog().waiting == 0


def test_serve_starts_with_a_wrong_token_and_the_writes_wait(sqlite_url: str) -> None:
    double = HubSpotDouble()
    double.token = "the-right-one"
    with LoopbackApp(double.web_app()) as hubspot:
        config = settings(sqlite_url, hubspot.url)
        baton = build(config, config=RelayConfig(managers=frozenset({MANAGER})))
        say(baton, "maya", "/rotation add @alice qualifier")
        say(baton, "maya", "/lead new Acme priya@acme.io Priya")
        server = make_server(config, baton, sender=True)
        with LoopbackApp(server.web_app()) as served:
            with urllib.request.urlopen(served.url + "/healthz", timeout=5) as answer:
                assert json.loads(answer.read())["status"] == "ok"
            deadline = time.monotonic() + 10
            errors: list[str] = []
            while time.monotonic() < deadline and not errors:
                with baton.engine.connect() as conn:
                    errors = [
                        e for e in conn.execute(select(t.crm_outbox.c.last_error)).scalars() if e
                    ]
                time.sleep(0.1)
        assert errors
        assert "HubSpot 401" in errors[0]
        with baton.engine.connect() as conn:
            rows = conn.execute(select(t.crm_outbox.c.status)).scalars().all()
        assert set(rows) == {"pending"}
        baton.close()


def test_a_note_whose_sender_died_after_hubspot_took_it_is_not_written_twice(
    sqlite_url: str, clock: FakeClock
) -> None:
    with synced(sqlite_url, clock) as world:
        world.post("Lead: Priya Shah, priya@acme.io, Acme", "1.1")
        now = clock()
        contact_row = world.parts.rows.claim(1, now, now)[0]
        world.parts.crm.apply(contact_row.change, lambda _rep: None)
        world.parts.rows.mark_sent(contact_row, now)
        note_row = world.parts.rows.claim(1, now, now)[0]
        world.parts.crm.apply(note_row.change, lambda _rep: None)  # HubSpot took it; kill -9
        assert len(world.double.objects["notes"]) == 1
        clock.advance(minutes=2)
        assert world.drain() == 1  # the stale note row, tried again: found, not written
        assert len(world.double.objects["notes"]) == 1
        assert world.parts.rows.backlog().waiting == 0
