"""`baton crm check | setup | sync` against the HubSpot double, through the real client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.bootstrap import build
from bot.config import Settings
from bot.entrypoints.cli import app
from routing.arrival import posted
from routing.roles import Platform
from tests.e2e.slack_double import LoopbackApp
from tests.support.hubspot_double import TOKEN, HubSpotDouble
from tests.support.phones import PHONES
from tests.support.world import say


@pytest.fixture
def double() -> Iterator[tuple[HubSpotDouble, str]]:
    hubspot = HubSpotDouble()
    hubspot.add_owner("501", "alice@acme.io", "Alice")
    with LoopbackApp(hubspot.web_app()) as served:
        yield hubspot, served.url


def env(tmp_path: Path, url: str, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": f"sqlite:///{tmp_path}/baton.db",
        "HUBSPOT_ACCESS_TOKEN": TOKEN,
        "HUBSPOT_API_URL": url,
        "BATON_MANAGERS": "console:maya",
        **extra,
    }


def baton_cli(environment: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, ["crm", *args], env=environment)


def team(environment: dict[str, str], leads: int = 0) -> None:
    settings = Settings(  # type: ignore[call-arg]
        database_url=environment["DATABASE_URL"], _env_file=None, baton_managers="console:maya"
    )
    baton = build(settings)
    say(baton, "maya", "/rotation add @alice qualifier")
    say(baton, "maya", "/rotation add @bob qualifier")
    with baton.engine.begin() as conn:
        from storage import tables as t

        rep = conn.execute(t.reps.select().where(t.reps.c.user_id == "alice")).first()
        conn.execute(t.crm_owners.insert().values(rep_id=rep.id, email="alice@acme.io"))
    for n in range(leads):
        text = f"Lead: Person {n}, p{n}@co{n}.example, Company {n}"
        baton.relay.ingest(posted(Platform.SLACK, "C0LEADS", f"1.{n}", text, phones=PHONES))
    baton.close()


def test_check_names_what_to_fix_then_setup_makes_it_ready_and_is_idempotent(
    tmp_path: Path, double: tuple[HubSpotDouble, str]
) -> None:
    hubspot, url = double
    environment = env(tmp_path, url)
    team(environment)
    first = baton_cli(environment, "check")
    assert first.exit_code == 2
    assert "run `baton crm setup`" in first.stderr
    made = baton_cli(environment, "setup")
    assert made.exit_code == 0
    assert made.stdout.count("created") == 3
    again = baton_cli(environment, "setup")
    assert again.stdout.count("already there") == 3
    assert hubspot.properties["contacts"]["baton_lead_id"]["hasUniqueValue"] is True
    ready = baton_cli(environment, "check")
    print(ready.stdout)
    assert ready.exit_code == 0, ready.stderr
    assert "Owners: 1 of 2 reps matched (alice → 501)" in ready.stdout
    assert "no HubSpot owner: bob" in ready.stdout
    assert "all 6 stages found" in ready.stdout


def test_check_with_a_wrong_token_exits_2_naming_the_token(
    tmp_path: Path, double: tuple[HubSpotDouble, str]
) -> None:
    _hubspot, url = double
    environment = env(tmp_path, url, HUBSPOT_ACCESS_TOKEN="pat-wrong")
    team(environment)
    result = baton_cli(environment, "check")
    assert result.exit_code == 2
    assert "HUBSPOT_ACCESS_TOKEN" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_check_names_a_stage_the_pipeline_lacks(
    tmp_path: Path, double: tuple[HubSpotDouble, str]
) -> None:
    _hubspot, url = double
    environment = env(tmp_path, url, HUBSPOT_DEAL_STAGES="won=signed")
    team(environment)
    baton_cli(environment, "setup")
    result = baton_cli(environment, "check")
    assert result.exit_code == 2
    assert "won=signed" in result.stderr


def test_sync_all_backfills_in_batches_and_twice_is_once(
    tmp_path: Path, double: tuple[HubSpotDouble, str]
) -> None:
    hubspot, url = double
    environment = env(tmp_path, url)
    team(environment, leads=230)
    existing = hubspot.add_contact(email="p7@co7.example", lifecyclestage="customer")
    dry = baton_cli(environment, "sync", "--all", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert "230 contacts and 0 deals would be written in 0 HubSpot calls" in dry.stdout
    assert "At most 230 routing notes would be added." in dry.stdout
    assert len(hubspot.objects["contacts"]) == 1
    result = baton_cli(environment, "sync", "--all")
    assert result.exit_code == 0, result.stderr
    assert "230 leads read: 230 contacts" in result.stdout
    assert "HubSpot calls, 0 refused. 230 routing notes added." in result.stdout
    assert len(hubspot.objects["contacts"]) == 230  # the one HubSpot had got the key
    assert hubspot.objects["contacts"][existing].properties["lifecyclestage"] == "customer"
    calls = len(hubspot.calls)
    # read by key, by email, upsert/update, notes per 100 leads; the portal's two option lists
    assert calls <= 4 * 3 + 1 + 2
    note_batches = [p for _t, m, p in hubspot.calls if p.endswith("/notes/batch/create")]
    assert len(note_batches) == 3
    assert_one_routing_note_each(hubspot, 230)
    again = baton_cli(environment, "sync", "--all")
    assert "0 routing notes added." in again.stdout
    assert len(hubspot.objects["contacts"]) == 230
    assert_one_routing_note_each(hubspot, 230)


def assert_one_routing_note_each(hubspot: HubSpotDouble, contacts: int) -> None:
    """Every contact holds exactly one note, Baton's routing explanation."""
    on_contact: dict[str, int] = {}
    for kind, _note, to, contact in hubspot.associations:
        if (kind, to) == ("notes", "contacts"):
            on_contact[contact] = on_contact.get(contact, 0) + 1
    assert len(on_contact) == contacts
    assert set(on_contact.values()) == {1}
    bodies = [n.properties["hs_note_body"] for n in hubspot.objects["notes"].values()]
    assert all(b.startswith("Baton routed L-") and " is next in the " in b for b in bodies)


def test_sync_needs_all_or_since(tmp_path: Path, double: tuple[HubSpotDouble, str]) -> None:
    _hubspot, url = double
    result = baton_cli(env(tmp_path, url), "sync")
    assert result.exit_code == 2
    assert "--all, or --since" in result.stderr


def test_a_backfill_killed_midway_and_run_again_makes_no_duplicate(
    tmp_path: Path, double: tuple[HubSpotDouble, str]
) -> None:
    from bot.bootstrap import crm_parts
    from bot.entrypoints.crm import run_sync

    hubspot, url = double
    environment = env(tmp_path, url)
    team(environment, leads=250)
    settings = Settings(  # type: ignore[call-arg]
        database_url=environment["DATABASE_URL"],
        hubspot_access_token=TOKEN,
        hubspot_api_url=url,
        _env_file=None,
    )
    baton = build(settings, platforms=False)
    parts = crm_parts(baton)
    assert parts is not None
    seen = {"calls": 0}

    def after_four(_method: str, _path: str) -> bool:
        seen["calls"] += 1
        return seen["calls"] > 6  # the portal's two option lists, then the first page's four

    def killed(_seconds: float) -> None:
        raise SystemExit("kill -9")

    hubspot.fail(503, {"status": "error", "message": "down"}, times=None, match=after_four)
    parts.crm.sleep = killed  # type: ignore[assignment]
    with pytest.raises(SystemExit):
        run_sync(baton, parts, None)
    written = len(hubspot.objects["contacts"])
    assert 0 < written < 250
    hubspot.recover()
    parts.crm.sleep = lambda _s: None  # type: ignore[assignment]
    run_sync(baton, parts, None)
    assert len(hubspot.objects["contacts"]) == 250
    keys = [c.properties.get("baton_lead_id") for c in hubspot.objects["contacts"].values()]
    assert len(set(keys)) == 250
    assert_one_routing_note_each(hubspot, 250)
    baton.close()


def test_sync_since_a_date_writes_deals_and_associates_them(
    tmp_path: Path, double: tuple[HubSpotDouble, str]
) -> None:
    hubspot, url = double
    environment = env(tmp_path, url)
    team(environment, leads=1)
    settings = Settings(  # type: ignore[call-arg]
        database_url=environment["DATABASE_URL"], _env_file=None, baton_managers="console:maya"
    )
    baton = build(settings)
    say(baton, "maya", "/rotation add @carol closer")
    with baton.engine.connect() as conn:
        from storage import tables as t

        owner = (
            conn.execute(
                t.reps.select().where(
                    t.reps.c.id == conn.execute(t.leads.select()).first().owner_id
                )
            )
            .first()
            .name
        )
    say(baton, owner, "/lead claim 1")
    say(baton, owner, "/lead qualify 1 budget=1 authority=2 need=3 timeline=4")
    say(baton, owner, "/lead handoff 1")
    baton.close()
    result = baton_cli(environment, "sync", "--since", "2000-01-01")
    assert result.exit_code == 0, result.stderr
    assert "1 contacts and 1 deals written" in result.stdout
    deal = hubspot.by_key("deals", "1")
    contact = hubspot.by_key("contacts", "1")
    assert deal is not None
    assert contact is not None
    assert deal.properties["dealstage"] == "appointmentscheduled"
    assert ("deals", deal.id, "contacts", contact.id) in hubspot.associations
    assert contact.properties["lifecyclestage"] == "opportunity"


def test_doctor_gives_hubspot_one_line_a_tick_when_ready_and_a_cross_naming_the_fix(
    tmp_path: Path, double: tuple[HubSpotDouble, str]
) -> None:
    _hubspot, url = double
    environment = env(tmp_path, url)
    team(environment)
    before = CliRunner().invoke(app, ["doctor"], env=environment)
    (line,) = [x for x in before.stdout.splitlines() if "HubSpot" in x]
    assert line.startswith("✗ HubSpot: ")
    assert "baton crm setup" in line
    assert baton_cli(environment, "setup").exit_code == 0
    after = CliRunner().invoke(app, ["doctor"], env=environment)
    (line,) = [x for x in after.stdout.splitlines() if "HubSpot" in x]
    assert line == f"✓ HubSpot: ready ({url})"


def test_doctor_says_hubspot_is_not_configured_without_a_token(tmp_path: Path) -> None:
    environment = {"DATABASE_URL": f"sqlite:///{tmp_path}/baton.db", "HUBSPOT_ACCESS_TOKEN": ""}
    result = CliRunner().invoke(app, ["doctor"], env=environment)
    assert "✓ HubSpot: not configured (no HUBSPOT_ACCESS_TOKEN)" in result.stdout
