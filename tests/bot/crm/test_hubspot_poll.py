"""The poll, where HubSpot's webhooks cannot reach Baton: new contacts and closed deals found by
CRM search through the real client, handled on the webhook's own path, each once; the cursor
moves only after a page is handled, so a crash re-reads and never skips."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select

from bot.bootstrap import build, crm_parts
from bot.crm.hubspot import poll as poll_module
from bot.crm.hubspot.poll import CONTACTS, DEALS, HubSpotPoll
from bot.entrypoints.crm_worker import hubspot_poll, poll_job
from bot.entrypoints.scheduler import build_scheduler
from routing.events import EventType
from routing.usecases.context import RelayConfig
from storage import tables as t
from tests.bot.crm.support import MANAGER, settings
from tests.bot.crm.test_hubspot_events import Site, creation, drain, site
from tests.e2e.slack_double import LoopbackApp
from tests.support.clock import FakeClock
from tests.support.hubspot_double import HubSpotDouble
from tests.support.world import say


def poller(s: Site) -> HubSpotPoll:
    parts = crm_parts(s.baton)
    assert parts is not None
    parts.crm.sleep = lambda seconds: s.clock.advance(seconds=seconds)  # type: ignore[assignment]
    found = hubspot_poll(s.baton, parts)
    found.sleep = lambda seconds: s.clock.advance(seconds=seconds)  # type: ignore[assignment]
    s.double.clock = s.clock
    return found


def cursor(s: Site, name: str) -> str | None:
    with s.baton.engine.connect() as conn:
        return conn.execute(
            select(t.crm_cursors.c.value).where(t.crm_cursors.c.name == name)
        ).scalar()


def test_contacts_created_since_the_cursor_are_routed_like_the_webhook_s(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        poll = poller(s)
        s.double.add_contact(email="old@acme.io", company="Acme")  # before the poll was on
        clock.advance(seconds=1)
        assert poll.run_once().contacts == 0
        clock.advance(minutes=1)
        s.double.add_contact(email="priya@acme.io", firstname="Priya", company="Acme")
        s.double.add_contact(email="own@acme.io", baton_lead_id="41")  # Baton's own
        clock.advance(minutes=5)
        assert poll.run_once().contacts == 1
        (lead,) = s.leads()
        assert (lead.email, lead.fields["source"]) == ("priya@acme.io", "hubspot")
        assert lead.owner_id is not None
        assert lead.source_channel == "C0LEADS"
        assert poll.run_once().contacts == 0  # the last one is read again, routed once
        assert len(s.leads()) == 1
        search = s.double.searches[-2]
        assert search["filterGroups"][0]["filters"][0]["propertyName"] == "createdate"
        assert search["filterGroups"][0]["filters"][0]["operator"] == "GTE"
        assert search["sorts"] == [{"propertyName": "createdate", "direction": "ASCENDING"}]
        assert search["limit"] == 100


@pytest.mark.parametrize("webhook_first", [True, False])
def test_a_contact_seen_by_the_webhook_and_by_the_poll_is_one_lead(
    sqlite_url: str, clock: FakeClock, webhook_first: bool
) -> None:
    with site(sqlite_url, clock) as s:
        poll = poller(s)
        poll.run_once()
        clock.advance(minutes=1)
        contact = s.double.add_contact(email="priya@acme.io", company="Acme")
        clock.advance(seconds=5)
        if webhook_first:
            assert s.post([creation(1, contact)])[1] == {"handled": 1, "ignored": 0}
            poll.run_once()
        else:
            poll.run_once()
            s.post([creation(1, contact)])
        assert len(s.leads()) == 1
        with s.baton.engine.connect() as conn:
            assigned = conn.execute(
                select(t.lead_events).where(t.lead_events.c.type == EventType.ASSIGNED.value)
            ).all()
        assert len(assigned) == 1


def test_a_crash_mid_page_re_reads_the_page_and_routes_each_contact_once(
    sqlite_url: str, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(poll_module, "PAGE", 2)
    with site(sqlite_url, clock) as s:
        poll = poller(s)
        poll.run_once()
        emails = [f"p{n}@co{n}.example" for n in range(5)]
        for n, email in enumerate(emails):
            clock.advance(seconds=1)
            s.double.add_contact(email=email, company=f"Company {n}")
        route = poll.inbound.contact
        calls = 0

        def crashing(object_id: str, props: Any) -> bool:
            nonlocal calls
            calls += 1
            if calls == 3:  # the first contact of the second page
                raise RuntimeError("killed")
            return route(object_id, props)

        monkeypatch.setattr(poll.inbound, "contact", crashing)
        with pytest.raises(RuntimeError):
            poll.run_once()
        assert len(s.leads()) == 2  # the first page, handled
        ids = sorted(s.double.objects["contacts"], key=int)
        second = s.double.objects["contacts"][ids[1]].properties["createdate"]
        assert cursor(s, CONTACTS) == str(poll_module._millis(second))  # not past the page
        monkeypatch.setattr(poll.inbound, "contact", route)
        poll.run_once()
        assert sorted(lead.email for lead in s.leads()) == sorted(emails)


def closing_lead(s: Site) -> int:
    contact = s.double.add_contact(email="priya@acme.io", firstname="Priya", company="Acme")
    s.post([creation(20, contact)])
    (lead,) = s.leads()
    with s.baton.engine.connect() as conn:
        name = conn.execute(select(t.reps.c.name).where(t.reps.c.id == lead.owner_id)).scalar()
    say(s.baton, str(name), f"/lead claim {lead.id}")
    say(s.baton, str(name), f"/lead qualify {lead.id} budget=10k authority=cto need=x timeline=q1")
    say(s.baton, str(name), f"/lead handoff {lead.id}")
    drain(s)
    return int(lead.id)


def test_a_deal_won_in_hubspot_is_recorded_once_by_the_poll(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        poll = poller(s)
        lead_id = closing_lead(s)
        poll.run_once()
        clock.advance(minutes=2)
        deal = s.double.by_key("deals", str(lead_id))
        assert deal is not None
        s.double.update("deals", deal.id, dealstage="closedwon", amount="31000")
        clock.advance(minutes=5)
        assert poll.run_once().deals == 1
        poll.run_once()
        with s.baton.engine.connect() as conn:
            won = conn.execute(
                select(t.lead_events).where(t.lead_events.c.type == EventType.WON.value)
            ).all()
        assert [row.payload["amount"] for row in won] == ["31000"]
        assert cursor(s, DEALS) is not None


@contextmanager
def unhooked(sqlite_url: str, clock: FakeClock, **extra: object) -> Iterator[tuple[Any, Any]]:
    """Baton with HubSpot sync on and no client secret: no webhooks, so the poll runs."""
    double = HubSpotDouble()
    double.clock = clock
    with LoopbackApp(double.web_app()) as hubspot:
        config = settings(sqlite_url, hubspot.url, baton_intake_channels="C0LEADS", **extra)
        baton = build(config, clock=clock, config=RelayConfig(managers=frozenset({MANAGER})))
        say(baton, "maya", "/rotation add @alice qualifier")
        try:
            yield baton, double
        finally:
            baton.close()


def test_one_replica_polls_each_interval_and_an_outage_waits_for_the_next(
    sqlite_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    with unhooked(sqlite_url, clock) as (baton, double):
        one, other = poll_job(baton), poll_job(baton)
        assert one is not None
        assert other is not None
        assert one() is not None
        assert other() is None  # the same five minutes: taken
        clock.advance(minutes=5)
        double.add_contact(email="priya@acme.io", company="Acme")
        double.down()
        with caplog.at_level(logging.WARNING):
            assert other() is None
        assert any("HubSpot poll" in r.getMessage() for r in caplog.records)
        with baton.engine.connect() as conn:
            assert conn.execute(select(t.leads)).all() == []
        double.recover()
        clock.advance(minutes=5)
        assert one() is not None
        with baton.engine.connect() as conn:
            assert len(conn.execute(select(t.leads)).all()) == 1


def test_the_poll_runs_by_default_only_without_a_client_secret(
    sqlite_url: str, clock: FakeClock
) -> None:
    with unhooked(sqlite_url, clock) as (baton, _double):
        assert baton.settings.poll_minutes() == 5
        assert "hubspot-poll" in {job.id for job in build_scheduler(baton, []).get_jobs()}
    hooked = settings(sqlite_url, "http://127.0.0.1:9", hubspot_client_secret="s")
    assert hooked.poll_minutes() == 0
    assert (
        settings(sqlite_url, "x", hubspot_client_secret="s", hubspot_poll_minutes=7).poll_minutes()
        == 7
    )
    assert settings(sqlite_url, "x", hubspot_poll_minutes=0).poll_minutes() == 0
    with unhooked(sqlite_url, clock, hubspot_poll_minutes=0) as (baton, _double):
        assert poll_job(baton) is None
        assert "hubspot-poll" not in {job.id for job in build_scheduler(baton, []).get_jobs()}
