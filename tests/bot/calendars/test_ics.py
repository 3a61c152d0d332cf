"""Recorded feeds of each shape read into the right busy times and away periods: Outlook with
Windows zone names and OOF, Google with X-WR-TIMEZONE and a timed out-of-office, a CalDAV export
with a moved instance (RECURRENCE-ID) and EXDATE, a week across a daylight-saving change."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.calendars.ics import FeedUnreadable, owner_addresses, read_feed
from routing.calendars import AwayPeriod, BusyInterval, BusyKind, away_periods, busy_intervals

FEEDS = Path(__file__).parents[2] / "fixtures" / "calendars"


def _read(
    name: str, zone: str, first: date, url: str = "", known: tuple[str, ...] = ()
) -> tuple[list[BusyInterval], list[AwayPeriod]]:
    start = datetime.combine(first, datetime.min.time(), UTC)
    facts = read_feed((FEEDS / name).read_bytes(), start, start + timedelta(days=40), url, known)
    spans = busy_intervals(facts, ZoneInfo(zone))
    return spans, away_periods(spans, ZoneInfo(zone), None, first, 40)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_outlook_windows_zones_recurrence_exdate_and_oof() -> None:
    spans, periods = _read("outlook-windows-zones-oof.ics", "Europe/Amsterdam", date(2026, 11, 30))
    weekly = [
        s.start for s in spans if s.kind is BusyKind.BUSY and s.end - s.start == timedelta(hours=1)
    ]
    assert weekly == [
        utc(2026, 12, 1, 9),
        utc(2026, 12, 8, 9),
        utc(2026, 12, 22, 9),
        utc(2026, 12, 29, 9),
    ]  # 15th: EXDATE
    dentist = next(s for s in spans if s.end - s.start == timedelta(hours=3))
    assert dentist.start == utc(2026, 12, 10, 8)  # "Romance Standard Time" is Paris, not UTC
    amsterdam = ZoneInfo("Europe/Amsterdam")
    assert periods == [
        AwayPeriod(datetime(2026, 12, 7, tzinfo=amsterdam), datetime(2026, 12, 8, tzinfo=amsterdam))
    ]


def test_google_x_wr_timezone_timed_ooo_declined_and_cancelled() -> None:
    spans, periods = _read(
        "google-x-wr-timezone-timed-ooo.ics", "America/New_York", date(2026, 11, 30)
    )
    york = ZoneInfo("America/New_York")
    assert periods == [
        AwayPeriod(datetime(2026, 12, 7, tzinfo=york), datetime(2026, 12, 9, tzinfo=york))
    ]
    assert [(s.start, s.kind) for s in spans] == [
        (utc(2026, 12, 7, 5), BusyKind.BUSY),
        (utc(2026, 12, 15, 14), BusyKind.BUSY),
    ]  # the declined offsite, the cancelled roadshow and the transparent birthday are free


def test_caldav_moved_instance_exdate_and_floating_time() -> None:
    spans, periods = _read("caldav-recurrence-id.ics", "Europe/Berlin", date(2026, 11, 30))
    berlin = ZoneInfo("Europe/Berlin")
    assert utc(2026, 12, 8, 12) in [s.start for s in spans]  # Tuesday moved to the afternoon
    assert not any(s.start.date() == date(2026, 12, 9) for s in spans)  # Wednesday: EXDATE
    floating = next(s for s in spans if s.start.date() == date(2026, 12, 11))
    assert floating.start == utc(2026, 12, 11, 8)  # 09:00 on the rep's clock
    assert periods == [
        AwayPeriod(datetime(2026, 12, 7, tzinfo=berlin), datetime(2026, 12, 8, tzinfo=berlin)),
        AwayPeriod(datetime(2026, 12, 10, tzinfo=berlin), datetime(2026, 12, 14, tzinfo=berlin)),
    ]  # tentative Monday the 14th is not away


def test_a_week_across_daylight_saving_keeps_wall_clock_times_and_days() -> None:
    spans, periods = _read("dst-week.ics", "America/New_York", date(2027, 3, 1))
    york = ZoneInfo("America/New_York")
    customer_days = [s.start for s in spans if s.end - s.start == timedelta(hours=8)]
    assert customer_days == [utc(2027, 3, 10, 14), utc(2027, 3, 17, 13)]  # 09:00 EST, 09:00 EDT
    assert (
        AwayPeriod(datetime(2027, 3, 12, tzinfo=york), datetime(2027, 3, 16, tzinfo=york))
        in periods
    )


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Sign in</html>",
        b"",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:garbage\r\n",
        b"\xff\xfe\x00",
    ],
)
def test_what_is_not_a_calendar_is_unreadable(body: bytes) -> None:
    with pytest.raises(FeedUnreadable):
        read_feed(body, utc(2026, 12, 1), utc(2026, 12, 31))


def test_the_owner_is_known_from_googles_calendar_name_or_secret_address() -> None:
    url = "https://calendar.google.com/calendar/ical/bob%40example.com/private-abc/basic.ics"
    assert owner_addresses("Calendar", url) == {"bob@example.com"}
    assert owner_addresses("Ann@Example.com", "") == {"ann@example.com"}
    assert (
        owner_addresses("Work", "https://outlook.office365.com/owa/calendar/x/calendar.ics")
        == set()
    )


def test_an_outlook_invitation_the_rep_declined_is_free_once_baton_knows_their_email() -> None:
    """Microsoft's feeds name the organizer as ORGANIZER and the feed's owner only as an
    ATTENDEE, and the published link names nobody: only the email Baton knows says which
    ATTENDEE line is the rep's (matched ignoring case)."""
    amsterdam = ZoneInfo("Europe/Amsterdam")
    name, first = "outlook-declined-invitation.ics", date(2026, 12, 7)
    url = "https://outlook.office365.com/owa/calendar/abc@firm.com/def/calendar.ics"
    unknown_spans, unknown_periods = _read(name, "Europe/Amsterdam", first, url)
    assert [s.start for s in unknown_spans] == [
        utc(2026, 12, 8, 13),
        utc(2026, 12, 9, 9),
        datetime(2026, 12, 10, tzinfo=amsterdam),
    ]  # the declined partner sync and offsite still count, not knowing whose feed it is
    assert unknown_periods == [
        AwayPeriod(
            datetime(2026, 12, 10, tzinfo=amsterdam), datetime(2026, 12, 11, tzinfo=amsterdam)
        )
    ]
    spans, periods = _read(name, "Europe/Amsterdam", first, url, ("bob.burns@firm.com",))
    assert [s.start for s in spans] == [utc(2026, 12, 9, 9)]  # only the accepted review
    assert periods == []


def test_the_owner_is_the_feeds_addresses_and_the_known_ones_ignoring_case() -> None:
    url = "https://calendar.google.com/calendar/ical/bob%40example.com/private-abc/basic.ics"
    assert owner_addresses("Calendar", url, (" Bob.Burns@Firm.com ",)) == {
        "bob@example.com",
        "bob.burns@firm.com",
    }
    assert owner_addresses("Work", "", ("",)) == set()


def test_single_events_far_from_the_window_are_skipped_before_parsing_and_long_ones_kept() -> None:
    from bot.calendars.ics import windowed

    def event(start: str, end: str, extra: str = "") -> str:
        lines = [f"UID:{start}", f"DTSTART:{start}", f"DTEND:{end}"]
        return "BEGIN:VEVENT\r\n" + "\r\n".join(lines) + f"\r\n{extra}END:VEVENT\r\n"

    body = (
        "BEGIN:VCALENDAR\r\n"
        + event("20200101T090000Z", "20200101T100000Z")
        + event("20261101T000000Z", "20270101T000000Z")
        + event("20200106T090000Z", "20200106T100000Z", "RRULE:FREQ=WEEKLY\r\n")
        + event("20300101T090000Z", "20300101T100000Z")
        + "END:VCALENDAR\r\n"
    ).encode()
    kept = windowed(body, date(2026, 12, 1), date(2027, 2, 1))
    assert kept.count(b"BEGIN:VEVENT") == 2
    assert b"20261101T000000Z" in kept
    assert b"RRULE" in kept
    facts = read_feed(body, utc(2026, 12, 1), utc(2027, 2, 1))
    assert len(facts) == 1 + 8  # the long one, and eight weekly Mondays in the window


def test_a_feed_with_more_recurring_events_than_it_may_expand_is_refused() -> None:
    series = "".join(
        f"BEGIN:VEVENT\r\nUID:{i}\r\nDTSTART:20261207T090000Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n"
        for i in range(2001)
    )
    body = f"BEGIN:VCALENDAR\r\n{series}END:VCALENDAR\r\n".encode()
    with pytest.raises(FeedUnreadable, match="more than 2,000 recurring events"):
        read_feed(body, utc(2026, 12, 1), utc(2027, 2, 1))
