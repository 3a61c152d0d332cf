"""Free slots for a first meeting: working hours, the next three working days, busy time and
holds subtracted, two hours' notice, starts on :00 and :30, one per day first."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from routing.calendars import BusyInterval, BusyKind
from routing.calendars.slots import free_slots
from routing.rotation import WorkingHours

LONDON = ZoneInfo("Europe/London")
MON_0910 = datetime(2026, 11, 23, 9, 10, tzinfo=UTC)  # London is on UTC in November


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_one_slot_per_working_day_after_two_hours_notice_snapped_to_the_half_hour() -> None:
    assert free_slots([], [], LONDON, None, MON_0910) == [at(23, 11, 30), at(24, 9), at(25, 9)]


def test_busy_time_and_holds_are_subtracted() -> None:
    busy = [BusyInterval(at(23, 11), at(23, 15), BusyKind.BUSY)]
    tentative = [BusyInterval(at(24, 9), at(24, 10), BusyKind.TENTATIVE)]
    holds = [(at(25, 9), at(25, 9, 30))]
    assert free_slots(busy + tentative, holds, LONDON, None, MON_0910) == [
        at(23, 15),
        at(24, 10),
        at(25, 9, 30),
    ]


def test_weekends_and_the_closers_own_hours_are_respected() -> None:
    friday_4pm = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    hours = WorkingHours(time(13), time(18), frozenset(range(5)))
    assert free_slots([], [], LONDON, hours, friday_4pm) == [
        at(30, 13),
        datetime(2026, 12, 1, 13, tzinfo=UTC),
        datetime(2026, 12, 2, 13, tzinfo=UTC),
    ]


def test_free_time_is_counted_on_the_closers_clock_across_a_daylight_saving_change() -> None:
    york = ZoneInfo("America/New_York")
    saturday = datetime(2027, 3, 13, 12, 0, tzinfo=UTC)  # clocks go forward on Sunday the 14th
    first = free_slots([], [], york, None, saturday)[0]
    assert first == datetime(2027, 3, 15, 13, 0, tzinfo=UTC)  # 09:00 EDT


def test_a_fully_booked_closer_has_fewer_or_no_slots() -> None:
    week = [BusyInterval(at(23, 0), at(23, 0) + timedelta(days=7), BusyKind.BUSY)]
    assert free_slots(week, [], LONDON, None, MON_0910) == []


def test_the_next_free_ones_fill_in_when_few_of_the_three_days_have_room() -> None:
    busy = [BusyInterval(at(24, 0), at(26, 0), BusyKind.OOF)]  # Tuesday and Wednesday
    assert free_slots(busy, [], LONDON, None, MON_0910) == [
        at(23, 11, 30),
        at(23, 12),
        at(23, 12, 30),
    ]


def test_an_invitation_escapes_text_and_folds_long_lines() -> None:
    from routing.calendars.invitation import invitation

    ics = invitation("u1", at(24, 9), "Acme, Inc; R&D\nTeam × " + "é" * 80, at(23, 9))
    lines = ics.split("\r\n")
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = ics.replace("\r\n ", "")
    assert "SUMMARY:Acme\\, Inc\\; R&D\\nTeam × " + "é" * 80 + "\r\n" in unfolded
    assert "DTSTART:20261124T090000Z\r\n" in ics
