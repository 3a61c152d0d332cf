"""Outbound leads handed to the inbound team: `/lead handoff <id> qualifier`, the setting and
the rules-file flag that make it the default, and the digest still counting them as outbound."""

from __future__ import annotations

from datetime import timedelta

import pytest

from routing.errors import IllegalTransition, InvalidInput, NotAllowed
from routing.events import EventType
from routing.lead import Origin
from routing.metrics import Period, funnel
from routing.rules import ruleset_from_data
from routing.stages import Stage
from tests.support.world import make_baton, say

MANAGER = ("console", "maya")


def team(sqlite_url: str, clock: object, **config: object):  # type: ignore[no-untyped-def]
    baton = make_baton(sqlite_url, clock, managers={MANAGER}, **config)
    say(baton, "maya", "/rotation add @pat prospector")
    say(baton, "maya", "/rotation add @quinn qualifier")
    say(baton, "maya", "/rotation add @cody closer")
    return baton


def lead_of(baton, lead_id: int):  # type: ignore[no-untyped-def]
    with baton.relay.read_uow_factory() as uow:
        return uow.leads.get(lead_id), uow.leads.events(lead_id)


def test_a_prospector_hands_their_working_lead_to_the_qualifier_rotation(
    sqlite_url: str, clock: object
) -> None:
    baton = team(sqlite_url, clock)
    logged = say(baton, "pat", "/lead new Umbrella sam@umbrella.co Sam")
    assert logged.card is not None
    assert "handoff qualifier" in logged.card.actions
    handed = say(baton, "pat", f"/lead handoff L-{logged.lead_id} qualifier")
    assert "now with <rep:4|quinn> to qualify; you stay its source" in handed.reply
    lead, events = lead_of(baton, logged.lead_id or 0)
    assert (lead.stage, lead.origin, lead.pool) == (Stage.ASSIGNED, Origin.OUTBOUND, "qualifier")
    assert lead.fields["sourced_by"] == "pat"
    handoff = events[-1]
    assert handoff.type is EventType.HANDED_OFF
    assert handoff.payload["role"] == "qualifier"
    assert handoff.payload["sourced_by"] == handoff.payload["handed_from"]
    assert handed.card is not None
    assert handed.card.actions == ("claim", "notmine", "disqualify")
    say(baton, "quinn", f"/lead claim L-{lead.id}")
    say(baton, "quinn", f"/lead qualify L-{lead.id} budget=10k")
    closed = say(baton, "quinn", f"/lead handoff L-{lead.id}")
    assert "cody" in closed.reply


def test_only_an_outbound_lead_with_its_prospector_goes_to_the_qualifiers(
    sqlite_url: str, clock: object
) -> None:
    baton = team(sqlite_url, clock)
    outbound = say(baton, "pat", "/lead new Umbrella sam@umbrella.co").lead_id
    with pytest.raises(NotAllowed):
        say(baton, "quinn", f"/lead handoff L-{outbound} qualifier")
    inbound = say(baton, "maya", "/lead new Initech bill@initech.com").lead_id
    say(baton, "quinn", f"/lead claim L-{inbound}")
    with pytest.raises(IllegalTransition, match="can't take `handoff qualifier`"):
        say(baton, "quinn", f"/lead handoff L-{inbound} qualifier")
    say(baton, "pat", f"/lead handoff L-{outbound} qualifier")
    with pytest.raises(IllegalTransition, match="can't take `handoff qualifier`"):
        say(baton, "maya", f"/lead handoff L-{outbound} qualifier")


def test_with_no_qualifier_the_lead_stays_with_its_prospector(
    sqlite_url: str, clock: object
) -> None:
    baton = make_baton(sqlite_url, clock, managers={MANAGER})
    say(baton, "maya", "/rotation add @pat prospector")
    lead_id = say(baton, "pat", "/lead new Umbrella sam@umbrella.co").lead_id
    with pytest.raises(InvalidInput, match=r"No qualifier is available.*It stays yours"):
        say(baton, "pat", f"/lead handoff L-{lead_id} qualifier")
    assert lead_of(baton, lead_id or 0)[0].stage is Stage.WORKING


def test_the_setting_sends_a_prospectors_new_leads_to_the_qualifiers(
    sqlite_url: str, clock: object
) -> None:
    baton = team(sqlite_url, clock, outbound_to_qualifiers=True)
    logged = say(baton, "pat", "/lead new Umbrella sam@umbrella.co Sam")
    assert "quinn" in logged.reply
    lead, events = lead_of(baton, logged.lead_id or 0)
    assert (lead.stage, lead.origin, lead.owner_id) == (
        Stage.ASSIGNED,
        Origin.OUTBOUND,
        events[-1].owner_id,
    )
    assert lead.fields["sourced_by"] == "pat"
    assert events[0].payload["origin"] == "outbound"
    assert events[0].payload["sourced_by"] == events[0].actor_id


def test_the_rules_file_flag_applies_to_the_prospectors_in_that_pool_only(
    sqlite_url: str, clock: object
) -> None:
    rules = ruleset_from_data({"pools": {"hunters": {"outbound_to_qualifiers": True}}})
    baton = team(sqlite_url, clock, rules=rules)
    say(baton, "maya", "/rotation add @hana prospector pool=hunters")
    flagged = say(baton, "hana", "/lead new Umbrella sam@umbrella.co")
    plain = say(baton, "pat", "/lead new Initech bill@initech.com")
    assert lead_of(baton, flagged.lead_id or 0)[0].stage is Stage.ASSIGNED
    assert lead_of(baton, plain.lead_id or 0)[0].stage is Stage.WORKING


def test_a_rules_file_pool_flag_that_is_not_true_or_false_is_refused() -> None:
    with pytest.raises(InvalidInput, match="must be true or false"):
        ruleset_from_data({"pools": {"hunters": {"outbound_to_qualifiers": "yes"}}})
    with pytest.raises(InvalidInput, match="unknown key 'colour'"):
        ruleset_from_data({"pools": {"hunters": {"colour": "red"}}})


def test_the_digest_counts_a_handed_on_lead_as_outbound_and_not_as_a_closer_handoff(
    sqlite_url: str, clock: object
) -> None:
    baton = team(sqlite_url, clock)
    lead_id = say(baton, "pat", "/lead new Umbrella sam@umbrella.co").lead_id
    say(baton, "pat", f"/lead handoff L-{lead_id} qualifier")
    say(baton, "quinn", f"/lead claim L-{lead_id}")
    now = clock()  # type: ignore[operator]
    with baton.relay.read_uow_factory() as uow:
        events = uow.leads.events_for_report(now - timedelta(days=1), now + timedelta(days=1))
    period = Period(now - timedelta(days=1), now + timedelta(days=1), "today")
    report = funnel(events, period, now, {})
    assert (report.inbound, report.outbound) == (0, 1)
    assert (report.claimed, report.handed_to_closers) == (1, 0)
