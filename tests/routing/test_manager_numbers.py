"""The manager's numbers through the relay: costs entered in chat, conversion by source, the open
pipeline, stalled leads and their nudges, time and win rates, and role focus."""

from __future__ import annotations

from decimal import Decimal

import pytest

from routing.chat.digest import digest_view
from routing.chat.digest_numbers import numbers_view
from routing.chat.digest_text import digest_text
from routing.errors import IllegalTransition, InvalidInput, NotAllowed, UsageError
from routing.metrics.numbers import Numbers
from routing.rules import ruleset_from_data
from routing.stages import Stage
from routing.usecases.funnel import Digest
from tests.support.fakes import Desk


def _numbers(desk: Desk, period: str = "week") -> Numbers:
    desk.clock.advance(minutes=1)  # a period so far ends now: what just happened is inside it
    digest = desk.say("maya", f"/funnel {period}").data["digest"]
    assert isinstance(digest, Digest)
    assert digest.numbers is not None
    return digest.numbers


def _week(rules: dict[str, object] | None = None) -> Desk:
    """Monday 23 Nov 2026: alice qualifies, carl closes, pete prospects; four webinar leads, one
    from the intake channel alone, and pete's own lead; two qualified, one won, one with an
    amount."""
    desk = Desk(rules=ruleset_from_data(rules) if rules else None)
    desk.team(qualifier="alice", prospector="pete", closer="carl")
    for i in range(4):
        desk.post(f"Name: P{i}\nEmail: p{i}@acme{i}.io\nCompany: Acme{i}\nSource: Webinar")
    desk.post("Name: Q\nEmail: q@zeta.io\nCompany: Zeta")
    for lead in range(1, 6):
        desk.say("alice", f"/lead claim L-{lead}")
    desk.clock.advance(days=1)
    desk.say("alice", "/lead qualify L-1 budget=20k need=crm")
    desk.say("alice", "/lead qualify L-2 budget=yes")
    desk.say("alice", "/lead handoff L-1")
    desk.say("alice", "/lead handoff L-2")
    desk.say("pete", "/lead new Foo foo@foo.io Fred")
    desk.clock.advance(days=1)
    desk.say("carl", "/lead amount L-2 40k")
    desk.say("carl", "/lead won L-1 30k")
    return desk


# --- entering costs ----------------------------------------------------------------------------


def test_a_manager_enters_spend_for_this_month_by_default_and_lists_it() -> None:
    desk = Desk()
    said = desk.say("maya", "/funnel spend Trade show 2.5k")
    assert "Spend for 'Trade show' in Nov 2026: 2,500" in said.reply
    desk.say("maya", "/funnel spend webinar 1k 2026-10")
    listed = desk.say("maya", "/funnel spend").reply
    assert "Oct 2026 · webinar: 1,000" in listed
    assert "Nov 2026 · Trade show: 2,500" in listed


def test_entering_spend_again_for_a_source_and_month_replaces_it_whatever_the_case() -> None:
    desk = Desk()
    desk.say("maya", "/funnel spend webinar 1k")
    desk.say("maya", "/funnel spend WEBINAR 3k")
    assert desk.say("maya", "/funnel spend").reply.count("3,000") == 1
    assert "1,000" not in desk.say("maya", "/funnel spend").reply


def test_only_managers_enter_spend_and_role_costs() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    with pytest.raises(NotAllowed):
        desk.say("alice", "/funnel spend webinar 1k")
    with pytest.raises(NotAllowed):
        desk.say("alice", "/funnel cost closer 8k/month")


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("/funnel spend webinar", "give the source and the amount"),
        ("/funnel spend webinar lots", "is not an amount"),
        ("/funnel spend webinar 1k 2026-13", "is not a month"),
        ("/funnel cost wizard 5k/month", "is not a role"),
        ("/funnel cost manager 5k/month", "a cost is for a working role"),
        ("/funnel cost closer", "give the role and its cost a month"),
    ],
)
def test_bad_costs_are_refused_with_the_usage(line: str, problem: str) -> None:
    with pytest.raises(UsageError) as refused:
        Desk().say("maya", line)
    assert problem in refused.value.message
    assert "/funnel" in refused.value.usage


def test_a_role_cost_holds_from_its_month_on() -> None:
    desk = Desk()
    said = desk.say("maya", "/funnel cost account manager 7k/month 2026-09")
    assert "costs 7,000 a month from Sep 2026" in said.reply
    assert "account manager: 7,000 a month from Sep 2026" in desk.say("maya", "/funnel cost").reply


# --- costs and conversion by source ---------------------------------------------------------------


def test_cost_per_lead_sql_opportunity_and_won_divide_a_sources_cost() -> None:
    desk = _week()
    desk.say("maya", "/funnel spend webinar 3k")  # November: 720 hours
    desk.clock.advance(hours=15)  # the week so far: Monday 00:00 to Thursday 00:00, 72 hours
    costs = _numbers(desk).costs
    assert costs is not None
    webinar = next(row for row in costs.rows if row.source == "Webinar")
    assert webinar.spend == Decimal("300.07")  # 3,000 × (72 h 1 min) / 720 h
    assert (webinar.flow.leads, webinar.flow.sql, webinar.flow.won) == (4, 2, 1)
    assert webinar.per_lead == Decimal(75)
    assert webinar.per_sql == Decimal(150)
    assert webinar.per_won == Decimal(300)
    assert webinar.returned == pytest.approx(30000 / 300.07)


def test_a_source_without_spend_has_an_unknown_cost_and_the_numbers_say_so() -> None:
    desk = _week()
    numbers = _numbers(desk)
    assert numbers.costs is not None
    webinar = next(row for row in numbers.costs.rows if row.source == "Webinar")
    assert webinar.cost is None
    assert webinar.per_lead is None
    assert "no spend entered for 'Webinar' in Nov 2026" in numbers.costs.unknown
    text = digest_text(digest_view(desk.say("maya", "/funnel week").data["digest"]))  # type: ignore[arg-type]
    assert "Cost unknown: no spend entered for 'Webinar' in Nov 2026" in text


def test_outbound_leads_carry_their_prospectors_time() -> None:
    desk = _week()
    desk.say("maya", "/funnel cost prospector 7.2k/month")
    desk.clock.advance(hours=15)
    costs = _numbers(desk).costs
    assert costs is not None
    pete = next(row for row in costs.rows if row.outbound)
    assert pete.source == "pete"
    assert pete.flow.leads == 1
    assert pete.cost == Decimal("720.17")  # 7,200 × (72 h 1 min) / 720 h, all on his one lead
    assert costs.sides[1].cost == pete.cost
    assert costs.sides[0].cost is None


def test_conversion_by_source_counts_every_step_and_the_days_between() -> None:
    numbers = _numbers(_week())
    by_source = {flow.source: flow for flow in numbers.sources}
    assert set(by_source) == {"Webinar", "#C-intake", "pete"}
    assert by_source["Webinar"].counts == (4, 2, 2, 1)
    assert by_source["Webinar"].days == (1.0, 0.0, 1.0)
    assert numbers.sides[2].counts == (6, 2, 2, 1)
    view = numbers_view(numbers, full=True)
    assert any("Leads (MQL)" in table.header for table in view.tables)


def test_lifecycle_labels_and_stage_probabilities_come_from_the_rules_file() -> None:
    rules = {"lifecycle_labels": {"sql": "SAL"}, "stage_probabilities": {"with_closer": "50%"}}
    numbers = _numbers(_week(rules))
    assert numbers.lifecycle.labels == ("MQL", "SAL", "Opportunity", "Customer")
    assert numbers.pipeline.weighted == Decimal("20000.00")  # L-2: 40k × 50%


# --- the pipeline ------------------------------------------------------------------------------


def test_the_open_pipeline_values_a_deal_by_its_amount_else_by_a_budget_that_is_one() -> None:
    desk = _week()
    desk.say("alice", "/lead qualify L-3 budget=15k")
    desk.say("alice", "/lead handoff L-3")
    pipeline = _numbers(desk).pipeline
    assert pipeline.count == 2
    assert pipeline.value == Decimal(55000)
    assert pipeline.weighted == Decimal("11000.00")  # with a closer: 20%
    assert pipeline.without_value == 0


def test_lead_amount_is_for_the_owner_or_a_manager_and_an_open_deal() -> None:
    desk = _week()
    with pytest.raises(NotAllowed):
        desk.say("alice", "/lead amount L-2 10k")
    with pytest.raises(IllegalTransition):
        desk.say("carl", "/lead amount L-1 10k")  # won already
    assert "L-2's deal amount is 12,000" in desk.say("maya", "/lead amount L-2 12k").reply
    assert desk.lead(2).stage is Stage.WITH_CLOSER


def test_a_stalled_lead_is_listed_by_owner_and_its_owner_nudged_once_per_stall() -> None:
    desk = _week()
    desk.clock.advance(days=14)
    numbers = _numbers(desk, "14d")
    stalled = {(s.lead_id, numbers.name(s.owner_id)) for s in numbers.stalls}
    assert (2, "carl") in stalled
    assert (4, "alice") in stalled
    assert desk.relay.nudge_stalled().data["nudged"] == len(stalled)
    assert desk.relay.nudge_stalled().data["nudged"] == 0
    nudges = [n for n in desk.dms("carl") if "L-2" in n.text and "no update for" in n.text]
    assert len(nudges) == 1
    desk.say("carl", "/lead meeting L-2")  # moving again ends the stall …
    desk.clock.advance(days=14)
    assert desk.relay.nudge_stalled().data["nudged"] >= 1  # … and a new one is a new nudge
    nudges = [n for n in desk.dms("carl") if "L-2" in n.text and "no update for" in n.text]
    assert len(nudges) == 2


# --- time, win rates and focus -------------------------------------------------------------------


def test_win_rate_per_closer_and_the_sales_cycle() -> None:
    desk = _week()
    desk.say("carl", "/lead lost L-2 price")
    numbers = _numbers(desk)
    assert (numbers.win_rate.won, numbers.win_rate.lost, numbers.win_rate.rate) == (1, 1, 0.5)
    assert [(numbers.name(w.rep_id), w.rate) for w in numbers.closer_win_rates] == [("carl", 0.5)]
    assert numbers.cycle_wins == 1
    assert numbers.cycle_median_days == pytest.approx(2.0)


def test_a_prospector_who_qualifies_inbound_leads_is_flagged() -> None:
    desk = _week()
    desk.say("maya", "/rotation add @pete qualifier")
    desk.say("maya", "/lead reassign L-3 @pete")
    desk.say("maya", "/lead reassign L-4 @pete")
    desk.say("pete", "/lead new Bar bar@bar.io Bo")
    desk.say("pete", "/lead new Baz baz@baz.io Bea")
    desk.say("pete", "/lead qualify L-3 budget=5k")
    numbers = _numbers(desk)
    pete = next(f for f in numbers.focus if f.name == "pete")
    assert pete.role == "prospector"
    assert pete.flagged
    assert pete.outside == (("qualifying inbound leads", 1),)
    notes = numbers_view(numbers).notes
    assert any(
        n.startswith("pete: 25% of their work this week was qualifying inbound") for n in notes
    )


def test_the_weekly_digest_has_the_numbers_and_the_daily_one_does_not() -> None:
    desk = _week()
    week = digest_view(desk.say("maya", "/funnel week").data["digest"])  # type: ignore[arg-type]
    day = digest_view(desk.say("maya", "/funnel today").data["digest"])  # type: ignore[arg-type]
    assert week.numbers is not None
    assert day.numbers is None
    assert "The manager's numbers" in digest_text(week)


def test_a_reps_funnel_keeps_only_their_own_rows_of_the_numbers() -> None:
    desk = _week()
    desk.clock.advance(days=14)
    digest = desk.say("carl", "/funnel 14d").data["digest"]
    assert isinstance(digest, Digest)
    assert digest.numbers is not None
    assert {s.owner_id for s in digest.numbers.stalls} == {desk.rep("carl").id}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"stage_probabilities": {"meeting": 1.5}}, "meeting must be between 0 and 1"),
        ({"stage_probabilities": {"won": 0.5}}, "'won' is not an open deal's stage"),
        ({"lifecycle_labels": {"lead": "Lead"}}, "unknown key 'lead'"),
        ({"lifecycle_labels": {"sql": ""}}, "sql must be a word or a few"),
    ],
)
def test_a_rules_file_with_bad_numbers_settings_is_refused_saying_what(
    data: dict[str, object], problem: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        ruleset_from_data(data)
    assert problem in refused.value.message
