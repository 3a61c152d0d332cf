"""Who sees what on the dashboard, the filters' limits, the periods, and spreadsheet cells."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from routing.dashboard.cells import cell, neutralise
from routing.dashboard.filters import LeadFilters, parse_filters
from routing.dashboard.periods import days_between, period_of, trend_weeks
from routing.dashboard.scope import (
    is_theirs,
    may_see_lead,
    scoped_events,
    scoped_filters,
    viewer_for,
)
from routing.errors import InvalidInput, NotAllowed
from routing.events import EventType, LeadEvent
from routing.metrics import TICK, period_for, previous
from routing.stages import Stage
from routing.usecases.digests import last_complete_period

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)
BERLIN = ZoneInfo("Europe/Berlin")
ALICE, BOB = 1, 2


def _event(lead_id: int, owner: int | None, actor: int | None = None) -> LeadEvent:
    return LeadEvent(lead_id, EventType.ASSIGNED, NOW, actor, Stage.NEW, Stage.ASSIGNED, owner, {})


def test_a_rep_filtering_by_another_owner_still_sees_only_their_own_leads() -> None:
    rep = viewer_for(ALICE, "Alice", is_manager=False, in_rotation=True)
    tampered = parse_filters({"owner": str(BOB), "stage": "working"})
    assert scoped_filters(rep, tampered) == LeadFilters(stage=Stage.WORKING, held_by=ALICE)


def test_a_manager_may_filter_by_any_owner_or_none() -> None:
    manager = viewer_for(9, "Maya", is_manager=True, in_rotation=False)
    assert scoped_filters(manager, parse_filters({"owner": "2"})).owner_id == BOB
    assert scoped_filters(manager, parse_filters({})).owner_id is None
    assert scoped_filters(manager, parse_filters({})).held_by is None


def test_a_rep_may_see_a_lead_they_have_owned_even_after_handing_it_on() -> None:
    rep = viewer_for(ALICE, "Alice", is_manager=False, in_rotation=True)
    handed_on = [_event(1, ALICE), _event(1, BOB, actor=ALICE)]
    assert may_see_lead(rep, handed_on)
    assert not may_see_lead(rep, [_event(2, BOB)])
    assert not may_see_lead(rep, [_event(3, None, actor=ALICE)]), "posting a lead is not owning it"


def test_people_in_no_rotation_who_are_not_managers_get_no_dashboard() -> None:
    with pytest.raises(NotAllowed, match="rotation"):
        viewer_for(5, "Olga", is_manager=False, in_rotation=False)


def _at(lead_id: int, kind: EventType, at: datetime, owner: int | None, actor: int | None = None,
        **payload: object) -> LeadEvent:  # fmt: skip
    return LeadEvent(lead_id, kind, at, actor, None, Stage.NEW, owner, payload)


def test_a_reps_figures_count_their_own_events_and_the_arrival_of_leads_that_were_theirs() -> None:
    rep = viewer_for(ALICE, "Alice", is_manager=False, in_rotation=True)
    week = period_for("week", NOW + timedelta(hours=1), ZoneInfo("UTC"))
    events = [
        _at(1, EventType.CREATED, NOW, None, actor=9),
        _at(1, EventType.ASSIGNED, NOW, ALICE),
        _at(1, EventType.SLA_MISSED, NOW, None, missed_by=ALICE),
        _at(1, EventType.ASSIGNED, NOW, BOB),
        _at(1, EventType.CLAIMED, NOW, BOB, actor=BOB),
        _at(2, EventType.CREATED, NOW, None),
        _at(2, EventType.ASSIGNED, NOW, BOB),
        _at(3, EventType.CREATED, NOW, None, actor=ALICE),
    ]
    kept = scoped_events(rep, events, [week])
    assert [(e.lead_id, e.type) for e in kept] == [
        (1, EventType.CREATED),
        (1, EventType.ASSIGNED),
        (1, EventType.SLA_MISSED),
    ], "Bob's claim of a lead Alice missed is Bob's; a lead she only posted is not hers"


def test_a_lead_arrives_in_a_reps_figures_only_for_a_period_it_was_theirs_before_its_end() -> None:
    week = period_for("week", NOW + timedelta(hours=1), ZoneInfo("UTC"))
    created = _at(1, EventType.CREATED, NOW - timedelta(days=7), None)
    before = previous(week, ZoneInfo("UTC"))
    assert before.contains(created.at)
    owned_later = {1: NOW}
    assert not is_theirs(ALICE, created, owned_later, [week, before])
    assert is_theirs(ALICE, created, {1: created.at}, [week, before])
    assert is_theirs(ALICE, created, owned_later, [week]), "a post before the period is history"


@pytest.mark.parametrize(
    "query",
    [
        {"stage": "nope"},
        {"owner": "x"},
        {"owner": "0"},
        {"owner": "²"},
        {"page": "99999999"},
        {"q": "a" * 101},
        {"period": "forever"},
        {"from": "2026-13-01", "to": "2026-12-01"},
        {"from": "2026-11-01"},
    ],
)
def test_filters_out_of_bounds_are_refused_with_a_message(query: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        parse_filters(query)


def test_filters_round_trip_through_their_query_string() -> None:
    filters = parse_filters(
        {"period": "custom", "from": "2026-11-01", "to": "2026-11-07", "q": "acme", "page": "3"}
    )
    again = parse_filters(dict(pair.split("=") for pair in filters.query().split("&")))
    assert again == filters


def test_last_week_is_the_period_the_weekly_digest_reports() -> None:
    digest = last_complete_period("week", NOW, "Europe/Berlin")
    assert period_of("last_week", NOW, BERLIN) == digest
    assert previous(period_of("last_week", NOW, BERLIN), BERLIN).end == digest.start


def test_yesterday_is_the_period_the_daily_digest_reports() -> None:
    assert period_of("yesterday", NOW, BERLIN) == last_complete_period("day", NOW, "Europe/Berlin")


def test_the_presets_are_the_digests_periods() -> None:
    assert period_of("today", NOW, BERLIN) == period_for("today", NOW, BERLIN)
    assert period_of("this_month", NOW, BERLIN) == period_for("month", NOW, BERLIN)
    assert period_of("last_30_days", NOW, BERLIN) == period_for("days", NOW, BERLIN, 30)


def test_a_custom_period_is_whole_local_days_from_first_to_last() -> None:
    period = days_between(date(2026, 3, 28), date(2026, 3, 30), BERLIN)  # DST on the 29th
    assert period.start == datetime(2026, 3, 27, 23, 0, tzinfo=UTC)
    assert period.end == datetime(2026, 3, 30, 22, 0, tzinfo=UTC)
    with pytest.raises(InvalidInput):
        days_between(date(2026, 3, 30), date(2026, 3, 28), BERLIN)


def test_the_trend_is_twelve_consecutive_weeks_ending_now() -> None:
    weeks = trend_weeks(NOW, BERLIN)
    assert len(weeks) == 12
    assert weeks[-1].end == NOW + TICK, "up to and including now"
    assert all(a.end == b.start for a, b in itertools.pairwise(weeks))


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_like_a_formula_is_quoted(start: str) -> None:
    assert neutralise(f'{start}HYPERLINK("http://evil")') == f'\'{start}HYPERLINK("http://evil")'


def test_ordinary_text_numbers_and_empty_cells_are_kept_as_they_are() -> None:
    assert neutralise('Zoë, "Acme" Ltd') == 'Zoë, "Acme" Ltd'
    assert cell(None) == ""
    assert cell(-5) == "-5"
    assert cell("-5") == "'-5"
