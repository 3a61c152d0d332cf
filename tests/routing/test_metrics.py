"""Funnel metrics against numbers worked out by hand for a fixed, hand-written event history.

The team works in Europe/Berlin. The main history spans ISO week 10 (Mon 2 – Sun 8 March 2026)
and week 11 (Mon 9 – Sun 15 March 2026), both in CET (UTC+1), with a few customers from 2025;
the digest runs at Mon 16 March 08:00 local. Reps: Ana and Ben qualify, Cleo closes, Dan manages
accounts, Pia prospects, Max is the manager.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.errors import InvalidInput
from routing.events import EventType, LeadEvent
from routing.metrics import (
    TICK,
    Bottleneck,
    Conversion,
    FunnelReport,
    Period,
    ReasonCount,
    RepRow,
    SourceCost,
    compare,
    funnel,
    percentile,
    period_for,
    previous,
    rotation_tallies,
    rotation_turn,
)
from routing.stages import Stage

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ANA, BEN, CLEO, DAN, PIA, MAX = 1, 2, 3, 4, 5, 9
NAMES = {ANA: "Ana", BEN: "Ben", CLEO: "Cleo", DAN: "Dan", PIA: "Pia", MAX: "Max"}
COSTS = {"website": Decimal("500"), "linkedin": Decimal("300"), "events": Decimal("1000")}


def local(
    day: int,
    hour: int,
    minute: int = 0,
    *,
    month: int = 3,
    year: int = 2026,
    tz: ZoneInfo = BERLIN,
    fold: int = 0,
) -> datetime:
    """A wall-clock time in ``tz``, as the UTC instant storage would hold."""
    return datetime(year, month, day, hour, minute, tzinfo=tz, fold=fold).astimezone(UTC)


def june(day: int, hour: int, minute: int = 0) -> datetime:
    return local(day, hour, minute, month=6, year=2025)


class History:
    """Hand-written events; each one's ``from_stage`` is the stage the previous one left."""

    def __init__(self) -> None:
        self.events: list[LeadEvent] = []
        self._stage: dict[int, Stage] = {}

    def add(
        self,
        lead: int,
        kind: str,
        at: datetime,
        to: str,
        *,
        owner: int | None = None,
        actor: int | None = None,
        **payload: Any,
    ) -> None:
        event = LeadEvent(
            lead,
            EventType(kind),
            at,
            actor,
            self._stage.get(lead),
            Stage(to),
            owner,
            payload,
            id=len(self.events) + 1,
        )
        self.events.append(event)
        self._stage[lead] = Stage(to)

    def inbound(
        self, lead: int, at: datetime, source: str | None, rep: int, claim: datetime
    ) -> None:
        """Posted, given to ``rep`` by the rotation at once, claimed by them at ``claim``."""
        self.add(lead, "created", at, "new", origin="inbound", source=source)
        self.add(lead, "assigned", at, "assigned", owner=rep, how="rotation")
        self.add(lead, "claimed", claim, "working", owner=rep, actor=rep)


def march_history() -> list[LeadEvent]:
    h = History()
    # Old customers. L11: won 2025-09-15 12:00Z, churned 2026-03-11 12:00Z (Wed, week 11).
    h.inbound(11, june(2, 9), "website", BEN, june(2, 9, 4))
    h.add(11, "qualified", june(3, 9), "qualified", owner=BEN, actor=BEN)
    h.add(
        11,
        "handed_off",
        june(3, 10),
        "with_closer",
        owner=CLEO,
        actor=BEN,
        role="closer",
        handed_from=BEN,
    )
    h.add(
        11, "won", local(15, 14, month=9, year=2025), "won", owner=CLEO, actor=CLEO, amount="20000"
    )
    h.add(
        11,
        "handed_off",
        local(16, 9, month=9, year=2025),
        "customer",
        owner=DAN,
        actor=CLEO,
        role="account_manager",
        handed_from=CLEO,
    )
    h.add(11, "churned", local(11, 13), "churned", owner=DAN, actor=DAN, reason="moved to a rival")
    # L12: won 2025-12-01 12:00Z, still a customer.
    h.add(
        12, "won", local(1, 13, month=12, year=2025), "won", owner=CLEO, actor=CLEO, amount="8000"
    )
    h.add(
        12,
        "handed_off",
        local(2, 10, month=12, year=2025),
        "customer",
        owner=DAN,
        actor=CLEO,
        role="account_manager",
        handed_from=CLEO,
    )
    # L13–L16: worked since February, disqualified in week 11.
    for lead, day in ((13, 2), (14, 3), (15, 4), (16, 5)):
        h.inbound(lead, local(day, 9, month=2), "events", ANA, local(day, 9, 30, month=2))

    # Week 10.
    h.inbound(10, local(2, 9), "website", ANA, local(2, 9, 30))  # claimed after 30 min
    h.add(10, "qualified", local(3, 10), "qualified", owner=ANA, actor=ANA, budget="50k")
    h.add(
        10,
        "handed_off",
        local(3, 12),
        "with_closer",
        owner=CLEO,
        actor=ANA,
        role="closer",
        handed_from=ANA,
    )
    h.add(10, "proposal_presented", local(5, 10), "proposal_presented", owner=CLEO, actor=CLEO)
    h.inbound(17, local(3, 9), "website", BEN, local(3, 9, 2))  # claimed after 2 min, still working

    # Week 11.
    h.inbound(1, local(9, 9), "website", ANA, local(9, 9, 3))  # 3 min
    h.add(1, "qualified", local(10, 10), "qualified", owner=ANA, actor=ANA, need="CRM")
    h.add(
        1,
        "handed_off",
        local(10, 11),
        "with_closer",
        owner=CLEO,
        actor=ANA,
        role="closer",
        handed_from=ANA,
    )
    h.add(1, "meeting", local(11, 14), "meeting", owner=CLEO, actor=CLEO)
    h.add(1, "proposal_requested", local(12, 10), "proposal_requested", owner=CLEO, actor=CLEO)
    h.add(1, "proposal_presented", local(13, 10), "proposal_presented", owner=CLEO, actor=CLEO)
    h.add(1, "won", local(13, 16), "won", owner=CLEO, actor=CLEO, amount="30000")
    h.add(
        1,
        "handed_off",
        local(13, 17),
        "customer",
        owner=DAN,
        actor=CLEO,
        role="account_manager",
        handed_from=CLEO,
    )
    h.add(1, "expanded", local(15, 12), "customer", owner=DAN, actor=DAN, amount="2500")

    h.add(2, "created", local(9, 10), "new", origin="inbound", source="website")
    h.add(2, "assigned", local(9, 10), "assigned", owner=BEN, how="rotation")
    h.add(2, "sla_missed", local(9, 10, 30), "new", missed_by=BEN, minutes=30, misses=1)
    h.add(2, "assigned", local(9, 10, 30), "assigned", owner=ANA, how="rotation")
    h.add(2, "claimed", local(9, 10, 40), "working", owner=ANA, actor=ANA)  # 40 min after post
    h.add(2, "qualified", local(11, 9), "qualified", owner=ANA, actor=ANA)
    h.add(
        2,
        "handed_off",
        local(11, 10),
        "with_closer",
        owner=CLEO,
        actor=ANA,
        role="closer",
        handed_from=ANA,
    )
    h.add(2, "won", local(12, 15), "won", owner=CLEO, actor=CLEO, amount="12000")

    h.inbound(3, local(10, 9), "linkedin", BEN, local(10, 9, 10))  # 10 min
    h.add(
        3, "disqualified", local(10, 15), "disqualified", owner=BEN, actor=BEN, reason="No budget"
    )

    h.add(4, "created", local(11, 8), "new", origin="inbound", source="website")
    h.add(4, "assigned", local(11, 8), "assigned", owner=BEN, how="rotation")
    h.add(4, "declined", local(11, 8, 5), "new", actor=BEN)
    h.add(4, "assigned", local(11, 8, 5), "assigned", owner=ANA, how="rotation")
    h.add(4, "claimed", local(11, 10), "working", owner=ANA, actor=ANA)  # 120 min after post
    h.add(
        4, "disqualified", local(11, 16), "disqualified", owner=ANA, actor=ANA, reason="no  budget "
    )

    h.inbound(5, local(12, 9), None, BEN, local(12, 9, 5))  # exactly 5 min
    h.add(5, "qualified", local(13, 9), "qualified", owner=BEN, actor=BEN)
    h.add(
        5,
        "handed_off",
        local(13, 10),
        "with_closer",
        owner=CLEO,
        actor=BEN,
        role="closer",
        handed_from=BEN,
    )
    h.add(5, "lost", local(13, 17), "lost", owner=CLEO, actor=CLEO, reason="Price")

    h.add(6, "created", local(10, 11), "new", actor=PIA, origin="outbound", source="LinkedIn")
    h.add(6, "assigned", local(10, 11), "working", owner=PIA, actor=PIA, how="outbound")
    h.add(6, "qualified", local(12, 11), "qualified", owner=PIA, actor=PIA)
    h.add(
        6,
        "handed_off",
        local(12, 12),
        "with_closer",
        owner=CLEO,
        actor=PIA,
        role="closer",
        handed_from=PIA,
    )
    h.add(6, "meeting", local(13, 11), "meeting", owner=CLEO, actor=CLEO)

    h.add(7, "created", local(15, 22), "new", origin="inbound", source="website")
    h.add(7, "queued", local(15, 22), "new", explanation="nobody is available")

    h.add(8, "unparsed", local(11, 12), "unparsed", origin="inbound", reason="no email")

    h.inbound(9, local(12, 14), "website", ANA, local(12, 14, 20))  # 20 min
    h.add(
        9,
        "reassigned",
        local(13, 9),
        "working",
        owner=BEN,
        actor=MAX,
        reassigned_from=ANA,
        reason="Ana is away",
    )

    for lead, day, hour, reason in (
        (13, 12, 10, "Student"),
        (14, 12, 11, "competitor"),
        (15, 13, 12, "NO BUDGET"),
        (16, 13, 13, "spam"),
    ):
        h.add(
            lead,
            "disqualified",
            local(day, hour),
            "disqualified",
            owner=ANA,
            actor=ANA,
            reason=reason,
        )
    return h.events


EVENTS = march_history()
NOW = local(16, 8)  # Mon 16 March 2026 08:00 CET = 07:00Z
WEEK_11 = period_for("week", NOW, BERLIN, previous_complete=True)
WEEK_10 = previous(WEEK_11, BERLIN)


@pytest.fixture(scope="module")
def week() -> FunnelReport:
    return funnel(EVENTS, WEEK_11, NOW, NAMES, COSTS)


@pytest.fixture(scope="module")
def week_before() -> FunnelReport:
    return funnel(EVENTS, WEEK_10, NOW, NAMES, COSTS)


# --- periods ---------------------------------------------------------------------------------


def test_the_monday_digest_covers_the_whole_previous_iso_week_in_local_time() -> None:
    # Mon 9 Mar 00:00 CET = Sun 8 Mar 23:00Z … Mon 16 Mar 00:00 CET = Sun 15 Mar 23:00Z.
    assert WEEK_11.start == datetime(2026, 3, 8, 23, 0, tzinfo=UTC)
    assert WEEK_11.end == datetime(2026, 3, 15, 23, 0, tzinfo=UTC)
    assert WEEK_11.label == "week 11 of 2026 (9–15 Mar 2026)"
    assert WEEK_11.kind == "week"


def test_the_previous_week_is_the_calendar_week_before() -> None:
    assert WEEK_10.start == datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    assert WEEK_10.end == WEEK_11.start
    assert WEEK_10.label == "week 10 of 2026 (2–8 Mar 2026)"


def test_a_week_so_far_starts_on_monday_and_is_compared_with_the_same_part_of_last_week() -> None:
    now = local(11, 10)  # Wed 11 Mar 10:00 CET
    so_far = period_for("week", now, BERLIN)
    assert (so_far.start, so_far.end) == (local(9, 0), now + TICK)
    assert so_far.label == "week 11 of 2026 until Wed 11 Mar 2026 10:00"
    before = previous(so_far, BERLIN)
    assert (before.start, before.end) == (local(2, 0), local(4, 10) + TICK)
    assert before.label == "week 10 of 2026 until Wed 4 Mar 2026 10:00"


def test_the_first_iso_week_of_a_year_can_start_in_december() -> None:
    week = period_for("week", local(2, 8, month=1, year=2026), BERLIN)
    assert week.start == local(29, 0, month=12, year=2025)
    assert week.label.startswith("week 1 of 2026")
    assert previous(week, BERLIN).label.startswith("week 52 of 2025")


def test_the_daily_digest_covers_the_whole_previous_local_day() -> None:
    day = period_for("day", NOW, BERLIN, previous_complete=True)
    assert (day.start, day.end) == (local(15, 0), local(16, 0))
    assert day.label == "Sun 15 Mar 2026"
    assert previous(day, BERLIN).label == "Sat 14 Mar 2026"


def test_today_runs_from_midnight_to_now_and_compares_with_yesterday_until_the_same_time() -> None:
    today = period_for("today", NOW, BERLIN)
    assert (today.start, today.end) == (local(16, 0), NOW + TICK)
    assert today.label == "Mon 16 Mar 2026 until 08:00"
    yesterday = previous(today, BERLIN)
    assert (yesterday.start, yesterday.end) == (local(15, 0), local(15, 8) + TICK)
    assert yesterday.label == "Sun 15 Mar 2026 until 08:00"


def test_the_local_day_of_the_spring_change_lasts_23_hours() -> None:
    day = period_for("day", local(30, 8), BERLIN, previous_complete=True)  # Sun 29 Mar 2026
    # 00:00 CET (UTC+1) = 28 Mar 23:00Z; the next midnight is CEST (UTC+2) = 29 Mar 22:00Z.
    assert day.start == datetime(2026, 3, 28, 23, 0, tzinfo=UTC)
    assert day.end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)
    assert day.length == timedelta(hours=23)


def test_the_local_day_of_the_autumn_change_lasts_25_hours() -> None:
    day = period_for("day", local(26, 8, month=10), BERLIN, previous_complete=True)
    # 00:00 CEST (UTC+2) = 24 Oct 22:00Z; 26 Oct 00:00 CET (UTC+1) = 25 Oct 23:00Z.
    assert (day.start, day.end) == (
        datetime(2026, 10, 24, 22, tzinfo=UTC),
        datetime(2026, 10, 25, 23, tzinfo=UTC),
    )
    assert day.length == timedelta(hours=25)
    assert day.label == "Sun 25 Oct 2026"


def test_a_complete_month_is_the_calendar_month_whatever_the_clocks_do() -> None:
    march = period_for("month", local(1, 8, month=4), BERLIN, previous_complete=True)
    # 1 Mar 00:00 CET = 28 Feb 23:00Z; 1 Apr 00:00 CEST = 31 Mar 22:00Z: 31 days less an hour.
    assert (march.start, march.end) == (
        datetime(2026, 2, 28, 23, tzinfo=UTC),
        datetime(2026, 3, 31, 22, tzinfo=UTC),
    )
    assert march.length == timedelta(days=31) - timedelta(hours=1)
    assert march.label == "March 2026"
    february = previous(march, BERLIN)
    assert (february.start, february.end) == (datetime(2026, 1, 31, 23, tzinfo=UTC), march.start)
    assert february.label == "February 2026"


def test_a_month_so_far_is_compared_with_the_same_part_of_the_month_before() -> None:
    so_far = period_for("month", local(15, 10), BERLIN)
    assert (so_far.start, so_far.end) == (local(1, 0), local(15, 10) + TICK)
    assert so_far.label == "March 2026 until Sun 15 Mar 2026 10:00"
    before = previous(so_far, BERLIN)
    assert (before.start, before.end) == (local(1, 0, month=2), local(15, 10, month=2) + TICK)


def test_a_month_so_far_past_the_end_of_the_month_before_is_compared_with_all_of_it() -> None:
    so_far = period_for("month", local(31, 10), BERLIN)  # 31 March: February has no 31st
    before = previous(so_far, BERLIN)
    assert (before.start, before.end) == (local(1, 0, month=2), local(1, 0))
    assert before.label == "February 2026"


def test_the_last_n_days_end_now_and_keep_the_local_time_across_a_clock_change() -> None:
    now = local(1, 10, month=4)  # Wed 1 Apr 10:00 CEST = 08:00Z
    week = period_for("days", now, BERLIN, 7)
    # Wed 25 Mar 10:00 CET = 09:00Z: seven local days, 167 hours.
    assert (week.start, week.end) == (datetime(2026, 3, 25, 9, tzinfo=UTC) + TICK, now + TICK)
    assert week.length == timedelta(hours=167)
    assert week.label == "7 days to Wed 1 Apr 2026 10:00"
    before = previous(week, BERLIN)
    assert (before.start, before.end) == (local(18, 10) + TICK, week.start)


def test_the_last_n_complete_days_end_at_local_midnight() -> None:
    days = period_for("days", NOW, BERLIN, 3, previous_complete=True)
    assert (days.start, days.end) == (local(13, 0), local(16, 0))
    assert days.label == "3 days, 13–15 Mar 2026"


@pytest.mark.parametrize("days", [None, 0, -2])
def test_a_number_of_days_below_one_is_refused(days: int | None) -> None:
    with pytest.raises(InvalidInput):
        period_for("days", NOW, BERLIN, days)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        period_for("day", datetime(2026, 3, 16, 8), BERLIN)


# --- the week's funnel -----------------------------------------------------------------------


def test_leads_are_counted_by_origin_and_unparsed_posts_apart(week: FunnelReport) -> None:
    assert week.inbound == 7  # L1, L2, L3, L4, L5, L7, L9 were posted in week 11
    assert week.outbound == 1  # L6, logged by Pia
    assert week.leads == 8  # 7 + 1
    assert week.unparsed == 1  # L8


def test_claims_include_outbound_leads_their_prospector_works_at_once(week: FunnelReport) -> None:
    assert week.claimed == 7  # claims of L1, L2, L3, L4, L5, L9 (6) + L6's outbound start (1)


def test_each_funnel_step_counts_its_events_inside_the_period(week: FunnelReport) -> None:
    assert week.qualified == 4  # L1, L2, L5, L6 (L10 qualified in week 10)
    assert week.disqualified == 6  # L3, L4, L13, L14, L15, L16
    assert week.handed_to_closers == 4  # L1, L2, L5, L6
    assert week.meetings == 2  # L1 Wed, L6 Fri
    assert week.proposals_requested == 1  # L1
    assert week.proposals_presented == 1  # L1 (L10's was in week 10)
    assert week.lost == 1  # L5
    assert week.handed_to_account_managers == 1  # L1 (L11, L12 were handed over in 2025)
    assert week.churned == 1  # L11


def test_won_deals_have_a_count_a_total_and_an_average(week: FunnelReport) -> None:
    assert week.won == 2  # L1, L2
    assert week.won_value == Decimal("42000")  # 30,000 + 12,000
    assert week.average_deal == Decimal("21000.00")  # 42,000 / 2
    assert week.expansion_value == Decimal("2500")  # L1's expansion on Sunday


def test_top_reasons_are_compared_ignoring_case_and_spacing(week: FunnelReport) -> None:
    # "No budget" (L3), "no  budget " (L4) and "NO BUDGET" (L15) are one reason, shown as first
    # written; competitor, spam and Student tie at 1 and are ranked alphabetically, so the top
    # three leave Student out, counted under "other".
    assert week.disqualified_reasons == (
        ReasonCount("No budget", 3),
        ReasonCount("competitor", 1),
        ReasonCount("spam", 1),
        ReasonCount("other", 1),
    )
    assert week.lost_reasons == (ReasonCount("Price", 1),)


def test_conversions_divide_each_step_by_the_one_before(week: FunnelReport) -> None:
    assert week.conversions == (
        Conversion("leads", "claimed", 8, 7, 7 / 8),
        Conversion("claimed", "qualified", 7, 4, 4 / 7),
        Conversion("qualified", "handed to closers", 4, 4, 1.0),
        Conversion("handed to closers", "won", 4, 2, 0.5),
        Conversion("won", "handed to account managers", 2, 1, 0.5),
    )


def test_speed_to_lead_runs_from_post_to_first_claim_for_inbound_leads(week: FunnelReport) -> None:
    speed = week.speed_to_lead
    # Minutes: L1 3, L5 5, L3 10, L9 20, L2 40 (its SLA miss included), L4 120 → n = 6.
    assert speed.claims == 6
    # Median: h = (6 − 1) × 0.5 = 2.5 → 10 + 0.5 × (20 − 10) = 15.
    assert speed.median_minutes == 15.0
    # 90th: h = (6 − 1) × 0.9 = 4.5 → 40 + 0.5 × (120 − 40) = 80.
    assert speed.p90_minutes == 80.0


def test_speed_bands_include_their_upper_bound(week: FunnelReport) -> None:
    bands = week.speed_to_lead.bands
    assert [b.label for b in bands] == ["0–5 min", "5–15 min", "15–60 min", "60+ min"]
    # 0–5: 3 and exactly 5; 5–15: 10; 15–60: 20, 40; 60+: 120.
    assert [b.count for b in bands] == [2, 1, 2, 1]
    assert [b.share for b in bands] == [2 / 6, 1 / 6, 2 / 6, 1 / 6]
    assert week.speed_to_lead.share_within_5_minutes == 2 / 6


def test_sla_misses_and_reassignments(week: FunnelReport) -> None:
    assert week.sla_misses == 1  # L2 was not claimed by Ben in time
    assert week.reassignments == 2  # Max moved L9 (1) + L2 went to Ana after the miss (1)


def test_leads_waiting_for_someone_to_become_available_are_queued(week: FunnelReport) -> None:
    assert week.queued == 1
    assert week.queued_lead_ids == (7,)


def test_the_bottleneck_is_the_stage_where_the_most_lead_time_waits(week: FunnelReport) -> None:
    # Open leads at Mon 16 Mar 08:00 and since when they are in their stage:
    #   new: L7 since Sun 22:00 (10 h); meeting: L6 since Fri 13 11:00 (2 d 21 h);
    #   won: L2 since Thu 12 15:00 (3 d 17 h);
    #   working: L9 since Thu 12 14:20 (3 d 17 h 40 min; Max's reassignment keeps the stage) and
    #            L17 since Tue 3 09:02 (12 d 22 h 58 min) → median 8 d 8 h 19 min;
    #   proposal presented: L10 since Thu 5 10:00 (10 d 22 h).
    # Customers L1 and L12 are not waiting. Open leads × median wait: working 2 × 8 d 8 h 19 min
    # outweighs proposal presented's single lead of 10 d 22 h, whose median alone is longer.
    assert week.bottleneck == Bottleneck(
        stage=Stage.WORKING,
        open_leads=2,
        median_wait=timedelta(days=8, hours=8, minutes=19),
        oldest_lead_id=17,
        oldest_wait=timedelta(days=12, hours=22, minutes=58),
    )


def test_the_bottleneck_reports_the_count_and_the_oldest_of_its_stage() -> None:
    h = History()
    h.inbound(1, local(9, 9), "website", ANA, local(9, 9, 5))
    h.inbound(2, local(10, 9), "website", ANA, local(10, 9, 5))
    h.inbound(3, local(11, 9), "website", BEN, local(11, 9, 5))
    h.add(4, "created", local(15, 9), "new", origin="inbound")
    h.add(4, "assigned", local(15, 9), "assigned", owner=BEN, how="rotation")
    report = funnel(h.events, WEEK_11, NOW, NAMES)
    # working: L1 6 d 22 h 55 min, L2 5 d 22 h 55 min, L3 4 d 22 h 55 min → median 5 d 22 h 55;
    # assigned: L4 23 h.
    assert report.bottleneck == Bottleneck(
        Stage.WORKING,
        3,
        timedelta(days=5, hours=22, minutes=55),
        1,
        timedelta(days=6, hours=22, minutes=55),
    )


def test_customer_tenure_is_the_median_from_won_to_churn_or_now(week: FunnelReport) -> None:
    # Customers during week 11, in hours: L1 won Fri 13 15:00Z → now 16 Mar 07:00Z = 64;
    # L2 Thu 12 14:00Z → now = 89; L12 1 Dec 12:00Z → 1 Mar 12:00Z is 31 + 31 + 28 = 90 d, → now
    # 15 d − 5 h more = 104 d 19 h = 2,515; L11 15 Sep 12:00Z → churned 11 Mar 12:00Z = 177 d.
    # Median (89 + 2,515) / 2 = 1,302 h = 54.25 days; months of 30.436875 days.
    assert week.tenure.customers == 4
    assert week.tenure.median_months == pytest.approx(54.25 / 30.436875)


def test_the_rep_table_counts_what_each_rep_owned_in_the_period(week: FunnelReport) -> None:
    assert week.reps == (
        # Assigned L1, L2 (after Ben's miss), L4 (after Ben declined), L9; claimed all four after
        # 3, 10, 115 and 20 minutes → median (10 + 20) / 2 = 15; qualified L1, L2.
        RepRow(ANA, "Ana", 4, 4, 15.0, 2, Decimal(0)),
        # Assigned L2, L3, L4, L5 and, reassigned by Max, L9; claimed L3 after 10 and L5 after
        # 5 min → 7.5; qualified L5.
        RepRow(BEN, "Ben", 5, 2, 7.5, 1, Decimal(0)),
        # Handed L1, L2, L5 and L6 (assigned to them); won L1 (30,000) and L2 (12,000) as owner.
        RepRow(CLEO, "Cleo", 4, 0, None, 0, Decimal("42000")),
        # The account manager: took on L1, expanded it by 2,500, lost L11 to churn.
        RepRow(
            DAN,
            "Dan",
            0,
            0,
            None,
            0,
            Decimal(0),
            customers_taken_on=1,
            expansion_value=Decimal("2500"),
            churned=1,
        ),
        # Logged and worked L6 at once (no time to claim); qualified it.
        RepRow(PIA, "Pia", 1, 1, None, 1, Decimal(0)),
    )
    assert [
        (r.name, r.sells, r.manages_accounts) for r in week.reps if r.name in {"Ana", "Dan"}
    ] == [
        ("Ana", True, False),
        ("Dan", False, True),
    ]


def test_a_miss_that_kept_the_lead_with_its_rep_is_no_reassignment() -> None:
    h = History()
    h.inbound(1, local(9, 9), "website", ANA, local(9, 9, 30))
    h.events.pop()  # not claimed: the SLA is missed and nobody else is free
    h.add(1, "sla_missed", local(9, 9, 6), "assigned", owner=ANA, missed_by=ANA, kept=True)
    h.add(1, "declined", local(9, 9, 8), "new", actor=ANA)
    h.add(1, "assigned", local(9, 9, 8), "assigned", owner=BEN, how="rotation")
    report = funnel(h.events, WEEK_11, NOW, NAMES)
    assert (report.sla_misses, report.reassignments) == (1, 0)


# --- received vs fair share, skips ---------------------------------------------------------------


def turn(
    h: History,
    lead: int,
    at: datetime,
    chosen: int,
    eligible: dict[int, Any],
    skipped: dict[int, str] | None = None,
) -> None:
    """A rotation turn as the rotation records it on the ``assigned`` event."""
    record = {
        "pool": "qualifier",
        "eligible": {str(rep): weight for rep, weight in eligible.items()},
        "skipped": {str(rep): why for rep, why in (skipped or {}).items()},
    }
    h.add(lead, "created", at, "new", origin="inbound")
    h.add(lead, "assigned", at, "assigned", owner=chosen, how="rotation", rotation=record)


def test_fair_share_sums_each_turns_weight_over_the_eligible_weights() -> None:
    h = History()
    turn(h, 1, local(9, 9), ANA, {ANA: 2, BEN: 1, CLEO: 1})  # 1/2, 1/4, 1/4
    turn(h, 2, local(9, 10), BEN, {ANA: 2, BEN: 1, CLEO: 1})
    turn(h, 3, local(9, 11), ANA, {ANA: 2, BEN: 1}, {CLEO: "away"})  # 2/3, 1/3
    turn(h, 4, local(9, 12), BEN, {BEN: 1}, {ANA: "cap", CLEO: "hours"})
    rows = {r.name: r for r in funnel(h.events, WEEK_11, NOW, NAMES).reps}
    assert rows["Ana"].received == 2
    assert rows["Ana"].fair_share == pytest.approx(0.5 + 0.5 + 2 / 3)
    assert rows["Ben"].received == 2
    assert rows["Ben"].fair_share == pytest.approx(0.25 + 0.25 + 1 / 3 + 1)
    assert (rows["Cleo"].received, rows["Cleo"].fair_share) == (0, pytest.approx(0.5))
    assert rows["Cleo"].skipped == {"away": 1, "hours": 1}
    assert rows["Ana"].skipped == {"cap": 1}
    assert sum(r.fair_share for r in rows.values()) == pytest.approx(4), "one lead per turn"


def test_a_rep_skipped_all_period_still_gets_a_row_to_show_why() -> None:
    h = History()
    turn(h, 1, local(9, 9), ANA, {ANA: 1}, {BEN: "open_limit"})
    turn(h, 2, local(9, 10), ANA, {ANA: 1}, {BEN: "open_limit"})
    rows = {r.name: r for r in funnel(h.events, WEEK_11, NOW, NAMES).reps}
    assert (rows["Ben"].received, rows["Ben"].fair_share) == (0, 0.0)
    assert rows["Ben"].skipped == {"open_limit": 2}
    assert rows["Ben"].sells


def test_assignments_without_a_rotation_record_and_turns_outside_the_period_count_for_nothing() -> (
    None
):
    h = History()
    h.inbound(1, local(9, 9), "website", ANA, local(9, 9, 5))  # no "rotation" key
    turn(h, 2, local(2, 9), BEN, {BEN: 1, ANA: 1})  # week 10
    rows = {r.name: r for r in funnel(h.events, WEEK_11, NOW, NAMES).reps}
    assert (rows["Ana"].received, rows["Ana"].fair_share, rows["Ana"].skipped) == (0, 0.0, {})
    assert "Ben" not in rows


def test_a_malformed_rotation_record_is_read_as_far_as_it_makes_sense() -> None:
    event = LeadEvent(
        1,
        EventType.ASSIGNED,
        local(9, 9),
        None,
        Stage.NEW,
        Stage.ASSIGNED,
        ANA,
        {
            "rotation": {
                "eligible": {"1": "2", "x": 1, "2": -1, "3": "NaN", "4": True},
                "skipped": {"5": "asleep", "2": "cap", "y": "away"},
            }
        },
    )
    parsed = rotation_turn(event)
    assert parsed is not None
    assert (parsed.eligible, parsed.skipped, parsed.chosen) == ({1: 2.0}, {2: "cap"}, ANA)
    assert rotation_turn(replace(event, payload={"rotation": "yes"})) is None
    tallies = rotation_tallies([event], WEEK_11)
    assert (tallies[ANA].received, tallies[ANA].fair_share) == (1, 1.0)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.dictionaries(st.integers(1, 6), st.integers(1, 4), min_size=1, max_size=6),
        min_size=1,
        max_size=20,
    )
)
def test_fair_shares_add_up_to_the_number_of_turns(turns: list[dict[int, int]]) -> None:
    h = History()
    for n, eligible in enumerate(turns):
        turn(h, n + 1, local(9, 9) + timedelta(minutes=n), min(eligible), eligible)
    tallies = rotation_tallies(h.events, WEEK_11)
    assert sum(t.fair_share for t in tallies.values()) == pytest.approx(len(turns))
    assert sum(t.received for t in tallies.values()) == len(turns)


# --- tenure and averages -------------------------------------------------------------------------


def test_tenure_is_measurable_only_once_a_customer_has_been_one_for_a_month() -> None:
    h = History()
    h.add(1, "won", local(9, 9), "won", owner=CLEO, actor=CLEO, amount="100")
    fresh = funnel(h.events, WEEK_11, NOW, NAMES).tenure
    assert fresh.customers == 1
    assert not fresh.measurable
    h.add(2, "won", local(1, 9, month=1), "won", owner=CLEO, actor=CLEO, amount="100")
    seasoned = funnel(h.events, WEEK_11, NOW, NAMES).tenure
    assert seasoned.measurable
    assert seasoned.longest_months is not None
    assert seasoned.longest_months > 2


def test_averages_are_rounded_half_up_to_whole_currency_units() -> None:
    h = History()
    for lead, amount in ((1, "1000"), (2, "1000"), (3, "1001.50")):
        h.add(lead, "won", local(9, 9), "won", owner=CLEO, actor=CLEO, amount=amount)
        h.add(lead + 10, "created", local(9, 9), "new", origin="inbound", source="ads")
    report = funnel(h.events, WEEK_11, NOW, NAMES, {"ads": Decimal("100")})
    assert report.average_deal == Decimal("1001")  # 3,001.50 / 3 = 1,000.50 → 1,001
    assert report.won_value == Decimal("3001.50"), "totals keep their cents"
    assert report.cost_per_lead[0].cost_per_lead == Decimal("33")  # 100 / 3


def test_a_rep_without_a_name_is_shown_by_id() -> None:
    h = History()
    h.inbound(1, local(9, 9), "website", 42, local(9, 9, 5))
    (row,) = funnel(h.events, WEEK_11, NOW, {}).reps
    assert row.name == "rep 42"


def test_cost_per_lead_divides_each_source_cost_by_its_leads(week: FunnelReport) -> None:
    # website: L1, L2, L4, L7, L9; linkedin: L3 and L6 ("LinkedIn"); L5 has no source.
    assert week.cost_per_lead == (
        SourceCost("events", 0, Decimal("1000"), None),  # no leads: nothing to divide by
        SourceCost("linkedin", 2, Decimal("300"), Decimal("150.00")),  # 300 / 2
        SourceCost("website", 5, Decimal("500"), Decimal("100.00")),  # 500 / 5
        SourceCost("unknown", 1, None, None),  # no configured cost
    )


def test_no_source_costs_means_no_cost_table() -> None:
    assert funnel(EVENTS, WEEK_11, NOW, NAMES).cost_per_lead == ()


def test_a_month_counts_every_week_in_it() -> None:
    month = funnel(EVENTS, period_for("month", NOW, BERLIN), NOW, NAMES)
    assert month.inbound == 9  # week 10: L10, L17 (2) + week 11: 7
    assert month.claimed == 9  # week 10: 2 + week 11: 7
    assert month.won_value == Decimal("42000")
    assert month.disqualified == 6


# --- the week before, and the comparison -----------------------------------------------------


def test_the_week_before_has_its_own_figures(week_before: FunnelReport) -> None:
    assert (week_before.inbound, week_before.claimed, week_before.qualified) == (2, 2, 1)
    assert week_before.handed_to_closers == 1  # L10
    assert week_before.proposals_presented == 1  # L10
    assert (week_before.won, week_before.won_value, week_before.average_deal) == (
        0,
        Decimal(0),
        None,
    )
    speed = week_before.speed_to_lead
    # L17 2 min, L10 30 min: median (2 + 30) / 2 = 16; 90th: 2 + 0.9 × (30 − 2) = 27.2.
    assert speed.median_minutes == 16.0
    assert speed.p90_minutes == pytest.approx(27.2)
    assert speed.share_within_5_minutes == 0.5


def test_comparison_gives_absolute_and_percentage_change(
    week: FunnelReport, week_before: FunnelReport
) -> None:
    deltas = {d.key: d for d in compare(week, week_before)}
    inbound = deltas["inbound"]
    assert (inbound.current, inbound.previous, inbound.change) == (7, 2, 5)
    assert inbound.percent == 250.0  # 5 / 2
    proposals = deltas["proposals_presented"]
    assert (proposals.change, proposals.percent) == (0, 0.0)  # 1 then 1
    won = deltas["won"]
    assert (won.change, won.percent) == (2, None)  # from 0: no percentage
    assert deltas["won_value"].change == Decimal("42000")
    assert deltas["average_deal"].change is None  # no deal the week before
    speed = deltas["speed_median"]
    assert (speed.change, speed.percent) == (-1.0, -6.25)  # 15 − 16 = −1; −1 / 16
    assert speed.higher_is_better is False
    within = deltas["within_5_minutes"]
    assert within.change == pytest.approx(2 / 6 - 0.5)  # 33% then 50%
    assert within.percent == pytest.approx(-100 / 3)  # (−1/6) / (1/2)


def test_two_empty_periods_compare_as_no_change() -> None:
    empty = funnel([], WEEK_11, NOW, NAMES)
    for delta in compare(empty, empty):
        assert delta.percent is None
        assert delta.change in (0, None)


# --- empty periods and time zones ------------------------------------------------------------


def test_an_empty_history_gives_zeros_and_no_divisions_by_zero() -> None:
    report = funnel([], WEEK_11, NOW, NAMES, {"website": Decimal("500")})
    counts = [f.name for f in fields(FunnelReport) if f.type == "int"]
    assert counts
    assert all(getattr(report, name) == 0 for name in counts)
    assert report.won_value == report.expansion_value == Decimal(0)
    assert report.average_deal is None
    assert all(c.rate is None for c in report.conversions)
    assert report.speed_to_lead.median_minutes is None
    assert report.speed_to_lead.p90_minutes is None
    assert [(b.count, b.share) for b in report.speed_to_lead.bands] == [(0, None)] * 4
    assert report.disqualified_reasons == report.lost_reasons == ()
    assert (report.tenure.customers, report.tenure.median_months) == (0, None)
    assert report.bottleneck is None
    assert report.reps == ()
    assert report.cost_per_lead == (SourceCost("website", 0, Decimal("500"), None),)


def test_a_quiet_day_counts_nothing_but_still_shows_the_open_leads() -> None:
    saturday = period_for("day", local(8, 8), BERLIN, previous_complete=True)  # Sat 7 Mar
    report = funnel(EVENTS, saturday, NOW, NAMES)
    assert (report.leads, report.claimed, report.won, report.sla_misses) == (0, 0, 0, 0)
    assert all(c.rate is None for c in report.conversions)
    assert report.bottleneck is not None
    assert report.queued == 1  # L7, as of now


def test_an_event_late_in_the_local_evening_belongs_to_that_local_day() -> None:
    h = History()
    # New York is UTC−5 in early March: 23:30 local on Tue 3 Mar is 04:30Z on Wed 4 Mar.
    h.add(1, "created", local(3, 23, 30, tz=NEW_YORK), "new", origin="inbound")
    h.add(2, "created", local(3, 0, 30, tz=NEW_YORK), "new", origin="inbound")  # 05:30Z, 3 Mar
    h.add(3, "created", local(2, 23, 30, tz=NEW_YORK), "new", origin="inbound")  # 04:30Z, 3 Mar
    h.add(4, "created", local(4, 0, 30, tz=NEW_YORK), "new", origin="inbound")  # 05:30Z, 4 Mar
    tuesday = period_for("day", local(4, 8, tz=NEW_YORK), NEW_YORK, previous_complete=True)
    assert tuesday.label == "Tue 3 Mar 2026"
    assert funnel(h.events, tuesday, NOW, NAMES).inbound == 2  # L1 and L2, not L3 or L4


def test_an_event_just_after_local_midnight_belongs_to_the_new_local_day() -> None:
    h = History()
    h.add(1, "created", local(10, 0, 30), "new", origin="inbound")  # 23:30Z on Mon 9 Mar
    monday = period_for("day", local(10, 8), BERLIN, previous_complete=True)
    tuesday = period_for("day", local(11, 8), BERLIN, previous_complete=True)
    assert funnel(h.events, monday, NOW, NAMES).inbound == 0
    assert funnel(h.events, tuesday, NOW, NAMES).inbound == 1


def test_the_25_hour_autumn_day_counts_both_runs_of_the_repeated_hour() -> None:
    h = History()
    h.add(1, "created", local(25, 0, 30, month=10), "new", origin="inbound")  # 24 Oct 22:30Z
    h.add(2, "created", local(25, 2, 30, month=10), "new", origin="inbound")  # CEST, 00:30Z
    h.add(3, "created", local(25, 2, 30, month=10, fold=1), "new", origin="inbound")  # CET 01:30Z
    h.add(4, "created", local(25, 23, 30, month=10), "new", origin="inbound")  # 22:30Z
    h.add(5, "created", local(26, 0, 30, month=10), "new", origin="inbound")  # 25 Oct 23:30Z
    h.add(6, "created", local(24, 23, 30, month=10), "new", origin="inbound")  # 24 Oct 21:30Z
    now = local(26, 8, month=10)
    sunday = period_for("day", now, BERLIN, previous_complete=True)
    assert funnel(h.events, sunday, now, NAMES).inbound == 4  # L1–L4; L5 is Monday, L6 Saturday


def test_speed_to_lead_counts_elapsed_minutes_across_the_spring_gap() -> None:
    h = History()
    # 01:55 CET is 00:55Z; 03:05 CEST is 01:05Z: the clock jumped an hour, 10 minutes passed.
    h.inbound(1, local(29, 1, 55), "website", ANA, local(29, 3, 5))
    now = local(30, 8)
    sunday = period_for("day", now, BERLIN, previous_complete=True)
    speed = funnel(h.events, sunday, now, NAMES).speed_to_lead
    assert speed.median_minutes == 10.0
    assert [b.count for b in speed.bands] == [0, 1, 0, 0]


def test_events_after_now_do_not_change_the_state_of_a_lead() -> None:
    h = History()
    h.add(1, "created", local(9, 9), "new", origin="inbound")
    h.add(1, "queued", local(9, 9), "new")
    h.add(1, "assigned", local(17, 9), "assigned", owner=ANA, how="rotation")  # after NOW
    assert funnel(h.events, WEEK_11, NOW, NAMES).queued_lead_ids == (1,)


# --- percentiles -----------------------------------------------------------------------------


def test_percentiles_interpolate_linearly_between_closest_ranks() -> None:
    values = [120.0, 3.0, 40.0, 10.0, 5.0, 20.0]  # sorted: 3, 5, 10, 20, 40, 120
    assert percentile(values, 0.5) == 15.0  # h = 2.5 → 10 + 0.5 × 10
    assert percentile(values, 0.9) == 80.0  # h = 4.5 → 40 + 0.5 × 80
    assert percentile(values, 0.0) == 3.0
    assert percentile(values, 1.0) == 120.0
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([], 0.5) is None


def test_a_quantile_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        percentile([1.0, 2.0], 90)


@given(st.lists(st.floats(0, 10_000, allow_nan=False), min_size=2, max_size=40))
def test_percentiles_match_the_inclusive_method_of_the_statistics_module(
    values: list[float],
) -> None:
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    assert percentile(values, 0.5) == pytest.approx(statistics.median(values), abs=1e-6)
    assert percentile(values, 0.9) == pytest.approx(deciles[8], abs=1e-6)


# --- properties ------------------------------------------------------------------------------


@given(st.lists(st.integers(0, 24 * 60 * 60), min_size=1, max_size=30))
def test_speed_band_shares_sum_to_one_whenever_there_are_claims(delays: list[int]) -> None:
    h = History()
    for lead, seconds in enumerate(delays, start=1):
        posted = local(10, 9)
        h.inbound(lead, posted, "website", ANA, posted + timedelta(seconds=seconds))
    speed = funnel(h.events, period_for("month", NOW, BERLIN), NOW, NAMES).speed_to_lead
    assert speed.claims == len(delays)
    assert sum(b.count for b in speed.bands) == len(delays)
    assert sum(b.share or 0.0 for b in speed.bands) == pytest.approx(1.0)
    assert speed.median_minutes is not None
    assert speed.p90_minutes is not None
    assert 0 <= speed.median_minutes <= speed.p90_minutes


def _random_events() -> st.SearchStrategy[list[LeadEvent]]:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    payloads = st.fixed_dictionaries(
        {},
        optional={
            "origin": st.sampled_from(["inbound", "outbound"]),
            "how": st.sampled_from(["rotation", "match", "manager", "outbound"]),
            "role": st.sampled_from(["closer", "account_manager"]),
            "amount": st.sampled_from(["1", "12000", "99.95", "oops"]),
            "reason": st.sampled_from(["Price", "price", "", "No budget"]),
            "source": st.sampled_from(["website", "LinkedIn", None]),
        },
    )
    event = st.builds(
        LeadEvent,
        lead_id=st.integers(1, 6),
        type=st.sampled_from(EventType),
        at=st.integers(0, 20 * 24 * 60).map(lambda m: start + timedelta(minutes=m)),
        actor_id=st.none() | st.integers(1, 3),
        from_stage=st.none() | st.sampled_from(Stage),
        to_stage=st.sampled_from(Stage),
        owner_id=st.none() | st.integers(1, 3),
        payload=payloads,
    )
    return st.lists(event, max_size=40)


def _counts(report: FunnelReport) -> Iterator[int]:
    for f in fields(FunnelReport):
        value = getattr(report, f.name)
        if isinstance(value, int):
            yield value
    for row in report.reps:
        yield from (row.assigned, row.claimed, row.qualified)
    yield from (b.count for b in report.speed_to_lead.bands)


@settings(max_examples=150)
@given(_random_events())
def test_funnel_counts_are_never_negative_whatever_the_events(events: list[LeadEvent]) -> None:
    period = Period(datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 15, tzinfo=UTC), "test")
    now = datetime(2026, 3, 18, tzinfo=UTC)
    report = funnel(events, period, now, NAMES, COSTS)
    assert all(count >= 0 for count in _counts(report))
    assert all(c.rate is None or c.rate >= 0 for c in report.conversions)
    shares = [b.share for b in report.speed_to_lead.bands]
    if report.speed_to_lead.claims:
        assert sum(s or 0.0 for s in shares) == pytest.approx(1.0)
    else:
        assert shares == [None] * 4
