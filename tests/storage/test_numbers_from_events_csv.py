"""The manager's numbers of a generated month, shown four ways, against the events CSV alone.

The digest (and ``/funnel``), the dashboard's overview and its ``numbers.csv`` read the digest's
windowed inputs; here every figure of a month is recomputed from nothing but the exported
``events.csv`` (names, times and payloads as a spreadsheet has them) and must come out the same.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from routing.chat.digest_numbers import numbers_view
from routing.dashboard.filters import LeadFilters
from routing.dashboard.numbers_export import numbers_csv
from routing.dashboard.periods import period_of
from routing.dashboard.scope import viewer_for
from routing.events import EventType, LeadEvent
from routing.metrics import period_for
from routing.metrics.costs import RoleCost, Spend
from routing.metrics.numbers import NumbersInputs, manager_numbers
from routing.stages import Stage
from routing.usecases.context import Ctx, RelayConfig
from routing.usecases.dashboard import numbers_of, overview
from routing.usecases.funnel import build_digest
from routing.usecases.numbers import rep_roles
from storage import tables as t
from storage.dashboard import SqlDashboardReads
from storage.dashboard_export import export_chunks
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork
from tests.storage.test_digest_runs import BERLIN, END, History

CONFIG = RelayConfig(timezone="Europe/Berlin", stalled_days=10)
MANAGER = viewer_for(1, "Rep 1", is_manager=True, in_rotation=False)
ROLES = {1: "qualifier", 2: "qualifier", 3: "qualifier", 4: "closer", 5: "account_manager"}
ROLES |= {7: "prospector"}


@pytest.fixture(params=[1, 2], ids=["seed1", "seed2"])
def month(request: pytest.FixtureRequest, db_url: str) -> Iterator[Engine]:
    """Two months of seeded leads, a team in pools, spend for one source, costs for two roles."""
    engine = make_engine(db_url)
    upgrade(engine)
    History(engine, seed=request.param, leads=400)
    with engine.begin() as conn:
        conn.execute(insert(t.pools), [{"name": r, "role": r} for r in sorted(set(ROLES.values()))])
        conn.execute(insert(t.memberships), [{"pool": r, "rep_id": i} for i, r in ROLES.items()])
    with SqlUnitOfWork(engine) as uow:
        for month_key in ("2026-09", "2026-10", "2026-11"):
            uow.numbers.set_spend(Spend("Web", month_key, Decimal("3000")), 1, END)
        uow.numbers.set_role_cost(RoleCost("closer", "2026-01", Decimal("8000")), 1, END)
        uow.numbers.set_role_cost(RoleCost("prospector", "2026-10", Decimal("6000")), 1, END)
        uow.commit()
    yield engine
    engine.dispose()


def _events_from_csv(text: str, ids: dict[str, int]) -> list[LeadEvent]:
    """Events as a spreadsheet holds them: rep names for ids, ISO times, JSON payloads."""
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [
        LeadEvent(
            lead_id=int(row["lead_id"]),
            type=EventType(row["type"]),
            at=datetime.fromisoformat(row["at"]),
            actor_id=ids.get(row["actor"]),
            from_stage=Stage(row["from_stage"]) if row["from_stage"] else None,
            to_stage=Stage(row["to_stage"]),
            owner_id=ids.get(row["owner"]),
            payload=json.loads(row["payload"]) if row["payload"] else {},
            id=int(row["event_id"]),
        )
        for row in rows
    ]


def _export(engine: Engine, names: dict[int, str]) -> str:
    chunks = export_chunks(engine, "events", LeadFilters(), None, names)
    return b"".join(data for data, _rows in chunks).decode("utf-8")


def test_every_figure_of_a_month_comes_back_from_the_events_csv_alone(month: Engine) -> None:
    now = END + timedelta(hours=3)
    period = period_for("month", now, BERLIN, previous_complete=True)  # October 2026
    with SqlUnitOfWork(month, lambda: now, read_only=True) as uow:
        ctx = Ctx(uow, now, CONFIG, uow.reps.get(1))
        names = {rep.id or 0: rep.name for rep in uow.reps.all()}
        digest = build_digest(ctx, period)
        shown = overview(ctx, SqlDashboardReads(uow.connection), MANAGER, period).digest
        exported = numbers_csv(numbers_of(ctx, MANAGER, period))
        inputs = NumbersInputs(
            spend=uow.numbers.spend(),
            role_costs=uow.numbers.role_costs(),
            rep_roles=rep_roles(ctx),
            stalled_days=CONFIG.stalled_days,
            timezone=CONFIG.timezone,
        )
    events = _events_from_csv(_export(month, names), {name: i for i, name in names.items()})
    again = manager_numbers(events, period, min(now, period.end), names, inputs)

    assert digest.numbers is not None
    assert shown.numbers is not None
    assert numbers_csv(again) == numbers_csv(digest.numbers) == numbers_csv(shown.numbers)
    assert numbers_csv(again) == exported
    assert numbers_view(again, full=True) == numbers_view(shown.numbers, full=True)
    _assert_the_month_has_something_of_each(again)


def _assert_the_month_has_something_of_each(numbers: Any) -> None:
    """The comparison above means something only if the month has figures in every section."""
    assert numbers.sides[2].leads > 20
    assert numbers.sides[2].won > 0
    assert {flow.source for flow in numbers.sources} >= {"web", "events", "outbound"}
    assert numbers.costs is not None
    web = next(row for row in numbers.costs.rows if row.source == "web")
    assert web.spend == Decimal("3000.00")
    assert web.cost is not None
    assert web.per_lead
    assert any(
        "no spend entered for 'events' in Oct 2026" in text for text in numbers.costs.unknown
    )
    assert numbers.pipeline.count > 0
    assert numbers.stage_times
    assert numbers.focus
    assert numbers.win_rate.won > 0
    assert numbers.cycle_median_days is not None


def test_the_weekly_digest_and_the_dashboard_week_show_the_same_numbers(month: Engine) -> None:
    now = END + timedelta(hours=3)
    with SqlUnitOfWork(month, lambda: now, read_only=True) as uow:
        ctx = Ctx(uow, now, CONFIG, uow.reps.get(1))
        period = period_of("last_week", now, BERLIN)
        digest = build_digest(ctx, period)
        shown = overview(ctx, SqlDashboardReads(uow.connection), MANAGER, period).digest
    assert digest.numbers == shown.numbers
    assert digest.numbers is not None
    assert digest.numbers.sides[2].leads > 0
