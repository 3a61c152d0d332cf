"""Rows decoded from the driver's values are the rows SQLAlchemy's column types decode."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, insert, select, text

from routing.events import LeadEvent
from storage import tables as t
from storage.codec import event_columns, event_from, events_from_driver, utc_from_driver
from storage.engine import make_engine
from storage.migrate import upgrade

AT = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)


def _events(payloads: list[object]) -> list[dict[str, object]]:
    return [
        {
            "lead_id": 1,
            "type": kind,
            "at": AT + timedelta(minutes=n),
            "actor_id": n % 3 or None,
            "from_stage": None if n == 0 else "new",
            "to_stage": "assigned",
            "owner_id": None if n % 2 else 4,
            "payload": payload,
        }
        for n, (kind, payload) in enumerate(
            zip(["created", "assigned", "claimed", "won", "queued"], payloads, strict=True)
        )
    ]


def test_events_from_driver_are_event_from_on_both_databases(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    payloads: list[object] = [
        {"origin": "inbound", "source": "Wébsite"},
        {"how": "rotation", "rotation": {"eligible": {"1": 2}, "skipped": {"3": "away"}}},
        {},
        {"amount": "12000.50"},
        {"how": "rotation"},
    ]
    with engine.begin() as conn:
        conn.execute(
            insert(t.leads),
            [{"id": 1, "stage": "new", "origin": "inbound", "fields": {}, "created_at": AT}],
        )
        conn.execute(insert(t.lead_events), _events(payloads))
    expected, got = _both_ways(engine)
    assert got == expected
    assert [event.at.tzinfo for event in got] == [UTC] * 5


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2026-11-23 09:30:15.123456", datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)),
        ("2026-11-23 09:30:15", datetime(2026, 11, 23, 9, 30, 15, tzinfo=UTC)),
        ("2026-11-23T09:30:15.5", datetime(2026, 11, 23, 9, 30, 15, 500000, tzinfo=UTC)),
        ("2026-11-23 10:30:15+01:00", datetime(2026, 11, 23, 9, 30, 15, tzinfo=UTC)),
        (datetime(2026, 11, 23, 9, 30), datetime(2026, 11, 23, 9, 30, tzinfo=UTC)),
        (
            datetime(2026, 11, 23, 10, 30, tzinfo=timezone(timedelta(hours=1))),
            datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        ),
    ],
)
def test_a_stored_time_is_read_as_utc_whatever_its_spelling(
    stored: object, expected: datetime
) -> None:
    moment = utc_from_driver(stored)
    assert moment == expected
    assert moment.tzinfo is UTC
    if isinstance(stored, str):
        assert (
            t.UTCDateTime().process_result_value(  # what the column type reads
                datetime.fromisoformat(stored), make_engine("sqlite://").dialect
            )
            == moment
        )


def test_sqlite_text_times_written_by_hand_decode_like_the_column_type(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(t.leads),
            [{"id": 1, "stage": "new", "origin": "inbound", "fields": {}, "created_at": AT}],
        )
        for at, payload in [
            ("2026-11-23 09:30:15", '{"origin": "inbound"}'),
            ("2026-11-23T09:30:15.25", '{"origin": "inbound"}'),
            ("2026-11-23 09:31:00", "null"),
        ]:
            conn.execute(
                text(
                    "INSERT INTO lead_events (lead_id, type, at, to_stage, payload) "
                    "VALUES (1, 'created', :at, 'new', :payload)"
                ),
                {"at": at, "payload": payload},
            )
    expected, got = _both_ways(engine)
    assert got == expected
    assert got[2].payload == {}


def _both_ways(engine: Engine) -> tuple[list[LeadEvent], list[LeadEvent]]:
    """The stored events through ``event_from`` (SQLAlchemy's processing) and through
    ``events_from_driver`` (the driver's own values); the engine is disposed of after."""
    e = t.lead_events
    with engine.connect() as conn:
        expected = [event_from(r) for r in conn.execute(select(e).order_by(e.c.id)).mappings()]
        got = events_from_driver(conn.execute(select(*event_columns()).order_by(e.c.id)).all())
    engine.dispose()
    return expected, got
