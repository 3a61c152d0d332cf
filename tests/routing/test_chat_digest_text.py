"""The digest view as plain text: headline facts, the funnel, speed bands, waits and tables,
each in aligned columns.

Reports are built by hand (an empty report with the figures under test filled in), so these tests
check the layout only; what each figure says is tested in ``test_chat_digest.py`` and the figures
themselves in ``test_metrics.py``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from routing.chat.digest import digest_view
from routing.chat.digest_text import digest_text
from routing.events import EventType, LeadEvent
from routing.metrics import (
    Bottleneck,
    Conversion,
    Delta,
    FunnelReport,
    RepRow,
    SourceCost,
    SpeedBand,
    SpeedToLead,
    Tenure,
    compare,
    funnel,
    period_for,
    previous,
)
from routing.stages import Stage
from routing.usecases.funnel import Digest

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 16, 7, 0, tzinfo=UTC)  # Mon 16 Mar 2026 08:00 CET
WEEK = period_for("week", NOW, BERLIN, previous_complete=True)


def report(**figures: Any) -> FunnelReport:
    return replace(funnel([], WEEK, NOW, {}), **figures)


def render_text(current: FunnelReport, deltas: list[Delta], *, currency: str = "") -> str:
    before = funnel([], previous(WEEK, BERLIN), WEEK.start, {})
    return digest_text(digest_view(Digest(current, before, deltas), currency))


def count_delta(key: str, label: str, current: int, before: int) -> Delta:
    change = current - before
    return Delta(
        key, label, "count", current, before, change, change / before * 100 if before else None
    )


def money_delta(key: str, label: str, current: str, before: str) -> Delta:
    now, then = Decimal(current), Decimal(before)
    return Delta(
        key,
        label,
        "money",
        now,
        then,
        now - then,
        float((now - then) / then * 100) if then else None,
    )


def line_starting(text: str, prefix: str) -> str:
    """The first line that starts with ``prefix`` once indented, without its indentation."""
    return next(line.strip() for line in text.splitlines() if line.lstrip().startswith(prefix))


def test_the_title_names_the_period_and_the_one_it_is_compared_with() -> None:
    lines = render_text(report(), []).splitlines()
    assert lines[:2] == [
        "Funnel digest · week 11 of 2026 (9–15 Mar 2026)",
        "Compared with week 10 of 2026 (2–8 Mar 2026)",
    ]


def test_headline_facts_are_one_a_line_with_their_change_in_brackets() -> None:
    figures = report(won=3, won_value=Decimal("42000"), average_deal=Decimal("14000.00"))
    deltas = [
        count_delta("won", "Won", 3, 2),  # +1, +50%
        money_delta("won_value", "Won value", "42000", "30000"),  # +12,000, +40%
    ]
    lines = render_text(figures, deltas).splitlines()
    start = lines.index("Won             3 (+1, +50%)")
    assert lines[start : start + 3] == [
        "Won             3 (+1, +50%)",
        "Won value       42,000 (+12,000, +40%)",
        "Average deal    14,000",
    ]


def test_falls_and_standstills_are_signed() -> None:
    deltas = [
        count_delta("inbound", "Inbound", 3, 5),
        count_delta("outbound", "Outbound", 2, 2),
        count_delta("lost", "Lost", 1, 0),
    ]
    text = render_text(report(inbound=3, outbound=2, lost=1), deltas)
    # 3 − 5 = −2, −2 / 5 = −40%; 2 − 2 = 0; from 0 there is no percentage.
    assert line_starting(text, "Inbound") == "Inbound leads   3 (-2, -40%)"
    assert line_starting(text, "Outbound") == "Outbound leads  2 (±0)"
    assert line_starting(text, "Lost") == "Lost            1 (+1)"


def test_amounts_have_thousands_separators_and_cents_only_when_there_are_some() -> None:
    text = render_text(report(won_value=Decimal("1234567.5"), expansion_value=Decimal("2500")), [])
    assert line_starting(text, "Won value") == "Won value       1,234,567.50"
    assert line_starting(text, "Expansion 2") == "Expansion 2,500 · churned 0"


def test_a_currency_symbol_is_only_shown_when_asked_for() -> None:
    figures = report(won=1, won_value=Decimal("42000"), average_deal=Decimal("42000"))
    deltas = [money_delta("won_value", "Won value", "42000", "50000")]
    text = render_text(figures, deltas, currency="€")
    assert line_starting(text, "Won value") == "Won value       €42,000 (-€8,000, -16%)"
    assert line_starting(text, "Average deal") == "Average deal    €42,000"
    assert "€" not in render_text(figures, deltas)


def test_the_funnel_shows_each_step_with_its_conversion() -> None:
    conversions = (
        Conversion("leads", "claimed", 8, 7, 7 / 8),
        Conversion("claimed", "qualified", 7, 4, 4 / 7),
        Conversion("qualified", "handed to closers", 4, 0, 0.0),
        Conversion("handed to closers", "won", 0, 1, None),
        Conversion("won", "handed to account managers", 1, 1, 1.0),
    )
    text = render_text(report(inbound=6, outbound=2, conversions=conversions), [])
    lines = text.splitlines()
    start = lines.index("Funnel")
    assert lines[start + 1 : start + 7] == [
        "  Leads                       8",
        "  Claimed                     7  88% of leads",  # 7 / 8 = 87.5%
        "  Qualified                   4  57% of claimed",  # 4 / 7 = 57.1%
        "  Handed to closers           0  0% of qualified",
        "  Won                         1  –",  # nothing handed to closers: no rate
        "  Handed to account managers  1  100% of won",
    ]


def test_speed_to_lead_shows_median_90th_percentile_and_bands() -> None:
    speed = SpeedToLead(
        claims=6,
        median_minutes=15.0,
        p90_minutes=80.0,
        bands=(
            SpeedBand("0–5 min", 0, 5, 2, 2 / 6),
            SpeedBand("5–15 min", 5, 15, 1, 1 / 6),
            SpeedBand("15–60 min", 15, 60, 2, 2 / 6),
            SpeedBand("60+ min", 60, None, 1, 1 / 6),
        ),
    )
    deltas = [
        Delta("speed_median", "Median", "minutes", 15.0, 16.0, -1.0, -6.25, False),
        Delta("within_5_minutes", "Within 5", "share", 2 / 6, 0.5, 2 / 6 - 0.5, None),
    ]
    lines = render_text(report(speed_to_lead=speed), deltas).splitlines()
    start = lines.index("Speed to lead (6 inbound claims)")
    assert lines[start + 1 : start + 8] == [
        "  Median                15 min (-1 min, -6%)",
        "  90th percentile       1 h 20 min",
        "  Claimed within 5 min  33% (-17 pts)",  # 2/6 then 1/2: 16.7 points fewer
        "  0–5 min    2  33%",
        "  5–15 min   1  17%",
        "  15–60 min  2  33%",
        "  60+ min    1  17%",
    ]


def test_the_bottleneck_names_its_stage_count_and_oldest_lead() -> None:
    neck = Bottleneck(
        Stage.PROPOSAL_PRESENTED,
        3,
        timedelta(days=4, hours=2),
        17,
        timedelta(days=12, hours=22, minutes=58),
    )
    text = render_text(report(bottleneck=neck), [])
    assert line_starting(text, "Bottleneck") == (
        "Bottleneck: proposal presented — 3 open leads, median wait 4 d 2 h;"
        " oldest L-17 waiting 12 d 22 h"
    )


def test_the_rep_table_is_aligned_in_columns() -> None:
    reps = (
        RepRow(1, "Ana", 4, 4, 15.0, 2, Decimal(0)),
        RepRow(2, "Bartholomew Featherstonehaugh-Smythe", 12, 10, 7.5, 1, Decimal("1234.5")),
        RepRow(3, "Cleo", 0, 0, None, 0, Decimal("42000")),
    )
    lines = render_text(report(reps=reps), []).splitlines()
    start = lines.index("Reps")
    assert lines[start + 1 : start + 5] == [
        "  Rep                       Assigned  Claimed  Median to claim  Qualified  Won value",
        "  Ana                              4        4           15 min          2          0",
        "  Bartholomew Featherston…        12       10          7.5 min          1   1,234.50",
        "  Cleo                             0        0                –          0     42,000",
    ]


def test_the_rotation_table_shows_received_vs_fair_share_and_skips_by_reason() -> None:
    reps = (
        RepRow(1, "Ana", 5, 5, 3.0, 1, Decimal(0), received=5, fair_share=3.5, skipped={"cap": 2}),
        RepRow(
            2,
            "Ben",
            2,
            2,
            4.0,
            0,
            Decimal(0),
            received=2,
            fair_share=3.5,
            skipped={"away": 3, "open_limit": 1},
        ),
        RepRow(3, "Cleo", 0, 0, None, 0, Decimal("42000")),
    )
    lines = render_text(report(reps=reps), []).splitlines()
    start = lines.index("Rotation: received vs fair share, skips by reason")
    assert lines[start + 1 : start + 4] == [
        "  Rep  Received  Fair share  Away  Hours  Cap  Open limit",
        "  Ana         5         3.5     0      0    2           0",
        "  Ben         2         3.5     3      0    0           1",
    ]
    assert not any(line.startswith("  Cleo ") for line in lines[start:]), "took no turns"


def test_account_managers_get_their_own_rows_for_customers_expansion_and_churn() -> None:
    reps = (
        RepRow(1, "Ana", 4, 4, 15.0, 2, Decimal(0)),
        RepRow(
            4,
            "Dan",
            0,
            0,
            None,
            0,
            Decimal(0),
            customers_taken_on=3,
            expansion_value=Decimal("2500"),
            churned=1,
        ),
    )
    lines = render_text(report(reps=reps), []).splitlines()
    start = lines.index("  Account manager  Customers taken on  Expansion  Churned")
    assert lines[start + 1] == "  Dan                               3      2,500        1"
    sales = lines[lines.index("Reps") + 1 : start]
    assert not any(line.startswith("  Dan") for line in sales), "no empty sales row for Dan"


def test_customer_tenure_shows_once_a_customer_is_a_month_old() -> None:
    young = report(tenure=Tenure(customers=2, median_months=0.2, longest_months=0.3))
    assert "Customer tenure" not in render_text(young, [])
    old = report(tenure=Tenure(customers=3, median_months=4.25, longest_months=9.0))
    assert line_starting(render_text(old, []), "Customer tenure") == (
        "Customer tenure: median 4.2 months over 3 customers"
    )


def test_cost_per_lead_is_listed_only_when_costs_are_configured() -> None:
    assert "Cost per lead" not in render_text(report(), [])
    costs = (
        SourceCost("website", 5, Decimal("500"), Decimal("100.00")),
        SourceCost("unknown", 1, None, None),
    )
    lines = render_text(report(cost_per_lead=costs), []).splitlines()
    start = lines.index("Cost per lead")
    assert lines[start + 1 : start + 4] == [
        "  Source   Leads  Cost  Per lead",
        "  website      5   500       100",
        "  unknown      1     –         –",
    ]


def test_an_empty_period_renders_without_gaps_or_errors() -> None:
    text = render_text(report(), [])
    assert "  No inbound leads were claimed." in text.splitlines()
    assert "Bottleneck: none (no open leads)" in text.splitlines()
    assert "Queue: empty" in text.splitlines()
    assert "Reps: No rep activity." in text.splitlines()
    assert line_starting(text, "Average deal") == "Average deal    –"
    assert line_starting(text, "Disqualified 0") == "Disqualified 0: none"
    assert "Customer tenure" not in text, "nothing to measure yet"
    assert text.endswith("\n")
    assert not any(line != line.rstrip() for line in text.splitlines())


def _event(
    lead: int, kind: str, at: datetime, to: str, owner: int | None = None, **payload: Any
) -> LeadEvent:
    return LeadEvent(lead, EventType(kind), at, owner, None, Stage(to), owner, payload)


@pytest.fixture
def digest() -> str:
    monday = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)  # 09:00 CET
    events = [
        _event(1, "created", monday, "new", origin="inbound", source="website"),
        _event(1, "assigned", monday, "assigned", 1, how="rotation"),
        _event(1, "claimed", monday + timedelta(minutes=4), "working", 1),
        _event(1, "disqualified", monday + timedelta(hours=2), "disqualified", 1, reason="Student"),
        _event(2, "created", monday - timedelta(days=7), "new", origin="inbound"),  # week 10
    ]
    current = funnel(events, WEEK, NOW, {1: "Ana"})
    return render_text(current, compare(current, funnel(events, previous(WEEK, BERLIN), NOW, {})))


def test_a_digest_rendered_from_events_reads_end_to_end(digest: str) -> None:
    # Week 11: one inbound lead (week 10 had one too), claimed after 4 minutes, disqualified.
    assert line_starting(digest, "Inbound") == "Inbound leads   1 (±0)"
    assert line_starting(digest, "Disqualified ") == "Disqualified    1 (+1)"
    assert line_starting(digest, "Disqualified 1:") == "Disqualified 1: Student (1)"
    assert line_starting(digest, "Median") == "Median                4 min"
    assert line_starting(digest, "90th") == "90th percentile       4 min"
    assert line_starting(digest, "Ana") == (
        "Ana         1        1            4 min          0          0"
    )
    # Lead 2, posted Mon 2 Mar 08:00Z and never assigned, has been new for 14 d − 1 h.
    assert line_starting(digest, "Bottleneck") == (
        "Bottleneck: new — 1 open lead, L-2 waiting 13 d 23 h"
    )
