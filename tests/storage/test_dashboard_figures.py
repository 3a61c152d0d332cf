"""The dashboard's overview against the digest on a seeded history, on SQLite and PostgreSQL.

The overview reads the digest's own inputs and computes its figures with the digest's
functions; the trend computes a week's inbound, qualified and won value from that week's events
alone (cheaply, and cached for complete weeks). Each is checked here against the digest of the
same period built by ``build_digest``, the path the scheduled digest takes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from routing.dashboard.periods import period_of
from routing.dashboard.scope import viewer_for
from routing.usecases.context import Ctx, RelayConfig
from routing.usecases.dashboard import TrendPoint, overview
from routing.usecases.funnel import build_digest
from storage.dashboard import SqlDashboardReads
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork
from tests.storage.test_digest_runs import BERLIN, END, History

CONFIG = RelayConfig(timezone="Europe/Berlin")
MANAGER = viewer_for(1, "Rep 1", is_manager=True, in_rotation=False)


@pytest.fixture(params=[1, 2], ids=["seed1", "seed2"])
def history(request: pytest.FixtureRequest, db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine)
    History(engine, seed=request.param, leads=400)
    yield engine
    engine.dispose()


def _ctx(uow: SqlUnitOfWork, now: datetime) -> Ctx:
    return Ctx(uow, now, CONFIG, uow.reps.get(1))


def test_each_trend_week_has_the_digests_inbound_qualified_and_won_value(
    history: Engine,
) -> None:
    now = END + timedelta(hours=3)  # Monday: the current week has just begun
    cache: dict[tuple[int | None, datetime], TrendPoint] = {}
    with SqlUnitOfWork(history, lambda: now, read_only=True) as uow:
        ctx = _ctx(uow, now)
        reads = SqlDashboardReads(uow.connection)
        period = period_of("last_week", now, BERLIN)
        trend = overview(ctx, reads, MANAGER, period, cache).trend
        cached = overview(ctx, reads, MANAGER, period, cache).trend
        digests = [build_digest(ctx, point.period).report for point in trend]
    assert len(trend) == 12
    assert len(cache) == 11, "every complete week is kept"
    assert cached == trend
    for point, report in zip(trend, digests, strict=True):
        assert report.period == point.period
        got = (point.inbound, point.qualified, point.won_value)
        assert got == (report.inbound, report.qualified, report.won_value), point.period.label
    busy = [point for point in trend if point.inbound and point.qualified and point.won_value]
    assert len(busy) >= 6, "the seeded weeks have leads, qualifications and wins to compare"
    assert sum((p.won_value for p in trend), Decimal(0)) > 0


@pytest.mark.parametrize("choice", ["yesterday", "last_week", "this_week", "last_30_days"])
def test_the_managers_overview_is_the_digest_of_the_same_period(
    history: Engine, choice: str
) -> None:
    now = END - timedelta(days=2)  # Saturday morning: every choice has leads, later ones too
    with SqlUnitOfWork(history, lambda: now, read_only=True) as uow:
        ctx = _ctx(uow, now)
        period = period_of(choice, now, BERLIN)  # type: ignore[arg-type]
        shown = overview(ctx, SqlDashboardReads(uow.connection), MANAGER, period).digest
        digest = build_digest(ctx, period)
    assert shown.report == digest.report
    assert shown.previous == digest.previous
    assert shown.deltas == digest.deltas
    assert shown.report.inbound > 0


def test_a_reps_trend_week_is_their_own_overview_of_that_week(history: Engine) -> None:
    """A rep's figures count the leads they held (owned or acted on) before the period ended:
    the trend must use that rule too, not "held at any time", or a lead reassigned to them
    later would appear in weeks before it was theirs."""
    now = END + timedelta(hours=3)
    with SqlUnitOfWork(history, lambda: now, read_only=True) as uow:
        ctx = _ctx(uow, now)
        reads = SqlDashboardReads(uow.connection)
        reps = [rep for rep in uow.reps.all() if rep.id not in (None, 1)][:4]
        compared = 0
        for rep in reps:
            viewer = viewer_for(rep.id or 0, rep.name, is_manager=False, in_rotation=True)
            trend = overview(ctx, reads, viewer, period_of("last_week", now, BERLIN)).trend
            for point in trend[:-1]:
                own = overview(ctx, reads, viewer, point.period).digest.report
                got = (point.inbound, point.qualified, point.won_value)
                assert got == (own.inbound, own.qualified, own.won_value), (rep.name, point)
                compared += bool(point.inbound)
    assert compared >= 8, "the reps have weeks with leads to compare"


def test_the_owner_ids_are_exactly_the_reps_owning_a_lead_now(history: Engine) -> None:
    with SqlUnitOfWork(history, lambda: END, read_only=True) as uow:
        owners = SqlDashboardReads(uow.connection).owner_ids()
        rows = uow.connection.exec_driver_sql(
            "SELECT DISTINCT owner_id FROM leads WHERE owner_id IS NOT NULL"
        ).all()
    assert owners == {row[0] for row in rows}
    assert owners
