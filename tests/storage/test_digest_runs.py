"""Storage behind the digest: exactly-once claims with their messages, and the report reads.

The report reads skip most of the history on purpose (only the window's leads in full, a couple
of events per open lead, one row per customer), so they are checked against the simplest correct
answer: the same report computed from every event in the database.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, insert, select, text

from bot.baton import Baton
from routing.metrics import funnel, period_for, previous
from routing.notices import NoticeKind
from routing.relay import SYSTEM
from routing.usecases.context import Outcome
from routing.usecases.digests import Destination, DigestSchedule, send_digest
from storage import tables as t
from storage.codec import event_from, notice_from
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.report import customer_spans, events_for_report, report_queries, span_queries
from storage.uow import SqlUnitOfWork
from tests.support.world import make_baton

BERLIN = ZoneInfo("Europe/Berlin")
END = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
DAILY = DigestSchedule(
    "daily",
    "day",
    time(8, 0),
    "Europe/Berlin",
    (Destination("slack", "C0DIGEST"), Destination("teams", "19:digest@thread.tacv2")),
)


# --- claims ----------------------------------------------------------------------------------


def test_a_digest_period_is_claimed_once(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with SqlUnitOfWork(engine) as uow:
        assert uow.digests.claim("daily", "2026-11-22", END)
        assert not uow.digests.claim("daily", "2026-11-22", END)
        assert uow.digests.claim("weekly", "2026-11-22", END)
        assert uow.digests.claim("daily", "2026-11-23", END)
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert not uow.digests.claim("daily", "2026-11-22", END + timedelta(days=1))
    engine.dispose()


def outbox(baton: Baton) -> list[dict[str, Any]]:
    with baton.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.outbox).order_by(t.outbox.c.id)).mappings()]


def send(baton: Baton) -> Outcome:
    period = period_for("day", baton.clock(), BERLIN, previous_complete=True)
    return baton.relay.run(SYSTEM, lambda ctx: send_digest(ctx, DAILY, period))


def test_sending_a_digest_claims_it_and_queues_it_for_every_channel(
    db_url: str, clock: Any
) -> None:
    baton = make_baton(db_url, clock)
    outcome = send(baton)
    assert outcome.data["sent"] is True
    assert outcome.data["key"] == "2026-11-22"
    rows = outbox(baton)
    assert [(r["platform"], r["lane"]) for r in rows] == [
        ("slack", "channel:slack:C0DIGEST"),
        ("teams", "channel:teams:19:digest@thread.tacv2"),
    ]
    notice = notice_from(rows[0]["notice"])
    assert notice.kind is NoticeKind.DIGEST
    assert notice.channel == "C0DIGEST"
    assert notice.text.startswith("Funnel digest · Sun 22 Nov 2026")
    assert notice.data["schedule"] == "daily"
    assert notice.data["period"]["label"] == "Sun 22 Nov 2026"
    with baton.engine.connect() as conn:
        runs = conn.execute(select(t.digest_runs.c.digest, t.digest_runs.c.period)).all()
    assert [tuple(r) for r in runs] == [("daily", "2026-11-22")]
    baton.engine.dispose()


def test_a_digest_already_sent_queues_nothing_the_second_time(db_url: str, clock: Any) -> None:
    baton = make_baton(db_url, clock)
    send(baton)
    clock.advance(hours=3)
    again = send(baton)
    assert again.data["sent"] is False
    assert "already sent" in again.reply
    assert len(outbox(baton)) == 2
    baton.engine.dispose()


class Accepting:
    def deliver(self, _delivery: object) -> None:
        return None


def test_a_digest_run_records_when_it_was_first_delivered(db_url: str, clock: Any) -> None:
    baton = make_baton(db_url, clock, notifiers={"slack": Accepting()})  # type: ignore[dict-item]
    send(baton)
    with baton.engine.connect() as conn:
        assert conn.execute(select(t.digest_runs.c.sent_at)).scalar_one() is None
    clock.advance(minutes=1)
    baton.sender().drain()
    with baton.engine.connect() as conn:
        assert conn.execute(select(t.digest_runs.c.sent_at)).scalar_one() == clock.now
    baton.engine.dispose()


def test_a_claim_whose_transaction_fails_is_not_kept(db_url: str, clock: Any) -> None:
    """The claim and the messages commit together: a failure after the claim loses neither."""
    baton = make_baton(db_url, clock)
    period = period_for("day", clock(), BERLIN, previous_complete=True)

    def send_then_fail(ctx: Any) -> Outcome:
        send_digest(ctx, DAILY, period)
        raise RuntimeError("the process died before commit")

    with pytest.raises(RuntimeError):
        baton.relay.run(SYSTEM, send_then_fail)
    assert outbox(baton) == []
    assert send(baton).data["sent"] is True
    assert len(outbox(baton)) == 2
    baton.engine.dispose()


# --- the report reads --------------------------------------------------------------------------


class History:
    """A seeded two-month history written straight into the tables, as the relay would."""

    def __init__(self, engine: Engine, seed: int, leads: int = 240) -> None:
        self.rng = random.Random(seed)
        self.lead_rows: list[dict[str, Any]] = []
        self.event_rows: list[dict[str, Any]] = []
        start = END - timedelta(days=60)
        for lead_id in range(1, leads + 1):
            created = start + timedelta(minutes=self.rng.randint(0, 60 * 24 * 60))
            self._lead(lead_id, created)
        with engine.begin() as conn:
            conn.execute(
                insert(t.reps),
                [
                    {"id": i, "platform": "console", "user_id": f"r{i}", "name": f"Rep {i}"}
                    for i in range(1, 9)
                ],
            )
            conn.execute(insert(t.leads), self.lead_rows)
            conn.execute(insert(t.lead_events), self.event_rows)

    def _lead(self, lead_id: int, at: datetime) -> None:
        events: list[dict[str, Any]] = []
        stage, owner = None, None

        def add(kind: str, to: str, new_owner: int | None, **payload: Any) -> bool:
            nonlocal stage, owner, at
            if at >= END:
                return False
            events.append(
                {
                    "lead_id": lead_id,
                    "type": kind,
                    "at": at,
                    "actor_id": new_owner,
                    "from_stage": stage,
                    "to_stage": to,
                    "owner_id": new_owner,
                    "payload": payload,
                }
            )
            stage, owner = to, new_owner
            at += timedelta(minutes=self.rng.choice((0, 3, 7, 40, 300, 2000, 9000)))
            return True

        rng = self.rng
        origin = "outbound" if rng.random() < 0.15 else "inbound"
        add("created", "new", None, origin=origin, source=rng.choice(("web", "events")))
        self._journey(add, rng, origin)
        self.event_rows.extend(events)
        self.lead_rows.append(
            {
                "id": lead_id,
                "stage": stage,
                "origin": origin,
                "fields": {},
                "owner_id": owner,
                "created_at": events[0]["at"],
            }
        )

    def _journey(self, add: Any, rng: random.Random, origin: str) -> None:
        if origin == "outbound":
            add("assigned", "working", 7, how="outbound")
        elif rng.random() < 0.1:
            add("queued", "new", None, explanation="nobody available")
            if rng.random() < 0.5:
                return
            add("assigned", "assigned", 1, how="rotation")
        else:
            add("assigned", "assigned", rng.choice((1, 2)), how="rotation")
        if origin == "inbound":
            if rng.random() < 0.2:
                add("sla_missed", "new", None, missed_by=1)
                if rng.random() < 0.3:
                    add("queued", "new", None, explanation="nobody available")
                add("assigned", "assigned", 2, how="rotation")
            if rng.random() < 0.1:
                return
            add("claimed", "working", 2)
        if rng.random() < 0.15:
            add("reassigned", "working", 3, reason="manager")  # same stage, new owner
            if rng.random() < 0.5:
                return
        if rng.random() < 0.35:
            add("disqualified", "disqualified", 2, reason=rng.choice(("budget", "student")))
            return
        steps = [
            ("qualified", "qualified", 2, {}),
            ("handed_off", "with_closer", 4, {"role": "closer"}),
            ("meeting", "meeting", 4, {}),
            ("meeting", "meeting", 4, {}),
            ("won", "won", 4, {"amount": str(rng.choice((1000, 2500)))}),
            ("handed_off", "customer", 5, {"role": "account_manager"}),
            ("expanded", "customer", 5, {"amount": "500"}),
            ("churned", "churned", 5, {}),
        ]
        for kind, to, who, payload in steps[: rng.randint(1, len(steps))]:
            if not add(kind, to, who, **payload):
                return


def all_events(engine: Engine) -> list[Any]:
    e = t.lead_events
    with engine.connect() as conn:
        return [event_from(r) for r in conn.execute(select(e).order_by(e.c.at, e.c.id)).mappings()]


@pytest.mark.parametrize("seed", [1, 2])
def test_the_report_reads_give_the_report_that_replaying_every_event_gives(
    db_url: str, seed: int
) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    History(engine, seed)
    every_event = all_events(engine)
    checked = 0
    for now, kind, complete in [
        (END, "day", True),
        (END, "day", False),
        (END, "week", True),
        (END, "week", False),
        (END - timedelta(days=20), "day", True),  # leads have moved on since that day
        (END - timedelta(days=30), "week", True),
    ]:
        period = period_for(kind, now, BERLIN, previous_complete=complete)
        before = previous(period, BERLIN)
        with engine.connect() as conn:
            events = events_for_report(conn, before.start, period.end)
            spans = customer_spans(conn, period.end)
        replayed = [e for e in every_event if e.at < period.end]
        for report_period, as_of in ((period, min(now, period.end)), (before, before.end)):
            expected = funnel(replayed, report_period, as_of, {})
            got = funnel(events, report_period, as_of, {}, customers=spans)
            assert got == expected, f"{report_period.label} (seed {seed})"
            checked += 1
        assert len(events) < len(replayed)
    assert checked == 12
    engine.dispose()


def test_every_report_read_on_sqlite_goes_through_an_index(sqlite_url: str) -> None:
    """No query of the report scans ``lead_events`` or ``leads`` from end to end."""
    engine = make_engine(sqlite_url)
    upgrade(engine)
    History(engine, seed=3, leads=50)
    start, end = END - timedelta(days=2), END
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        for query in [*report_queries(start, end), *span_queries(end)]:
            compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
            plan = [str(row[-1]) for row in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))]
            scans = [step for step in plan if step.startswith("SCAN")]
            assert scans == [], plan
            assert any("USING" in step and "INDEX" in step for step in plan), plan
    engine.dispose()
