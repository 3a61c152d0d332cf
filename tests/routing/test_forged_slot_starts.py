"""Whether a start a button carries is one Baton would have offered: the closer's :00/:30 grid,
inside a shift (a night shift's morning, a round-the-clock day), free, with notice."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from routing.calendars.slots import free_slots, still_free
from routing.rotation.hours import WorkingHours

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # a Monday
LONDON = ZoneInfo("Europe/London")
KATHMANDU = ZoneInfo("Asia/Kathmandu")  # UTC+05:45: the grid is the closer's clock, not UTC
WEEKDAYS = frozenset(range(5))


def at(day: int, hour: int, minute: int = 0, zone: ZoneInfo = LONDON) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=zone).astimezone(UTC)


def free(start: datetime, hours: WorkingHours | None, zone: ZoneInfo = LONDON) -> bool:
    return still_free(start, [], [], zone, hours, NOW)


def test_every_time_baton_proposes_can_be_held() -> None:
    for zone in (LONDON, KATHMANDU):
        for hours in (None, WorkingHours(time(22), time(6), WEEKDAYS)):
            slots = free_slots([], [], zone, hours, NOW, count=3)
            assert slots
            assert all(free(slot, hours, zone) for slot in slots)


def test_a_start_off_the_closers_half_hour_grid_is_not_held() -> None:
    assert free(at(24, 10, 30), None)
    assert not free(at(24, 10, 17), None)
    assert free(at(24, 10, 30, KATHMANDU), None, KATHMANDU)
    assert not free(at(24, 10, 30, LONDON), None, KATHMANDU)  # 16:15 in Kathmandu


def test_a_start_outside_the_working_day_is_not_held() -> None:
    assert not free(at(24, 8, 30), None)
    assert not free(at(24, 16, 45) + timedelta(minutes=15), None)  # 17:00 ends the day
    assert free(at(24, 16, 30), None)
    assert not free(at(29, 10), None)  # a Sunday


def test_a_night_shift_holds_its_morning_and_a_round_the_clock_day_any_half_hour() -> None:
    night = WorkingHours(time(22), time(6), frozenset({0}))  # Monday 22:00 – Tuesday 06:00
    assert free(at(24, 3), night)
    assert not free(at(24, 22), night)  # Tuesday's shift is not worked
    always = WorkingHours(time(0), time(0), WEEKDAYS)
    assert free(at(25, 3, 30), always)
    assert free_slots([], [], LONDON, always, NOW)
