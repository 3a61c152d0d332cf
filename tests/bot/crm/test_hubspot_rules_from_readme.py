"""The README's HubSpot rules tried the way a hostile reviewer would: settings Baton cannot use,
`baton crm sync` with a bad date or `--dry-run`, and a HubSpot that already knows the person."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from storage import tables as t
from tests.bot.crm.support import synced
from tests.bot.crm.test_crm_commands import baton_cli, env, team
from tests.e2e.slack_double import LoopbackApp
from tests.support.clock import FakeClock
from tests.support.hubspot_double import HubSpotDouble

POST = "Lead: Priya Shah, priya@acme.io, Acme, source: website"


@pytest.fixture
def double() -> Iterator[tuple[HubSpotDouble, str]]:
    hubspot = HubSpotDouble()
    hubspot.add_owner("501", "alice@acme.io", "Alice")
    with LoopbackApp(hubspot.web_app()) as served:
        yield hubspot, served.url


@pytest.mark.parametrize(
    ("stages", "named"),
    [
        ("won", "'won' is not step=stage_id"),
        ("signed=closedwon", "'signed' is not a Baton step"),
        ("won=closedwon,lost=closedwon", "won=closedwon is also the stage of lost"),
        ("handoff=closedwon", "won=closedwon is also the stage of handoff"),
        ("won=a,won=b", "won named more than once"),
    ],
)
def test_check_refuses_deal_stages_it_cannot_use_with_one_line_and_no_traceback(
    tmp_path: Path, double: tuple[HubSpotDouble, str], stages: str, named: str
) -> None:
    hubspot, url = double
    result = baton_cli(env(tmp_path, url, HUBSPOT_DEAL_STAGES=stages), "check")
    assert result.exit_code == 2
    assert named in result.stderr
    assert "HUBSPOT_DEAL_STAGES" in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert hubspot.calls == []


def test_two_proposal_steps_may_share_a_stage(
    tmp_path: Path, double: tuple[HubSpotDouble, str]
) -> None:
    _hubspot, url = double
    environment = env(
        tmp_path,
        url,
        HUBSPOT_DEAL_STAGES="proposal_requested=presentationscheduled,"
        "proposal_presented=presentationscheduled",
    )
    team(environment)
    baton_cli(environment, "setup")
    result = baton_cli(environment, "check")
    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize("day", ["yesterday", "2026-13-01", "2026-02-30", "12/01/2026", ""])
def test_sync_since_a_bad_date_is_a_usage_error_without_a_call(
    tmp_path: Path, double: tuple[HubSpotDouble, str], day: str
) -> None:
    hubspot, url = double
    environment = env(tmp_path, url)
    team(environment, leads=2)
    result = baton_cli(environment, "sync", "--since", day)
    assert result.exit_code == 2
    assert "is not a date like" in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert hubspot.calls == []


def crm_rows(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        counts = {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in (t.crm_outbox, t.crm_links, t.crm_owners)
        }
    engine.dispose()
    return counts


def test_sync_dry_run_writes_nothing_in_hubspot_or_in_baton(
    tmp_path: Path, double: tuple[HubSpotDouble, str]
) -> None:
    hubspot, url = double
    environment = env(tmp_path, url)
    team(environment, leads=3)
    hubspot.add_contact(email="p1@co1.example", lifecyclestage="customer")
    before = crm_rows(environment["DATABASE_URL"])
    result = baton_cli(environment, "sync", "--since", "2000-01-01", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "would be written" in result.stdout
    assert hubspot.writes() == []
    assert [
        m
        for _t, m, _p in hubspot.calls
        if m not in ("GET",) and "search" not in _p and "/batch/read" not in _p
    ] == []
    assert len(hubspot.objects["contacts"]) == 1
    assert crm_rows(environment["DATABASE_URL"]) == before


@pytest.mark.parametrize("later", ["opportunity", "customer", "evangelist"])
def test_an_assignment_never_moves_hubspot_s_later_lifecycle_stage_back(
    db_url: str, clock: FakeClock, later: str
) -> None:
    with synced(db_url, clock) as world:
        existing = world.double.add_contact(
            email="priya@acme.io", lifecyclestage=later, hs_lead_status="CONNECTED"
        )
        lead_id = world.post(POST, "1.1")
        world.drain()
        record = world.double.objects["contacts"][existing]
        assert record.properties["lifecyclestage"] == later
        assert record.properties["baton_lead_id"] == str(lead_id)
        assert len(world.double.objects["contacts"]) == 1  # the 409 or upsert: no duplicate


def test_a_won_deal_carries_the_amount_and_a_close_date_and_its_name(
    db_url: str, clock: FakeClock
) -> None:
    with synced(db_url, clock) as world:
        lead_id = world.post(POST, "1.1")
        world.say("alice", f"/lead claim {lead_id}")
        world.say("alice", f"/lead qualify {lead_id} budget=10k authority=cto need=x timeline=q1")
        world.say("alice", f"/lead handoff {lead_id}")
        world.drain()
        deal = world.double.by_key("deals", str(lead_id))
        assert deal is not None
        assert deal.properties["dealname"] == f"Acme (L-{lead_id})"
        assert deal.properties["dealstage"] == "appointmentscheduled"
        assert deal.properties["pipeline"] == "default"
        contact = world.double.by_key("contacts", str(lead_id))
        assert contact is not None
        assert contact.properties["lifecyclestage"] == "opportunity"
        assert ("deals", deal.id, "contacts", contact.id) in world.double.associations
        world.say("carol", f"/lead won {lead_id} 24000")
        world.drain()
        assert deal.properties["dealstage"] == "closedwon"
        assert float(deal.properties["amount"]) == 24000
        assert deal.properties.get("closedate")
        assert len(world.double.objects["deals"]) == 1


def notices(world, word: str) -> list[str]:  # type: ignore[no-untyped-def]
    with world.baton.engine.connect() as conn:
        return [
            r.notice["text"] for r in conn.execute(select(t.outbox)) if word in r.notice["text"]
        ]


def test_two_writes_refused_for_the_same_reason_tell_the_managers_once(
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
            times=None,
            match=lambda m, p: p.endswith("/contacts/batch/upsert"),
        )
        world.post(POST, "1.1")
        world.post("Lead: Ann Lee, ann@globex.com, Globex", "1.2")
        for _ in range(3):
            world.drain()
            clock.advance(hours=1)
        backlog = world.parts.rows.backlog()
        assert backlog.failed == 2
        refused = [e for e in backlog.errors if "Property values were not valid: phone" in e[1]]
        assert len(refused) == 2
        upserts = [c for c in world.double.calls if c[2].endswith("/contacts/batch/upsert")]
        assert len(upserts) == 2  # each tried once, never again
        assert len(notices(world, "refused")) == 1


def test_a_secondly_429_waits_a_moment_without_a_pause_or_a_word_to_managers(
    db_url: str, clock: FakeClock
) -> None:
    with synced(db_url, clock) as world:
        world.double.fail(
            429,
            {
                "status": "error",
                "message": "You have reached your secondly limit.",
                "errorType": "RATE_LIMIT",
                "correlationId": "c033cdaa-2c40-4a64-ae48-b4cec88dad24",
                "policyName": "SECONDLY",
            },
            times=1,
        )
        lead_id = world.post(POST, "1.1")
        world.drain()
        assert world.parts.bucket.paused_until(clock()) is None
        clock.advance(seconds=11)
        world.drain()
        assert world.double.by_key("contacts", str(lead_id)) is not None
        assert notices(world, "limit") == []
        assert world.parts.rows.backlog().waiting == 0


def to_closer(world, text: str, ts: str) -> int:  # type: ignore[no-untyped-def]
    lead_id = world.post(text, ts)
    world.say("alice", f"/lead claim {lead_id}")
    world.say("alice", f"/lead qualify {lead_id} budget=10k authority=cto need=x timeline=q1")
    world.say("alice", f"/lead handoff {lead_id}")
    return int(lead_id)


def test_lost_disqualified_expansion_and_churn_write_what_the_readme_says(
    db_url: str, clock: FakeClock
) -> None:
    with synced(db_url, clock) as world:
        lost = to_closer(world, POST, "1.1")
        world.say("carol", f"/lead lost {lost} went with a rival")
        dropped = world.post("Lead: Ann Lee, ann@globex.com, Globex", "1.2")
        world.say("alice", f"/lead claim {dropped}")
        world.say("alice", f"/lead disqualify {dropped} no budget")
        kept = to_closer(world, "Lead: Bo Ng, bo@initech.io, Initech", "1.3")
        world.say("carol", f"/lead won {kept} 1000")
        world.say("carol", f"/lead handoff {kept}")
        world.say("dan", f"/lead expand {kept} 500")
        world.say("dan", f"/lead churn {kept}")
        world.drain()
        deal = world.double.by_key("deals", str(lost))
        assert deal is not None
        assert deal.properties["dealstage"] == "closedlost"
        assert deal.properties["closed_lost_reason"] == "went with a rival"
        contact = world.double.by_key("contacts", str(dropped))
        assert contact is not None
        assert contact.properties["hs_lead_status"] == "UNQUALIFIED"
        customer = world.double.by_key("contacts", str(kept))
        assert customer is not None
        assert customer.properties["lifecyclestage"] == "customer"
        (expansion,) = [
            d for d in world.double.objects["deals"].values() if d.properties.get("dealtype")
        ]
        assert expansion.properties["dealtype"] == "existingbusiness"
        assert expansion.properties["dealstage"] == "closedwon"
        assert expansion.properties["amount"] == "500"
        on_customer = [
            n
            for kind, n, to, c in world.double.associations
            if (kind, to, c) == ("notes", "contacts", customer.id)
        ]
        bodies = [world.double.objects["notes"][n].properties["hs_note_body"] for n in on_customer]
        assert any("churn" in b.lower() for b in bodies), bodies


def test_check_names_a_client_secret_without_a_public_url(
    tmp_path: Path, double: tuple[HubSpotDouble, str]
) -> None:
    """HubSpot signs the URL it calls: without BATON_PUBLIC_URL every webhook would be a 401."""
    _hubspot, url = double
    environment = env(tmp_path, url, HUBSPOT_CLIENT_SECRET="s3cret")
    team(environment)
    baton_cli(environment, "setup")
    result = baton_cli(environment, "check")
    assert result.exit_code == 2
    assert "BATON_PUBLIC_URL is not set" in result.stderr
    environment["BATON_PUBLIC_URL"] = "https://baton.example.com"
    ready = baton_cli(environment, "check")
    assert ready.exit_code == 0, ready.stderr
    assert "https://baton.example.com/hubspot/events" in ready.stdout
