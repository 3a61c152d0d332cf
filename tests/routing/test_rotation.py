"""Rotation within one pool: the pick, availability, and the words for it (examples).

The fairness properties under churn are in ``test_rotation_properties.py``.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise

import pytest

from routing.errors import InvalidInput
from routing.rotation import (
    SCALE,
    Candidate,
    Pick,
    WorkingHours,
    local_midnight,
    pick,
    returning_credit,
    unavailable_reason,
)

NOW = datetime(2025, 11, 19, 12, 0, tzinfo=UTC)  # a Wednesday
NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi")
OFFICE = WorkingHours(start=time(9, 0), end=time(17, 30), days=frozenset(range(5)))
NIGHTS = WorkingHours(start=time(22, 0), end=time(6, 0), days=frozenset(range(5)))


def rep(
    rep_id: int,
    *,
    weight: int = 1,
    credit: float = 0,
    tz: str = "UTC",
    away_until: datetime | None = None,
    hours: WorkingHours | None = None,
    cap: int | None = None,
    received_today: int | None = None,
    last_assigned_at: datetime | None = None,
) -> Candidate:
    """A candidate; ``credit`` in leads."""
    return Candidate(
        rep_id=rep_id,
        name=NAMES[rep_id - 1],
        weight=weight,
        credit=round(credit * SCALE),
        position=rep_id,
        timezone=tz,
        away_until=away_until,
        hours=hours,
        cap=cap,
        received_today=received_today,
        last_assigned_at=last_assigned_at,
    )


def settle(pool: Sequence[Candidate], result: Pick, now: datetime = NOW) -> list[Candidate]:
    """What storage does after a pick: write the rotation's new state back."""
    return [
        replace(
            c,
            credit=result.credits[c.rep_id],
            seated=result.seated[c.rep_id],
            held=result.held[c.rep_id],
            last_assigned_at=now if result.chosen == c else c.last_assigned_at,
        )
        for c in pool
    ]


def run(
    pool: Sequence[Candidate], picks: int, now: datetime = NOW
) -> tuple[list[str], list[Candidate]]:
    names: list[str] = []
    members = list(pool)
    for n in range(picks):
        result = pick(members, now)
        assert result.chosen is not None
        names.append(result.chosen.name)
        members = settle(members, result, now + timedelta(seconds=n))
    return names, members


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- weights ----------------------------------------------------------------------------------


def test_equal_weights_take_strict_turns_in_position_order() -> None:
    names, _ = run([rep(1), rep(2), rep(3)], 7)
    assert names == ["alice", "bob", "carol", "alice", "bob", "carol", "alice"]


def test_a_weight_two_rep_gets_every_other_lead_and_never_two_in_a_row() -> None:
    names, _ = run([rep(1, weight=2), rep(2), rep(3)], 8)
    assert names == ["alice", "bob", "alice", "carol"] * 2


def test_a_weight_two_rep_never_gets_two_in_a_row_from_any_phase() -> None:
    pool = [rep(1, weight=2, credit=0.25), rep(2), rep(3, credit=-0.25)]
    names, _ = run(pool, 40)
    assert all(a != b for a, b in pairwise(names) if a == "alice")


@pytest.mark.parametrize("weights", [(2, 1, 1), (3, 2, 1, 1, 1), (2, 2, 1, 1), (4, 1, 1, 1, 1)])
def test_a_rep_with_at_most_half_the_weight_never_gets_two_in_a_row(
    weights: tuple[int, ...],
) -> None:
    names, _ = run([rep(i, weight=w) for i, w in enumerate(weights, start=1)], 200)
    assert all(a != b for a, b in pairwise(names))


@pytest.mark.parametrize("weights", [(2, 1, 1), (3, 2, 1), (5, 1, 1), (1, 1, 1, 1, 4), (7, 3)])
def test_over_many_picks_each_rep_stays_within_one_lead_of_their_weighted_share(
    weights: tuple[int, ...],
) -> None:
    pool = [rep(i, weight=w) for i, w in enumerate(weights, start=1)]
    total = sum(weights)
    counts: Counter[str] = Counter()
    members = list(pool)
    for n in range(1, 501):
        result = pick(members, NOW)
        assert result.chosen is not None
        counts[result.chosen.name] += 1
        members = settle(members, result)
        for c in pool:
            assert abs(counts[c.name] - n * c.weight / total) <= 1


def test_a_tie_between_reps_never_assigned_goes_to_the_lower_position() -> None:
    late_but_low = replace(rep(2), position=0)
    result = pick([rep(1), late_but_low], NOW)
    assert result.chosen == late_but_low


def test_a_tie_goes_to_whoever_was_assigned_least_recently_not_to_pool_position() -> None:
    alice = rep(1, last_assigned_at=NOW - timedelta(minutes=1))
    bob = rep(2, last_assigned_at=NOW - timedelta(hours=3))
    assert pick([alice, bob], NOW).chosen == bob
    assert pick([replace(alice, last_assigned_at=None), bob], NOW).chosen.name == "alice"  # type: ignore[union-attr]


def test_the_same_pool_and_time_always_give_the_same_pick_in_any_input_order() -> None:
    pool = [rep(1, weight=2, credit=0.5), rep(2, credit=-0.25), rep(3, weight=3, credit=-0.25)]
    shuffled = list(pool)
    random.Random(4).shuffle(shuffled)
    assert pick(pool, NOW) == pick(pool, NOW) == pick(shuffled, NOW)


def test_everyone_available_earns_their_share_of_the_lead_and_the_winner_pays_one_lead() -> None:
    result = pick([rep(1, weight=2), rep(2), rep(3)], NOW)
    assert dict(result.credits) == {1: SCALE // 2 - SCALE, 2: SCALE // 4, 3: SCALE // 4}


def test_shares_of_a_lead_add_up_to_exactly_one_lead_whatever_the_weights() -> None:
    result = pick([rep(1), rep(2), rep(3, weight=4)], NOW)
    assert sum(result.credits.values()) == 0


def test_skipped_reps_keep_their_credit_and_the_sum_of_credits_never_changes() -> None:
    away = rep(2, credit=0.5, away_until=NOW + timedelta(days=1))
    pool = [rep(1, credit=-0.25), away, rep(3, weight=2, credit=-0.25)]
    result = pick(pool, NOW)
    assert result.credits[2] == SCALE // 2
    assert sum(result.credits.values()) == sum(c.credit for c in pool)


def test_the_turn_records_who_could_take_it_with_their_weight_and_why_the_others_could_not() -> (
    None
):
    pool = [
        rep(1, weight=2),
        rep(2, away_until=NOW + timedelta(days=1)),
        rep(3, cap=1, received_today=1),
    ]
    assert pick(pool, NOW).record("qualifier") == {
        "pool": "qualifier",
        "eligible": {"1": 2},
        "skipped": {"2": "away", "3": "cap"},
    }


# --- away -------------------------------------------------------------------------------------


def test_an_away_rep_is_skipped_with_the_return_day_in_their_own_timezone() -> None:
    berlin_midnight = at("2025-11-23T23:00:00")  # Mon 24 Nov 00:00 in Berlin
    bob = rep(2, tz="Europe/Berlin", away_until=berlin_midnight)
    result = pick([rep(1), bob], NOW)
    assert result.chosen is not None
    assert result.chosen.name == "alice"
    assert result.skipped == (("bob", "away until Mon 24 Nov"),)


def test_an_away_reason_shows_the_time_when_the_rep_is_back_during_the_day() -> None:
    bob = rep(2, tz="Europe/Berlin", away_until=at("2025-11-24T13:00:00"))
    assert unavailable_reason(bob, NOW) == "away until Mon 24 Nov 14:00"


def test_an_away_reason_names_the_year_when_it_is_another_year() -> None:
    bob = rep(2, away_until=at("2026-01-05T00:00:00"))
    assert unavailable_reason(bob, NOW) == "away until Mon 5 Jan 2026"


def test_a_rep_is_back_in_the_rotation_the_moment_away_until_passes() -> None:
    bob = rep(2, away_until=NOW)
    assert unavailable_reason(bob, NOW) is None
    assert unavailable_reason(bob, NOW - timedelta(seconds=1)) == "away until Wed 19 Nov 12:00"


def test_a_naive_away_until_from_the_database_is_read_as_utc() -> None:
    bob = rep(2, away_until=datetime(2025, 11, 24, 0, 0))
    assert unavailable_reason(bob, NOW) == "away until Mon 24 Nov"


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "Europe", "../etc/passwd"])
def test_an_unknown_timezone_is_treated_as_utc(tz: str) -> None:
    bob = rep(2, tz=tz, hours=OFFICE)
    late = at("2025-11-19T18:00:00")
    assert unavailable_reason(bob, late) == "outside working hours (09:00–17:30 Mon–Fri, UTC)"


# --- working hours ----------------------------------------------------------------------------


def test_working_hours_are_read_on_the_reps_own_clock() -> None:
    bob = rep(2, tz="Europe/Berlin", hours=OFFICE)
    assert unavailable_reason(bob, at("2025-11-19T07:30:00")) == (
        "outside working hours (09:00–17:30 Mon–Fri, Europe/Berlin)"
    )
    assert unavailable_reason(bob, at("2025-11-19T08:00:00")) is None  # 09:00 in Berlin
    assert unavailable_reason(bob, at("2025-11-19T16:29:00")) is None
    assert unavailable_reason(bob, at("2025-11-19T16:30:00")) is not None  # 17:30: shift over


def test_a_rep_outside_hours_is_skipped_while_a_colleague_elsewhere_gets_the_lead() -> None:
    berlin = rep(1, tz="Europe/Berlin", hours=OFFICE)
    new_york = rep(2, tz="America/New_York", hours=OFFICE)
    result = pick([berlin, new_york], at("2025-11-19T19:00:00"))  # 20:00 Berlin, 14:00 NY
    assert result.chosen == new_york
    assert result.skipped == (
        ("alice", "outside working hours (09:00–17:30 Mon–Fri, Europe/Berlin)"),
    )


def test_working_days_leave_out_the_weekend() -> None:
    bob = rep(2, hours=OFFICE)
    assert unavailable_reason(bob, at("2025-11-22T12:00:00")) is not None  # Saturday
    assert unavailable_reason(bob, at("2025-11-24T12:00:00")) is None  # Monday


@pytest.mark.parametrize(
    ("moment", "working"),
    [
        ("2025-11-21T23:00:00", True),  # Friday night, after the Friday shift starts
        ("2025-11-22T02:00:00", True),  # Saturday small hours: still Friday's shift
        ("2025-11-22T06:00:00", False),  # the shift is over
        ("2025-11-22T23:00:00", False),  # no shift starts on Saturday
        ("2025-11-24T02:00:00", False),  # Monday small hours belong to Sunday: no shift
        ("2025-11-24T22:00:00", True),  # Monday's shift starts
        ("2025-11-24T12:00:00", False),  # daytime
    ],
)
def test_a_night_shift_covers_the_small_hours_after_the_day_it_starts(
    moment: str, working: bool
) -> None:
    assert NIGHTS.contains(at(moment)) is working


def test_a_night_shift_reads_well_in_the_reason() -> None:
    bob = rep(2, hours=NIGHTS)
    assert unavailable_reason(bob, NOW) == "outside working hours (22:00–06:00 Mon–Fri, UTC)"


def test_working_hours_keep_to_the_wall_clock_across_a_daylight_saving_change() -> None:
    """Berlin moves to summer time on Sun 30 Mar 2025: 07:30 UTC is 08:30 before, 09:30 after."""
    bob = rep(2, tz="Europe/Berlin", hours=OFFICE)
    assert unavailable_reason(bob, at("2025-03-28T07:30:00")) is not None
    assert unavailable_reason(bob, at("2025-03-31T07:30:00")) is None
    assert unavailable_reason(bob, at("2025-03-31T06:59:00")) is not None


def test_equal_start_and_end_mean_round_the_clock_on_those_days() -> None:
    always = WorkingHours(start=time(0, 0), end=time(0, 0), days=frozenset({0, 1, 2, 3, 4}))
    assert always.contains(datetime(2025, 11, 19, 3, 0))
    assert not always.contains(datetime(2025, 11, 22, 3, 0))
    assert always.describe() == "all day Mon–Fri"


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ({0, 1, 2, 3, 4}, "Mon–Fri"),
        ({0, 2, 4}, "Mon, Wed, Fri"),
        ({5, 6, 0}, "Sat–Mon"),
        ({5, 6}, "Sat, Sun"),
        ({0, 1, 2, 4, 5}, "Mon–Wed, Fri, Sat"),
        (set(range(7)), "every day"),
    ],
)
def test_working_days_are_described_the_way_people_write_them(days: set[int], text: str) -> None:
    assert WorkingHours(time(9), time(17), frozenset(days)).describe() == f"09:00–17:00 {text}"


def test_working_days_outside_monday_to_sunday_are_refused() -> None:
    with pytest.raises(InvalidInput, match="0 \\(Monday\\) to 6 \\(Sunday\\)"):
        WorkingHours(time(9), time(17), frozenset({7}))


# --- caps -------------------------------------------------------------------------------------


def test_a_rep_at_their_daily_cap_is_skipped() -> None:
    carol = rep(3, cap=20, received_today=20)
    assert unavailable_reason(carol, NOW) == "at daily cap 20/20"
    assert unavailable_reason(replace(carol, received_today=19), NOW) is None


def test_the_new_day_for_a_cap_starts_at_the_reps_local_midnight() -> None:
    late_evening = at("2025-11-19T23:30:00")  # already Thursday in Berlin, still Wednesday in UTC
    assert local_midnight("UTC", late_evening) == at("2025-11-19T00:00:00")
    assert local_midnight("Europe/Berlin", late_evening) == at("2025-11-19T23:00:00")


def test_a_rep_holding_max_open_leads_is_skipped_and_told_why() -> None:
    dave = replace(rep(4), max_open=12, open_leads=12)
    assert unavailable_reason(dave, NOW) == "12 open leads (limit 12)"
    assert unavailable_reason(replace(dave, open_leads=11), NOW) is None
    assert pick([dave, rep(1)], NOW).explanation("qualifier") == (
        "alice is next in the qualifier rotation (weight 1). Skipped: dave: 12 open leads "
        "(limit 12)."
    )


def test_being_away_is_the_reason_given_before_hours_and_cap() -> None:
    bob = rep(
        2,
        away_until=NOW + timedelta(hours=1),
        hours=NIGHTS,
        cap=1,
        received_today=1,
    )
    assert unavailable_reason(bob, NOW) == "away until Wed 19 Nov 13:00"


# --- the queue --------------------------------------------------------------------------------


def test_when_nobody_is_available_nobody_is_chosen_and_the_lead_waits_in_the_queue() -> None:
    bob = rep(2, credit=0.5, away_until=at("2025-11-24T00:00:00"))
    carol = rep(3, credit=-0.5, cap=20, received_today=20)
    result = pick([bob, carol], NOW)
    assert result.chosen is None
    assert dict(result.credits) == {2: SCALE // 2, 3: -SCALE // 2}
    assert result.explanation("qualifier") == (
        "Nobody in the qualifier rotation is available (bob: away until Mon 24 Nov; "
        "carol: at daily cap 20/20); the lead waits in the queue and goes to the first rep "
        "who becomes available."
    )


def test_an_empty_pool_says_that_nobody_is_in_the_rotation() -> None:
    assert pick([], NOW).explanation("closer") == (
        "Nobody is in the closer rotation; the lead waits in the queue until someone joins."
    )


# --- coming back ------------------------------------------------------------------------------


def test_a_rep_back_from_sitting_turns_out_while_behind_starts_level() -> None:
    back = replace(rep(3, credit=0.8), seated=False)
    assert returning_credit(back) == 0


def test_a_rep_back_while_ahead_keeps_their_place() -> None:
    back = replace(rep(3, credit=-0.6), seated=False)
    assert returning_credit(back) == round(-0.6 * SCALE)


def test_a_rep_who_took_the_last_turn_keeps_their_credit_whatever_it_is() -> None:
    assert returning_credit(rep(3, credit=0.8)) == round(0.8 * SCALE)


def test_credit_a_manager_granted_survives_an_absence() -> None:
    back = replace(rep(3, credit=2.3), seated=False, held=2 * SCALE)
    assert returning_credit(back) == 2 * SCALE


def test_a_rep_returning_after_fifty_picks_is_not_given_several_leads_in_a_row() -> None:
    """carol sat out fifty turns owed most of a lead; back, she fits in."""
    carol_away = rep(3, credit=0.9, away_until=NOW + timedelta(days=7))
    _, members = run([rep(1), rep(2), carol_away], 50)
    carol_back = [replace(m, away_until=None) for m in members]
    names, _ = run(carol_back, 6)
    assert Counter(names) == {"alice": 2, "bob": 2, "carol": 2}
    assert all(a != b for a, b in pairwise(names))


def test_equal_weights_keep_alternating_when_heavy_reps_leave_mid_rotation() -> None:
    """Weights a1 b3 c1 d4: 3 leads, b away, 2 leads, d away — then a and c alternate."""
    pool = [rep(1), rep(2, weight=3), rep(3), rep(4, weight=4)]
    _, pool = run(pool, 3)
    pool[1] = replace(pool[1], away_until=NOW + timedelta(days=1))
    _, pool = run(pool, 2)
    pool[3] = replace(pool[3], away_until=NOW + timedelta(days=1))
    rest, _ = run(pool, 8)
    assert set(rest) == {"alice", "carol"}
    assert all(a != b for a, b in pairwise(rest))


# --- explanations -----------------------------------------------------------------------------


def test_the_explanation_names_the_rep_their_weight_and_everyone_skipped_with_why() -> None:
    pool = [
        rep(1, weight=2),
        rep(2, tz="Europe/Berlin", away_until=at("2025-11-23T23:00:00")),
        rep(3, cap=20, received_today=20),
    ]
    assert pick(pool, NOW).explanation("qualifier") == (
        "alice is next in the qualifier rotation (weight 2). "
        "Skipped: bob: away until Mon 24 Nov; carol: at daily cap 20/20."
    )


def test_the_explanation_is_one_sentence_when_nobody_was_skipped() -> None:
    assert pick([rep(1), rep(2)], NOW).explanation("account_manager") == (
        "alice is next in the account manager rotation (weight 1)."
    )


def test_skipped_reps_are_listed_in_pool_order() -> None:
    tomorrow = NOW + timedelta(days=1)
    pool = [rep(3, away_until=tomorrow), rep(1), rep(2, away_until=tomorrow)]
    assert [name for name, _ in pick(pool, NOW).skipped] == ["bob", "carol"]


# --- bad data ---------------------------------------------------------------------------------


def test_a_weight_below_one_is_refused() -> None:
    with pytest.raises(InvalidInput, match="weight must be at least 1"):
        rep(1, weight=0)


def test_a_negative_cap_is_refused() -> None:
    with pytest.raises(InvalidInput, match="daily cap"):
        rep(1, cap=-1)


def test_the_same_rep_twice_in_one_pick_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="same rep twice"):
        pick([rep(1), rep(1)], NOW)
