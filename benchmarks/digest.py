"""How long the daily digest takes over a long history: 1,000,000 leads with their events, SQLite.

The history is four years of a large team's leads, generated from a seed with a plausible funnel:
most inbound leads are claimed within minutes and disqualified within a day, a quarter qualify,
a sixth of those are won, customers expand and some churn; recent leads are still in flight and a
few old ones were forgotten open. Ids and times ascend together, as they do in production.

The digest timed is the one the scheduler sends at 08:00: the last complete day (and the day
before it, for the changes) at the end of that history, built by ``build_digest`` through the real
unit of work. Its cost should follow the events of those days, not the million leads behind
them: besides those, it reads two events per open lead and one index entry per customer (tenure).

``digest_seconds`` is the median of ``--runs`` runs with the database in the OS page cache;
``cold_cache_seconds`` is one run right after asking the OS to drop the file's cached pages, as
a digest sent once a day may well find it.

``custom_period_seconds`` (warm, median) and ``custom_period_cold_seconds`` time the same report
for a custom period of the dashboard (``--custom FROM:TO``, local days, by default two weeks of
January 2025, nearly two years before the end of the history): its reads must be bounded by the
period at both ends, not by everything that happened since it began.

The database is built once (bulk ``executemany`` inserts through SQLAlchemy Core, 20,000 leads a
transaction) and cached under ``/tmp`` by its parameters; delete the file to rebuild it.

    python benchmarks/digest.py [--leads 1000000] [--seed 7] [--runs 3] [--explain]
                                [--custom 2025-01-06:2025-01-19]

prints ``{"leads": …, "events": …, "digest_seconds": …, "target_seconds": 1.0, …}``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing.dashboard.periods import days_between
from routing.lead import stage_times
from routing.metrics import Period, period_for
from routing.relay import SYSTEM, Relay
from routing.stages import Stage
from routing.usecases.context import Outcome, RelayConfig
from routing.usecases.funnel import build_digest
from storage import tables as t
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.report import report_queries, span_queries
from storage.uow import uow_factory

FORMAT = 5
"""Bump when the generated history changes, so an old cached file is not reused."""
END = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)
"""The history runs up to Monday 23 November 2026 00:00 UTC; the digest is built at 08:00."""
YEARS = 4
CHUNK = 20_000
TARGET_SECONDS = 1.0
TIMEZONE = "UTC"

QUALIFIERS = range(1, 21)
CLOSERS = range(21, 31)
ACCOUNT_MANAGERS = range(31, 36)
PROSPECTORS = range(36, 41)
REASONS = ("no budget", "student", "competitor", "too small", "wrong region", "no answer")
LOST = ("competitor", "price", "postponed")


@dataclass
class LeadPlan:
    """One generated lead: its final row and its events, cut off at the end of the history."""

    id: int
    created: datetime
    origin: str = "inbound"
    stage: str = "new"
    owner: int | None = None
    assigned_at: datetime | None = None
    amount: str | None = None
    misses: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    closed: bool = False

    def add(self, kind: str, at: datetime, to: str, owner: int | None, **payload: Any) -> bool:
        """Record the event unless it lies beyond the history; False stops the lead there."""
        if self.closed or at >= END:
            self.closed = True
            return False
        assert not self.events or at >= self.events[-1]["at"], "events go forward in time"
        self.events.append(
            {
                "lead_id": self.id,
                "type": kind,
                "at": at,
                "actor_id": owner,
                "from_stage": self.stage if self.events else None,
                "to_stage": to,
                "owner_id": owner,
                "payload": payload,
            }
        )
        self.stage, self.owner = to, owner
        return True


def _minutes(rng: random.Random, mean: float) -> timedelta:
    return timedelta(minutes=rng.expovariate(1 / mean))


def plan_lead(lead_id: int, created: datetime, rng: random.Random) -> LeadPlan:
    lead = LeadPlan(lead_id, created)
    if rng.random() < 0.01:
        lead.add("unparsed", created, "unparsed", None, origin="inbound", reason="no email")
        return lead
    if rng.random() < 0.12:
        _outbound(lead, rng)
    else:
        _inbound(lead, rng)
    stale = rng.random() < 0.005  # forgotten: stays open at whatever step it reached
    if lead.stage == "working" and not stale:
        _qualify(lead, rng, lead.events[-1]["at"])
    return lead


def _outbound(lead: LeadPlan, rng: random.Random) -> None:
    lead.origin = "outbound"
    prospector = rng.choice(PROSPECTORS)
    lead.add("created", lead.created, "new", None, origin="outbound", source="outbound")
    lead.assigned_at = lead.created
    lead.add("assigned", lead.created, "working", prospector, how="outbound")


def _inbound(lead: LeadPlan, rng: random.Random) -> None:
    source = rng.choice(("website", "website", "linkedin", "events"))
    lead.add("created", lead.created, "new", None, origin="inbound", source=source)
    rep = rng.choice(QUALIFIERS)
    lead.assigned_at = lead.created
    lead.add("assigned", lead.created, "assigned", rep, how="rotation")
    at = lead.created
    if rng.random() < 0.08:
        at += timedelta(minutes=5, seconds=rng.randint(1, 59))
        lead.misses = 1
        lead.add("sla_missed", at, "new", None, missed_by=rep, minutes=5, misses=1)
        rep = rng.choice([q for q in QUALIFIERS if q != rep])
        lead.assigned_at = at
        lead.add("assigned", at, "assigned", rep, how="rotation")
    lead.add("claimed", at + _minutes(rng, 6), "working", rep)


def _qualify(lead: LeadPlan, rng: random.Random, working_since: datetime) -> None:
    owner = lead.owner
    at = working_since + _minutes(rng, 24 * 60)
    if rng.random() > 0.25:
        lead.add("disqualified", at, "disqualified", owner, reason=rng.choice(REASONS))
        return
    if not lead.add("qualified", at, "qualified", owner, budget="50k"):
        return
    closer = rng.choice(CLOSERS)
    at += _minutes(rng, 120)
    if not lead.add("handed_off", at, "with_closer", closer, handed_from=owner, role="closer"):
        return
    _close(lead, rng, at, closer)


def _close(lead: LeadPlan, rng: random.Random, at: datetime, closer: int) -> None:
    for kind, stage, chance in (
        ("meeting", "meeting", 0.8),
        ("proposal_requested", "proposal_requested", 0.6),
        ("proposal_presented", "proposal_presented", 0.9),
    ):
        if rng.random() > chance:
            break
        at += _minutes(rng, 3 * 24 * 60)
        if not lead.add(kind, at, stage, closer):
            return
    at += _minutes(rng, 7 * 24 * 60)
    if rng.random() > 0.16:
        lead.add("lost", at, "lost", closer, reason=rng.choice(LOST))
        return
    lead.amount = str(rng.choice((8000, 15000, 24000, 42000)))
    if not lead.add("won", at, "won", closer, amount=lead.amount):
        return
    _customer(lead, rng, at + _minutes(rng, 24 * 60), closer)


def _customer(lead: LeadPlan, rng: random.Random, at: datetime, closer: int) -> None:
    manager = rng.choice(ACCOUNT_MANAGERS)
    if not lead.add(
        "handed_off", at, "customer", manager, handed_from=closer, role="account_manager"
    ):
        return
    if rng.random() < 0.25:
        lead.add("expanded", at + timedelta(days=rng.randint(30, 200)), "customer", manager,
                 amount="5000")  # fmt: skip
    if rng.random() < 0.3:
        lead.add("churned", at + timedelta(days=rng.randint(200, 900)), "churned", manager)


def lead_row(lead: LeadPlan) -> dict[str, Any]:
    return {
        "id": lead.id,
        "stage": lead.stage,
        "origin": lead.origin,
        "company": f"Company {lead.id}",
        "email": f"buyer{lead.id}@company{lead.id}.example",
        "email_domain": f"company{lead.id}.example",
        "name": None,
        "phone": None,
        "fields": {},
        "owner_id": lead.owner,
        "pool": "prospector" if lead.origin == "outbound" else "qualifier",
        "created_at": lead.created,
        "assigned_at": lead.assigned_at,
        "source_platform": "slack",
        "source_channel": "C0LEADS",
        "source_message_id": f"{lead.id}.000100",
        "raw_text": None,
        "qualification": None,
        "amount": lead.amount,
        "expansion_total": "0",
        "reason": None,
        "sla_misses": lead.misses,
        "card_ref": None,
        **dict(zip(("stage_since", "closed_at"), _stage_times(lead), strict=True)),
    }


def _stage_times(lead: LeadPlan) -> tuple[datetime | None, datetime | None]:
    return stage_times((Stage(e["to_stage"]), e["at"]) for e in lead.events)


def rep_rows() -> list[dict[str, Any]]:
    return [
        {
            "id": rep_id,
            "platform": "slack",
            "user_id": f"U{rep_id:06d}",
            "name": f"Rep {rep_id}",
            "timezone": TIMEZONE,
            "is_manager": False,
        }
        for rep_id in range(1, 42)
    ]


def plans(leads: int, seed: int) -> Iterator[list[LeadPlan]]:
    rng = random.Random(seed)
    span = timedelta(days=365 * YEARS)
    start = END - span
    step = span / leads
    chunk: list[LeadPlan] = []
    for i in range(leads):
        created = start + step * i + timedelta(seconds=rng.randint(0, 59))
        chunk.append(plan_lead(i + 1, created, rng))
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _fast_build_engine(path: Path) -> Engine:
    """An engine for the bulk load only: no fsync, no rollback journal worth keeping."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-200000")
        cursor.close()

    return engine


def build(path: Path, leads: int, seed: int) -> None:
    partial = path.with_suffix(".partial")
    for leftover in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
        leftover.unlink(missing_ok=True)
    upgrade(make_engine(f"sqlite:///{partial}"))
    engine = _fast_build_engine(partial)
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(t.reps), rep_rows())
    done = 0
    for chunk in plans(leads, seed):
        with engine.begin() as conn:
            conn.execute(insert(t.leads), [lead_row(lead) for lead in chunk])
            conn.execute(insert(t.lead_events), [e for lead in chunk for e in lead.events])
        done += len(chunk)
        if done % 200_000 == 0:
            print(f"built {done:,} leads in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    partial.rename(path)
    Path(f"{partial}-wal").unlink(missing_ok=True)
    Path(f"{partial}-shm").unlink(missing_ok=True)


def counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        leads = conn.execute(select(func.count()).select_from(t.leads)).scalar_one()
        events = conn.execute(select(func.count()).select_from(t.lead_events)).scalar_one()
    return int(leads), int(events)


def explain(engine: Engine, start: datetime, end: datetime) -> list[str]:
    """SQLite's plan for the report query: every lead_events access should be an index search."""
    lines: list[str] = []
    with engine.connect() as conn:
        for query in [*report_queries(start, end), *span_queries(end)]:
            compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
            plan = conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
            lines.extend(str(row[-1]) for row in plan)
    return lines


def evict_from_page_cache(path: Path) -> bool:
    """Ask the OS to forget the database's cached pages, as after a night without digests."""
    if not hasattr(os, "posix_fadvise"):
        return False
    for file in (path, Path(f"{path}-wal")):
        if file.exists():
            fd = os.open(file, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    return True


def time_digest(
    engine: Engine, now: datetime, runs: int, period: Period | None = None
) -> tuple[list[float], dict[str, Any]]:
    relay = Relay(uow_factory(engine, lambda: now), lambda: now, RelayConfig(timezone=TIMEZONE))
    period = period or period_for("day", now, _zone(), previous_complete=True)
    timings = []
    digest: Any = None
    for _ in range(runs):
        started = time.perf_counter()
        digest = relay.run(
            SYSTEM, lambda ctx: Outcome("", data={"digest": build_digest(ctx, period)})
        ).data["digest"]
        timings.append(time.perf_counter() - started)
    report = digest.report
    figures = {
        "period": period.label,
        "inbound": report.inbound,
        "claimed": report.claimed,
        "won": report.won,
        "queued": report.queued,
        "bottleneck": report.bottleneck.stage.value if report.bottleneck else None,
        "customers": report.tenure.customers,
    }
    return timings, figures


def _zone() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(TIMEZONE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="print the query plan to stderr")
    parser.add_argument("--custom", default="2025-01-06:2025-01-19", help="FROM:TO local days")
    args = parser.parse_args()
    first, _, last = args.custom.partition(":")
    custom = days_between(date.fromisoformat(first), date.fromisoformat(last), _zone())
    path = Path(f"/tmp/baton-bench-digest-v{FORMAT}-{args.leads}-{args.seed}.db")
    build_seconds = None
    if not path.exists():
        started = time.perf_counter()
        build(path, args.leads, args.seed)
        build_seconds = round(time.perf_counter() - started, 1)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)  # a cached database gets any index added since it was built
    leads, events = counts(engine)
    now = END + timedelta(hours=8)
    if args.explain:
        period = period_for("day", now, _zone(), previous_complete=True)
        for line in explain(engine, period.start - timedelta(days=1), period.end):
            print(line, file=sys.stderr)
    engine.dispose()
    cold = custom_cold = None
    if evict_from_page_cache(path):
        cold_timings, _ = time_digest(make_engine(f"sqlite:///{path}"), now, 1)
        cold = round(cold_timings[0], 3)
    if evict_from_page_cache(path):
        cold_timings, _ = time_digest(make_engine(f"sqlite:///{path}"), now, 1, custom)
        custom_cold = round(cold_timings[0], 3)
    custom_timings, custom_figures = time_digest(engine, now, args.runs, custom)
    timings, figures = time_digest(engine, now, args.runs)
    print(
        json.dumps(
            {
                "leads": leads,
                "events": events,
                "digest_seconds": round(statistics.median(timings), 3),
                "target_seconds": TARGET_SECONDS,
                "runs": [round(s, 3) for s in timings],
                "cold_cache_seconds": cold,
                "custom_period": custom.label,
                "custom_period_seconds": round(statistics.median(custom_timings), 3),
                "custom_period_cold_seconds": custom_cold,
                "custom_period_digest": custom_figures,
                "build_seconds": build_seconds,
                "database": str(path),
                "digest": figures,
            }
        )
    )


if __name__ == "__main__":
    main()
