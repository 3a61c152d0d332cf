"""Reps' calendar feeds and booking links, and booked meetings: ``routing.ports.CalendarStore``
and ``routing.ports.MeetingStore``."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from routing.calendars import BusyInterval, BusyKind, RepCalendar
from routing.calendars.meeting import Meeting, MeetingStatus
from storage import tables as t
from storage.repositories import _upsert_ignore, upsert

_C = t.rep_calendars.c


def encode_busy(spans: tuple[BusyInterval, ...]) -> str:
    """Spans as compact JSON: ``[[start epoch, end epoch, kind], …]``."""
    return json.dumps(
        [[int(s.start.timestamp()), int(s.end.timestamp()), s.kind.value] for s in spans],
        separators=(",", ":"),
    )


def decode_busy(text: str | None) -> tuple[BusyInterval, ...]:
    if not text:
        return ()
    return tuple(
        BusyInterval(
            datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC), BusyKind(kind)
        )
        for start, end, kind in json.loads(text)
    )


def _calendar(row: Any) -> RepCalendar:
    return RepCalendar(
        rep_id=row.rep_id,
        url=row.url,
        booking_url=row.booking_url,
        etag=row.etag,
        last_modified=row.last_modified,
        checked_at=row.checked_at,
        fetched_at=row.fetched_at,
        read_at=row.read_at,
        failing_since=row.failing_since,
        error=row.error,
        busy=decode_busy(row.busy),
        applied_key=row.applied_key,
        overridden_key=row.overridden_key,
        stale_told=bool(row.stale_told),
    )


class SqlCalendars:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, rep_id: int) -> RepCalendar | None:
        row = self.conn.execute(select(t.rep_calendars).where(_C.rep_id == rep_id)).first()
        return _calendar(row) if row else None

    def save(self, calendar: RepCalendar) -> None:
        values = {
            "url": calendar.url,
            "booking_url": calendar.booking_url,
            "etag": calendar.etag,
            "last_modified": calendar.last_modified,
            "checked_at": calendar.checked_at,
            "fetched_at": calendar.fetched_at,
            "read_at": calendar.read_at,
            "failing_since": calendar.failing_since,
            "error": calendar.error,
            "busy": encode_busy(calendar.busy),
            "applied_key": calendar.applied_key,
            "overridden_key": calendar.overridden_key,
            "stale_told": calendar.stale_told,
        }
        stmt = upsert(self.conn, t.rep_calendars, ["rep_id"], values)
        self.conn.execute(stmt.values(rep_id=calendar.rep_id, **values))

    def with_feeds(self) -> list[RepCalendar]:
        rows = self.conn.execute(
            select(t.rep_calendars).where(_C.url.is_not(None)).order_by(_C.rep_id)
        )
        return [_calendar(row) for row in rows]

    def claim_applied(self, rep_id: int, key: str) -> bool:
        unapplied = or_(_C.applied_key.is_(None), _C.applied_key != key)
        done = self.conn.execute(
            update(t.rep_calendars).where(_C.rep_id == rep_id, unapplied).values(applied_key=key)
        )
        return done.rowcount == 1

    def claim_stale_notice(self, rep_id: int) -> bool:
        done = self.conn.execute(
            update(t.rep_calendars)
            .where(_C.rep_id == rep_id, _C.stale_told.is_(False))
            .values(stale_told=True)
        )
        return done.rowcount == 1

    def read_again(self, rep_id: int) -> None:
        self.conn.execute(
            update(t.rep_calendars)
            .where(_C.rep_id == rep_id, _C.url.is_not(None))
            .values(checked_at=None, read_at=None)
        )

    def claim_due(self, checked_before: datetime, now: datetime) -> list[RepCalendar]:
        due = or_(_C.checked_at.is_(None), _C.checked_at < checked_before)
        candidates = self.conn.execute(
            select(_C.rep_id).where(and_(_C.url.is_not(None), due)).order_by(_C.rep_id)
        ).scalars()
        claimed = []
        for rep_id in list(candidates):
            done = self.conn.execute(
                update(t.rep_calendars).where(_C.rep_id == rep_id, due).values(checked_at=now)
            )
            if done.rowcount == 1:
                claimed.append(rep_id)
        return [c for c in (self.get(rep_id) for rep_id in claimed) if c is not None]


def _meeting(row: Any) -> Meeting:
    return Meeting(
        uid=row.uid,
        lead_id=row.lead_id,
        starts_at=row.starts_at,
        status=MeetingStatus(row.status),
        source=row.source,
        booked_at=row.booked_at,
        handed_off_at=row.handed_off_at,
        rep_id=row.rep_id,
    )


def _values(meeting: Meeting) -> dict[str, object]:
    return {
        "lead_id": meeting.lead_id,
        "starts_at": meeting.starts_at,
        "status": meeting.status.value,
        "source": meeting.source,
        "booked_at": meeting.booked_at,
        "handed_off_at": meeting.handed_off_at,
        "rep_id": meeting.rep_id,
    }


class SqlMeetings:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, uid: str) -> Meeting | None:
        row = self.conn.execute(select(t.meetings).where(t.meetings.c.uid == uid)).first()
        return _meeting(row) if row else None

    def claim(self, meeting: Meeting) -> bool:
        stmt = _upsert_ignore(self.conn, t.meetings).values(uid=meeting.uid, **_values(meeting))
        return self.conn.execute(stmt.returning(t.meetings.c.uid)).first() is not None

    def save(self, meeting: Meeting) -> None:
        values = _values(meeting)
        stmt = upsert(self.conn, t.meetings, ["uid"], values)
        self.conn.execute(stmt.values(uid=meeting.uid, **values))

    def held(self, rep_id: int, after: datetime) -> list[Meeting]:
        m = t.meetings.c
        rows = self.conn.execute(
            select(t.meetings).where(
                m.rep_id == rep_id, m.status == MeetingStatus.BOOKED.value, m.starts_at >= after
            )
        )
        return [_meeting(row) for row in rows]

    def booked_between(self, start: datetime, end: datetime) -> list[Meeting]:
        m = t.meetings.c
        rows = self.conn.execute(
            select(t.meetings).where(m.booked_at >= start, m.booked_at < end).order_by(m.booked_at)
        )
        return [_meeting(row) for row in rows]

    def after_handoffs_between(self, start: datetime, end: datetime) -> list[Meeting]:
        """Through ``meetings(handed_off_at)`` (0024)."""
        m = t.meetings.c
        rows = self.conn.execute(
            select(t.meetings)
            .where(m.handed_off_at >= start, m.handed_off_at < end)
            .order_by(m.handed_off_at, m.uid)
        )
        return [_meeting(row) for row in rows]
