"""What a calendar's events mean for a rep: which are free, which days are away, and the periods
they make (pure: the facts a feed adapter reads, no feed)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from routing.calendars import (
    AwayPeriod,
    BusyKind,
    EventFacts,
    away_days,
    away_periods,
    busy_intervals,
    current_period,
    kind_of,
)
from routing.rotation import WorkingHours

PARIS = ZoneInfo("Europe/Paris")
MON = date(2026, 12, 7)


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = PARIS) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=zone)


@pytest.mark.parametrize(
    ("facts", "kind"),
    [
        (EventFacts(MON, None, busy_status="OOF"), BusyKind.OOF),
        (EventFacts(MON, None, transparency="OPAQUE"), BusyKind.BUSY),
        (EventFacts(MON, None), BusyKind.BUSY),
        (EventFacts(MON, None, transparency="TRANSPARENT"), BusyKind.FREE),
        (EventFacts(MON, None, status="CANCELLED", busy_status="OOF"), BusyKind.FREE),
        (EventFacts(MON, None, busy_status="FREE", transparency="OPAQUE"), BusyKind.FREE),
        (EventFacts(MON, None, declined=True), BusyKind.FREE),
        (EventFacts(MON, None, busy_status="TENTATIVE"), BusyKind.TENTATIVE),
        (EventFacts(MON, None, status="TENTATIVE"), BusyKind.TENTATIVE),
    ],
)
def test_each_event_shape_is_free_busy_tentative_or_out_of_office(
    facts: EventFacts, kind: BusyKind
) -> None:
    assert kind_of(facts) is kind


def _days(*events: EventFacts, hours: WorkingHours | None = None) -> list[date]:
    return away_days(busy_intervals(events, PARIS), PARIS, hours, MON, 5)


def test_an_out_of_office_day_is_away() -> None:
    assert _days(EventFacts(MON, date(2026, 12, 8), busy_status="OOF")) == [MON]


def test_opaque_busy_events_covering_the_whole_working_window_together_are_away() -> None:
    morning = EventFacts(at(7, 8), at(7, 12, 30))
    afternoon = EventFacts(at(7, 12, 30), at(7, 17, 30))
    assert _days(morning, afternoon) == [MON]


def test_a_partial_block_is_not_away() -> None:
    assert _days(EventFacts(at(7, 9), at(7, 15))) == []
    assert _days(EventFacts(at(7, 9), at(7, 12)), EventFacts(at(7, 12, 30), at(7, 17))) == []


def test_an_all_day_event_is_away_only_when_busy_or_out_of_office() -> None:
    day = (MON, date(2026, 12, 8))
    assert _days(EventFacts(*day, transparency="TRANSPARENT")) == []
    assert _days(EventFacts(*day, busy_status="FREE")) == []
    assert _days(EventFacts(*day, busy_status="TENTATIVE")) == []
    assert _days(EventFacts(*day)) == [MON]


def test_a_timed_out_of_office_across_days_covers_each_working_day() -> None:
    google_ooo = EventFacts(at(7, 0), at(9, 0))
    assert _days(google_ooo) == [MON, date(2026, 12, 8)]


def test_floating_times_are_read_on_the_reps_clock() -> None:
    floating = EventFacts(datetime(2026, 12, 7, 9, 0), datetime(2026, 12, 7, 17, 0))
    [span] = busy_intervals([floating], PARIS)
    assert span.start == datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
    assert _days(floating) == [MON]


def test_the_reps_own_working_hours_are_the_window() -> None:
    hours = WorkingHours(time(13), time(18), frozenset(range(5)))
    afternoon = EventFacts(at(7, 13), at(7, 18))
    assert _days(afternoon, hours=hours) == [MON]
    assert _days(afternoon) == []


def test_away_friday_and_monday_is_one_period_back_on_tuesday() -> None:
    events = busy_intervals(
        [
            EventFacts(date(2026, 12, 4), date(2026, 12, 5), busy_status="OOF"),
            EventFacts(date(2026, 12, 7), date(2026, 12, 8), busy_status="OOF"),
        ],
        PARIS,
    )
    [period] = away_periods(events, PARIS, None, date(2026, 11, 30), 14)
    assert period == AwayPeriod(at(4, 0), at(8, 0))
    assert period.key == "2026-12-08"
    assert current_period([period], at(6, 12)) == period
    assert current_period([period], at(8, 0)) is None


def test_an_all_day_event_across_a_daylight_saving_change_keeps_its_days() -> None:
    york = ZoneInfo("America/New_York")
    ski = EventFacts(date(2027, 3, 12), date(2027, 3, 16))  # Fri–Mon, clocks change on Sunday
    events = busy_intervals([ski], york)
    [period] = away_periods(events, york, None, date(2027, 3, 8), 14)
    assert period.start == datetime(2027, 3, 12, tzinfo=york)
    assert period.end == datetime(2027, 3, 16, tzinfo=york)
    assert events[0].end - events[0].start == (
        datetime(2027, 3, 16, 4, tzinfo=UTC) - datetime(2027, 3, 12, 5, tzinfo=UTC)
    )


def test_no_working_days_means_never_away() -> None:
    never = WorkingHours(time(9), time(17), frozenset())
    assert _days(EventFacts(MON, date(2026, 12, 12), busy_status="OOF"), hours=never) == []
