"""Calendars and meetings on SQLite and PostgreSQL: what is kept comes back the same, and every
claim (a feed to fetch, an away period to announce, the stale notice) is won once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from routing.calendars import BusyInterval, BusyKind, RepCalendar
from routing.calendars.meeting import Meeting, MeetingStatus
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_a_calendar_and_a_meeting_come_back_as_kept_and_claims_are_won_once(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    busy = (BusyInterval(NOW, NOW + timedelta(hours=8), BusyKind.OOF),)
    kept = RepCalendar(7, url="https://x.example/c.ics", etag='"e"', fetched_at=NOW, busy=busy)
    meeting = Meeting("uid-1", 3, NOW, MeetingStatus.BOOKED, "calcom", NOW, NOW - timedelta(1))
    with SqlUnitOfWork(engine) as uow:
        uow.calendars.save(kept)
        uow.meetings.save(meeting)
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.calendars.get(7) == kept
        assert uow.meetings.get("uid-1") == meeting
        assert uow.meetings.booked_between(NOW, NOW + timedelta(1)) == [meeting]
        assert [c.rep_id for c in uow.calendars.claim_due(NOW, NOW)] == [7]
        assert uow.calendars.claim_due(NOW, NOW) == []
        assert uow.calendars.claim_applied(7, "2026-12-07")
        assert not uow.calendars.claim_applied(7, "2026-12-07")
        assert uow.calendars.claim_stale_notice(7)
        assert not uow.calendars.claim_stale_notice(7)
        uow.commit()
    engine.dispose()


def test_meetings_are_read_by_the_time_of_the_hand_off_they_followed(db_url: str) -> None:
    """Meetings booked at hand-off read the meetings of a period's hand-offs, whatever their
    status and whenever they were booked; a meeting of no hand-off is never one of them."""
    engine = make_engine(db_url)
    upgrade(engine)
    day = timedelta(days=1)
    inside = [
        Meeting("a", 1, NOW + day, MeetingStatus.MOVED, "calcom", NOW, NOW),
        Meeting("b", 1, NOW + 2 * day, MeetingStatus.BOOKED, "calcom", NOW + 9 * day, NOW),
        Meeting("c", 2, None, MeetingStatus.CANCELLED, "baton", NOW, NOW + day - timedelta(0, 1)),
    ]
    outside = [
        Meeting("d", 3, NOW, MeetingStatus.BOOKED, "calcom", NOW, NOW - timedelta(microseconds=1)),
        Meeting("e", 4, NOW + day, MeetingStatus.BOOKED, "calcom", NOW, NOW + day),
        Meeting("f", 5, NOW + day, MeetingStatus.BOOKED, "calcom", NOW, None),
    ]
    with SqlUnitOfWork(engine) as uow:
        for meeting in [*outside, *inside]:
            uow.meetings.save(meeting)
        uow.commit()
    with SqlUnitOfWork(engine, read_only=True) as uow:
        assert uow.meetings.after_handoffs_between(NOW, NOW + day) == inside


def test_a_meeting_is_claimed_once_by_its_uid_and_a_second_claim_changes_nothing(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    held = Meeting("baton-L-3-1", 3, NOW, MeetingStatus.BOOKED, "baton", NOW, None, rep_id=7)
    later = Meeting("baton-L-3-1", 3, NOW + timedelta(hours=1), MeetingStatus.BOOKED, "baton", NOW)
    with SqlUnitOfWork(engine) as uow:
        assert uow.meetings.claim(held)
        assert not uow.meetings.claim(later)
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert not uow.meetings.claim(held)
        assert uow.meetings.get("baton-L-3-1") == held
        assert uow.meetings.held(7, NOW - timedelta(hours=1)) == [held]
    engine.dispose()
