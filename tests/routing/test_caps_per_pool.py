"""A membership's daily cap counts the leads received through that pool only, so a rep in two
pools is held to each pool's quota separately (issue 18, item 22; Odoo's
``test_assign_duplicates``: separate quotas per team)."""

from __future__ import annotations

from routing.rules import ruleset_from_data
from tests.support.fakes import Desk

RULES = ruleset_from_data({"rules": [{"when": "country in [DE]", "pool": "convert"}]})


def two_pools() -> Desk:
    """Alice qualifies in both pools with a cap of 1 in each; Bob only in the default one, Cleo
    only in ``convert``, neither capped."""
    desk = Desk(rules=RULES)
    desk.say("maya", "/rotation add @alice qualifier cap=1")
    desk.say("maya", "/rotation add @alice qualifier cap=1 pool=convert")
    desk.say("maya", "/rotation add @bob qualifier")
    desk.say("maya", "/rotation add @cleo qualifier pool=convert")
    return desk


def post(desk: Desk, n: int, *, german: bool = False) -> str | None:
    country = "\nCountry: DE" if german else ""
    desk.post(f"Name: Pat {n}\nEmail: pat@co{n}.example\nCompany: Co {n}{country}")
    return desk.owner(len(desk.owners()))


def test_a_rep_at_the_cap_of_one_pool_still_takes_leads_in_another() -> None:
    desk = two_pools()
    assert post(desk, 1) == "alice"  # her 1 of 1 in qualifier
    assert post(desk, 2, german=True) == "alice"  # her 1 of 1 in convert, not starved
    assert desk.lead(2).pool == "convert"


def test_each_pools_quota_is_reached_separately() -> None:
    desk = two_pools()
    owners = [post(desk, n) for n in range(1, 5)]
    german = [post(desk, n, german=True) for n in range(5, 9)]
    assert owners.count("alice") == 1
    assert german.count("alice") == 1
    assert "alice: at daily cap 1/1" in desk.lead_explanation(len(desk.owners()))


def test_a_lead_reassigned_within_a_pool_counts_in_that_pools_cap_only() -> None:
    desk = two_pools()
    assert post(desk, 1) == "alice"  # qualifier: 1 of 1
    assert post(desk, 2) == "bob"
    desk.say("maya", "/lead reassign L-2 @alice")  # qualifier: 2 of 1
    assert post(desk, 3, german=True) == "alice"  # convert: 0 of 1 until now
    assert post(desk, 4) == "bob"
    assert "alice: at daily cap 2/1" in desk.lead_explanation(4)


def test_a_hand_off_counts_in_the_role_pool_not_in_the_intake_pool() -> None:
    desk = Desk()
    desk.say("maya", "/rotation add @quinn qualifier")
    desk.say("maya", "/rotation add @dave closer cap=1")
    desk.say("maya", "/rotation add @dave qualifier cap=1")
    desk.post("Lead: Pat, pat@one.example, One")
    owner = desk.owner(1)
    assert owner is not None
    desk.say(owner, "/lead claim L-1")
    desk.say(owner, "/lead qualify L-1 budget=10k")
    desk.say(owner, "/lead handoff L-1")
    assert desk.owner(1) == "dave"
    assert desk.uow.events_of(1)[-1].payload["pool"] == "closer"
