"""The portal's own option lists: its lifecycle order (custom stages included) is the one Baton
never moves a contact backwards along, and `baton crm check` names a value Baton writes that the
portal lacks."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from storage import tables as t
from tests.bot.crm.test_crm_commands import baton_cli, double, env, team  # noqa: F401
from tests.bot.crm.test_hubspot_events import creation, drain, site
from tests.support.clock import FakeClock
from tests.support.hubspot_double import LIFECYCLE, HubSpotDouble
from tests.support.world import say

CUSTOM = "1283947"
"""A custom stage ("Product qualified") the portal placed between SQL and opportunity."""
PORTAL = [*LIFECYCLE[:4], CUSTOM, *LIFECYCLE[4:], "other"]


def test_a_custom_lifecycle_order_is_respected(sqlite_url: str, clock: FakeClock) -> None:
    with site(sqlite_url, clock) as s:
        s.double.set_options("lifecyclestage", PORTAL)
        contact = s.double.add_contact(email="priya@acme.io", company="Acme", lifecyclestage=CUSTOM)
        s.post([creation(1, contact)])
        (lead,) = s.leads()
        with s.baton.engine.connect() as conn:
            name = conn.execute(select(t.reps.c.name).where(t.reps.c.id == lead.owner_id)).scalar()
        say(s.baton, str(name), f"/lead claim {lead.id}")
        say(s.baton, str(name), f"/lead qualify {lead.id} budget=1 authority=a need=n timeline=t")
        drain(s)
        record = s.double.objects["contacts"][contact]
        assert record.properties["lifecyclestage"] == CUSTOM  # lead and SQL are behind it
        say(s.baton, str(name), f"/lead handoff {lead.id}")
        drain(s)
        assert record.properties["lifecyclestage"] == "opportunity"  # after it in the portal


def test_displayorder_not_the_list_order_decides(sqlite_url: str, clock: FakeClock) -> None:
    with site(sqlite_url, clock) as s:
        stages = ["subscriber", "lead", "salesqualifiedlead", "opportunity", "customer"]
        s.double.set_options("lifecyclestage", stages, display_order=[0, 1, 3, 2, 4])
        contact = s.double.add_contact(email="priya@acme.io", lifecyclestage="opportunity")
        s.post([creation(1, contact)])
        (lead,) = s.leads()
        with s.baton.engine.connect() as conn:
            name = conn.execute(select(t.reps.c.name).where(t.reps.c.id == lead.owner_id)).scalar()
        say(s.baton, str(name), f"/lead claim {lead.id}")
        say(s.baton, str(name), f"/lead qualify {lead.id} budget=1 authority=a need=n timeline=t")
        drain(s)
        # this portal puts SQL after opportunity: forward there, backwards in HubSpot's defaults
        stage = s.double.objects["contacts"][contact].properties["lifecyclestage"]
        assert stage == "salesqualifiedlead"


def test_check_names_a_lead_status_baton_writes_that_the_portal_lacks(
    tmp_path: Path,
    double: tuple[HubSpotDouble, str],  # noqa: F811
) -> None:
    hubspot, url = double
    environment = env(tmp_path, url)
    team(environment)
    made = baton_cli(environment, "setup")
    assert "Lifecycle stages: subscriber → lead" in made.stdout
    hubspot.set_options("hs_lead_status", ["NEW", "OPEN", "CONNECTED"])
    hubspot.set_options("lifecyclestage", PORTAL)
    result = baton_cli(environment, "check")
    assert result.exit_code == 2
    assert "(the portal's order)" in result.stdout
    assert f"salesqualifiedlead → {CUSTOM} → opportunity" in result.stdout
    (line,) = result.stderr.strip().splitlines()
    assert "hs_lead_status IN_PROGRESS, UNQUALIFIED" in line
    hubspot.set_options("hs_lead_status", ["NEW", "IN_PROGRESS", "UNQUALIFIED"])
    hubspot.set_options("lifecyclestage", ["subscriber", "lead", "customer"])
    missing = baton_cli(environment, "check")
    assert missing.exit_code == 2
    assert "lifecyclestage salesqualifiedlead, opportunity" in missing.stderr
