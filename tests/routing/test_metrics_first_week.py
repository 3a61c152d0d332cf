"""Figures that disagreed in the first week of real use, each pinned by the rule that fixes it.

Histories are hand-written with ``tests.routing.test_metrics.History``; the team works in
Europe/Berlin, as there.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from routing.metrics import FunnelReport, funnel, period_for
from routing.stages import Stage
from tests.routing.test_metrics import BERLIN, History, local

ANA, BEN, CLEO, DAN, MAX = 1, 2, 3, 4, 9
NAMES = {ANA: "Ana", BEN: "Ben", CLEO: "Cleo", DAN: "Dan", MAX: "Max"}


def _customer(h: History, lead: int, at: int) -> None:
    """A lead posted at ``at`` o'clock, qualified, won and handed to Dan within the hour."""
    h.inbound(lead, local(16, at), "website", ANA, local(16, at, 2))
    h.add(lead, "qualified", local(16, at, 10), "qualified", owner=ANA, actor=ANA)
    h.add(lead, "handed_off", local(16, at, 11), "with_closer", owner=CLEO, actor=ANA,
          role="closer")  # fmt: skip
    h.add(lead, "won", local(16, at, 20), "won", owner=CLEO, actor=CLEO, amount="24000")
    h.add(lead, "handed_off", local(16, at, 21), "customer", owner=DAN, actor=CLEO,
          role="account_manager")  # fmt: skip


def _disqualified(reasons: list[str]) -> FunnelReport:
    """Today's report after one lead disqualified for each of ``reasons``."""
    h = History()
    for lead, reason in enumerate(reasons, start=1):
        h.inbound(lead, local(16, 9), "website", ANA, local(16, 9, 1))
        h.add(lead, "disqualified", local(16, 10), "disqualified", owner=ANA, actor=ANA,
              reason=reason)  # fmt: skip
    now = local(16, 18)
    return funnel(h.events, period_for("today", now, BERLIN), now, NAMES)


def test_funnel_today_counts_what_was_logged_at_the_very_moment_it_is_asked() -> None:
    """`/lead expand L-41 5k` at 18:11, then `/funnel today` at 18:11: the expansion is in."""
    now = local(16, 18, 11)
    h = History()
    _customer(h, 1, 9)
    h.add(1, "expanded", local(16, 17), "customer", owner=DAN, actor=DAN, amount="20000")
    h.add(1, "expanded", now, "customer", owner=DAN, actor=DAN, amount="5000")
    today = period_for("today", now, BERLIN)
    assert today.label == "Mon 16 Mar 2026 until 18:11"
    report = funnel(h.events, today, now, NAMES)
    assert report.expansion_value == Decimal("25000")
    week = funnel(h.events, period_for("week", now, BERLIN), now, NAMES)
    assert week.expansion_value == report.expansion_value


def test_every_period_until_now_includes_now_and_labels_the_minute_it_was_asked() -> None:
    now = local(16, 18, 11)
    for kind in ("today", "week", "month"):
        period = period_for(kind, now, BERLIN)  # type: ignore[arg-type]
        assert period.contains(now), kind
        assert period.label.endswith("18:11"), period.label
    days = period_for("days", now, BERLIN, 7)
    assert days.contains(now)
    assert days.label == "7 days to Mon 16 Mar 2026 18:11"
    assert not period_for("day", now, BERLIN, previous_complete=True).contains(now)


def test_disqualified_reasons_beyond_the_top_three_add_up_under_other() -> None:
    """17 disqualified with five reasons: the three commonest, then "other (5)"."""
    reasons = ["wrong region"] * 5 + ["student"] * 4 + ["too small"] * 3 + ["spam"] * 3
    report = _disqualified([*reasons, "no budget", "no budget"])
    shown = [(r.reason, r.count) for r in report.disqualified_reasons]
    assert shown == [("wrong region", 5), ("student", 4), ("spam", 3), ("other", 5)]
    assert sum(count for _, count in shown) == report.disqualified == 17


def test_a_reason_written_other_takes_in_the_rest_rather_than_appearing_twice() -> None:
    report = _disqualified(["Other"] * 3 + ["price"] * 2 + ["late", "odd", "x"])
    shown = [(r.reason, r.count) for r in report.disqualified_reasons]
    assert shown == [("Other", 5), ("price", 2), ("late", 1)]
    assert sum(count for _, count in shown) == 8


def test_a_closer_is_assigned_the_leads_handed_to_them() -> None:
    """The Reps table said "dave: Assigned 0" for a closer who received 12 leads."""
    h = History()
    for lead in range(1, 4):
        _customer(h, lead, 8 + lead)
    now = local(16, 18)
    rows = {r.name: r for r in funnel(h.events, period_for("today", now, BERLIN), now, NAMES).reps}
    assert (rows["Ana"].assigned, rows["Cleo"].assigned) == (3, 3)
    assert rows["Dan"].assigned == 0, "a customer handed over is counted as taken on"
    assert rows["Dan"].customers_taken_on == 3
    assert rows["Cleo"].claimed == 0


def test_a_manager_reassigning_a_lead_counts_as_an_assignment_to_the_new_owner() -> None:
    h = History()
    h.inbound(1, local(16, 9), "website", ANA, local(16, 9, 2))
    h.add(1, "reassigned", local(16, 10), "working", owner=BEN, actor=MAX, reassigned_from=ANA)
    now = local(16, 18)
    rows = {r.name: r for r in funnel(h.events, period_for("today", now, BERLIN), now, NAMES).reps}
    assert (rows["Ana"].assigned, rows["Ben"].assigned) == (1, 1)


def test_a_rep_claiming_the_same_lead_twice_counts_one_lead_claimed_as_the_funnel_does() -> None:
    h = History()
    h.inbound(1, local(16, 9), "website", ANA, local(16, 9, 2))
    h.add(1, "declined", local(16, 9, 5), "new", actor=ANA)
    h.add(1, "assigned", local(16, 9, 6), "assigned", owner=ANA, how="rotation")
    h.add(1, "claimed", local(16, 9, 7), "working", owner=ANA, actor=ANA)
    now = local(16, 18)
    report = funnel(h.events, period_for("today", now, BERLIN), now, NAMES)
    assert report.claimed == 1
    assert [r.claimed for r in report.reps] == [1]


def test_the_bottleneck_is_where_the_most_lead_time_waits_not_two_old_leads() -> None:
    """200 leads unclaimed for a day outweigh 2 leads worked for a week."""
    h = History()
    now = local(16, 18)
    for lead in (1, 2):
        h.inbound(lead, now - timedelta(days=7), "website", ANA, now - timedelta(days=7))
    for lead in range(3, 203):
        h.add(lead, "created", now - timedelta(days=1), "new", origin="inbound")
        h.add(lead, "assigned", now - timedelta(days=1), "assigned", owner=BEN, how="import")
    report = funnel(h.events, period_for("today", now, BERLIN), now, NAMES)
    assert report.bottleneck is not None
    assert (report.bottleneck.stage, report.bottleneck.open_leads) == (Stage.ASSIGNED, 200)


def test_one_forgotten_lead_still_outweighs_a_handful_of_fresh_ones() -> None:
    h = History()
    now = local(16, 18)
    h.inbound(1, now - timedelta(days=30), "website", ANA, now - timedelta(days=30))
    for lead in range(2, 6):
        h.add(lead, "created", now - timedelta(hours=2), "new", origin="inbound")
        h.add(lead, "assigned", now - timedelta(hours=2), "assigned", owner=BEN, how="rotation")
    report = funnel(h.events, period_for("today", now, BERLIN), now, NAMES)
    assert report.bottleneck is not None
    assert report.bottleneck.stage is Stage.WORKING
