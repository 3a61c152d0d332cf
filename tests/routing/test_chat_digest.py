"""The digest view: what every chat shows of a digest, written once (``routing.chat.digest``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

from routing.chat.digest import Fact, bottleneck, digest_view
from routing.metrics import (
    Bottleneck,
    ReasonCount,
    SpeedBand,
    SpeedToLead,
    Tenure,
)
from routing.stages import Stage
from routing.usecases.funnel import Digest
from tests.support.digests import a_digest, empty_report


def facts(digest: Digest) -> dict[str, str]:
    return {fact.label: fact.shown for fact in digest_view(digest).headline}


def test_the_title_names_the_period_and_the_one_it_is_compared_with() -> None:
    view = digest_view(a_digest())
    assert view.title == "Funnel digest · Sun 22 Nov 2026"
    assert view.compared_with == "Compared with Sat 21 Nov 2026"
    assert view.summary == (
        "Funnel digest · Sun 22 Nov 2026: 40 leads, 30 claimed, 20 qualified, 5 won (42,000)"
    )


def test_the_headline_is_one_list_of_figures_each_with_its_change() -> None:
    view = digest_view(a_digest())
    assert [fact.label for fact in view.headline] == [
        "Inbound leads",
        "Outbound leads",
        "Unparsed posts",
        "Claimed",
        "Qualified",
        "Disqualified",
        "Won",
        "Won value",
        "Average deal",
        "Lost",
        "Expansion",
        "Churned",
        "SLA misses",
        "Reassignments",
    ]
    shown = facts(a_digest())
    assert shown["Inbound leads"] == "36 (+6, +20%)"
    assert shown["Won"] == "5 (+1, +25%)"
    assert shown["Won value"] == "42,000 (+42,000)"  # from 0: no percentage
    assert shown["Unparsed posts"] == "0"  # not compared
    assert shown["Average deal"] == "–"


def test_without_a_previous_period_facts_show_no_change() -> None:
    report = a_digest().report
    view = digest_view(Digest(report, report, []))
    assert view.headline[0] == Fact("Inbound leads", "36", "")
    assert view.headline[0].shown == "36"


def test_a_currency_symbol_is_only_shown_when_asked_for() -> None:
    digest = a_digest(won=1, average_deal=Decimal("42000"))
    assert facts(digest)["Average deal"] == "42,000"
    euros = {fact.label: fact.shown for fact in digest_view(digest, currency="€").headline}
    assert euros["Average deal"] == "€42,000"
    assert euros["Won value"] == "€42,000 (+€42,000)"


def test_the_funnel_rows_show_each_step_its_count_and_conversion() -> None:
    view = digest_view(a_digest())
    rows = [(row.step, row.count, row.conversion) for row in view.funnel]
    assert rows[0] == ("Leads", "40", "")
    assert rows[1] == ("Claimed", "30", "75% of leads")
    assert rows[-1] == ("Handed to account managers", "2", "40% of won")


def test_a_step_after_one_that_counted_nothing_has_no_conversion() -> None:
    digest = a_digest()
    steps = list(digest.report.conversions)
    steps[0] = replace(steps[0], rate=None)
    view = digest_view(replace(digest, report=replace(digest.report, conversions=tuple(steps))))
    assert view.funnel[1].conversion == "–"


def test_the_funnel_notes_have_meetings_proposals_expansion_churn_tenure_and_reasons() -> None:
    digest = a_digest(
        meetings=3,
        proposals_requested=2,
        proposals_presented=1,
        expansion_value=Decimal("2500"),
        churned=1,
        tenure=Tenure(customers=3, median_months=4.25, longest_months=9.0),
        disqualified=4,
        disqualified_reasons=(ReasonCount("Student", 3), ReasonCount("Spam", 1)),
    )
    assert digest_view(digest).notes == (
        "Meetings 3 · proposals requested 2 · presented 1",
        "Expansion 2,500 · churned 1",
        "Customer tenure: median 4.2 months over 3 customers",
        "Disqualified 4: Student (3), Spam (1)",
        "Lost 0: none",
    )


def test_customer_tenure_is_left_out_until_a_customer_is_a_month_old() -> None:
    young = a_digest(tenure=Tenure(customers=2, median_months=0.2, longest_months=0.3))
    assert not any("tenure" in note for note in digest_view(young).notes)


def test_speed_to_lead_has_its_median_90th_percentile_share_within_5_minutes_and_bands() -> None:
    speed = SpeedToLead(
        claims=6,
        median_minutes=15.0,
        p90_minutes=80.0,
        bands=(SpeedBand("0–5 min", 0, 5, 2, 2 / 6), SpeedBand("5+ min", 5, None, 4, 4 / 6)),
    )
    view = digest_view(a_digest(speed_to_lead=speed)).speed
    assert view.title == "Speed to lead (6 inbound claims)"
    assert [(f.label, f.value) for f in view.facts] == [
        ("Median", "15 min"),
        ("90th percentile", "1 h 20 min"),
        ("Claimed within 5 min", "33%"),
    ]
    assert [(b.label, b.count, b.share) for b in view.bands] == [
        ("0–5 min", "2", "33%"),
        ("5+ min", "4", "67%"),
    ]
    assert view.empty is None


def test_a_period_without_claims_says_so_instead_of_speed_figures() -> None:
    view = digest_view(a_digest()).speed
    assert view.title == "Speed to lead (0 inbound claims)"
    assert view.facts == ()
    assert view.empty == "No inbound leads were claimed."


def test_the_bottleneck_names_its_stage_count_median_wait_and_oldest_lead() -> None:
    neck = Bottleneck(
        Stage.PROPOSAL_PRESENTED, 3, timedelta(days=4, hours=2), 17, timedelta(days=12, hours=22)
    )
    assert bottleneck(replace(empty_report(), bottleneck=neck)).sentence == (
        "Bottleneck: proposal presented — 3 open leads, median wait 4 d 2 h;"
        " oldest L-17 waiting 12 d 22 h"
    )
    one = Bottleneck(Stage.NEW, 1, timedelta(minutes=95), 7, timedelta(minutes=95))
    assert bottleneck(replace(empty_report(), bottleneck=one)).text == (
        "new — 1 open lead, L-7 waiting 1 h 35 min"
    )
    assert bottleneck(empty_report()).sentence == "Bottleneck: none (no open leads)"


def test_the_queue_names_its_first_ten_leads_and_counts_the_rest() -> None:
    assert digest_view(a_digest()).queue.sentence == "Queue: empty"
    queued = a_digest(queued=12, queued_lead_ids=tuple(range(1, 13)))
    assert digest_view(queued).queue.text == (
        "12 waiting for someone available"
        " (L-1, L-2, L-3, L-4, L-5, L-6, L-7, L-8, L-9, L-10 and 2 more)"
    )


def test_nobody_doing_anything_is_said_instead_of_empty_tables() -> None:
    view = digest_view(a_digest(reps=()))
    assert view.rep_tables == ()
    assert view.no_reps is not None
    assert view.no_reps.sentence == "Reps: No rep activity."
    assert digest_view(a_digest()).no_reps is None
