"""The manager's numbers of a generated month, shown four ways, against the events CSV alone.

The digest (and ``/funnel``), the dashboard's overview and its ``numbers.csv`` read the digest's
windowed inputs; here every figure of a month is recomputed from nothing but the exported
``events.csv`` (names, times and payloads as a spreadsheet has them), and the ``meetings`` rows
for meetings booked at hand-off, and must come out the same.
"""

from __future__ import annotations

import csv
import io
import json
import random
import statistics
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from bot.slack.render.digest import digest_blocks
from bot.teams.render.digest import digest_cards
from bot.web.dashboard.pages import overview_page
from bot.web.dashboard.render import environment
from routing.calendars.meeting import Meeting, MeetingStatus
from routing.chat.digest_numbers import meetings_sentence, numbers_view
from routing.dashboard.filters import LeadFilters
from routing.dashboard.numbers_export import numbers_csv
from routing.dashboard.periods import period_of
from routing.dashboard.scope import viewer_for
from routing.events import EventType, LeadEvent
from routing.metrics import Period, period_for
from routing.metrics.costs import RoleCost, Spend
from routing.metrics.meetings import MeetingsAtHandoff
from routing.metrics.numbers import NumbersInputs, manager_numbers
from routing.stages import Stage
from routing.usecases.context import Ctx, RelayConfig
from routing.usecases.dashboard import numbers_of, overview
from routing.usecases.funnel import build_digest
from routing.usecases.numbers import rep_roles
from storage import tables as t
from storage.calendars import SqlMeetings
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
    _book_first_meetings(engine, request.param)
    yield engine
    engine.dispose()


def _book_first_meetings(engine: Engine, seed: int) -> None:
    """After most hand-offs to the closer a first meeting: booked, moved, cancelled, without a
    start, booked only weeks later, or none, as cal.com and ``/lead slot`` store them."""
    rng = random.Random(seed)
    e = t.lead_events.c
    kinds = ("booked", "booked", "moved", "cancelled", "no start", "weeks later", "none")
    rows: list[dict[str, Any]] = []
    with engine.begin() as conn:
        handoffs = conn.execute(
            select(e.lead_id, e.at)
            .where(e.type == "handed_off", e.to_stage == "with_closer")
            .order_by(e.at, e.id)
        ).all()
        for lead_id, at in handoffs:
            kind = rng.choice(kinds)
            booked = at + timedelta(minutes=rng.choice((5, 90, 600, 3000)))
            starts = at + timedelta(hours=rng.choice((3, 20, 50, 130)))
            first = {"lead_id": lead_id, "handed_off_at": at, "source": "calcom"}
            first |= {"uid": f"m{lead_id}", "starts_at": starts, "booked_at": booked}
            if kind == "none":
                continue
            if kind == "moved":
                again = {"uid": f"m{lead_id}-again", "status": "booked", "booked_at": booked + _DAY}
                rows += [first | {"status": "moved"}, first | again | {"starts_at": starts + _DAY}]
            elif kind == "weeks later":
                later = {"starts_at": starts + 40 * _DAY, "booked_at": booked + 40 * _DAY}
                rows.append(first | later | {"status": "booked"})
            else:
                status = "cancelled" if kind == "cancelled" else "booked"
                rows.append(first | {"status": status})
                if kind == "no start":
                    rows[-1]["starts_at"] = None
        conn.execute(insert(t.meetings), rows)


_DAY = timedelta(days=1)


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
        meetings = SqlMeetings(uow.connection).after_handoffs_between(period.start, period.end)
    events = _events_from_csv(_export(month, names), {name: i for i, name in names.items()})
    again = manager_numbers(events, period, min(now, period.end), names, inputs, (), meetings)

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
    assert 0 < numbers.meetings.booked < numbers.meetings.handoffs


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


# --- meetings booked at hand-off, recounted from the rows, in every renderer ---------------------


def _meeting_rows(engine: Engine) -> list[Meeting]:
    m = t.meetings.c
    with engine.connect() as conn:
        rows = conn.execute(select(t.meetings).order_by(m.uid)).mappings().all()
    return [
        Meeting(r["uid"], r["lead_id"], r["starts_at"], MeetingStatus(r["status"]), r["source"],
                r["booked_at"], r["handed_off_at"], r["rep_id"])
        for r in rows
    ]  # fmt: skip


def _recount(
    events: Sequence[LeadEvent], meetings: Sequence[Meeting], period: Period, as_of: datetime,
    rep: int | None = None,
) -> MeetingsAtHandoff:  # fmt: skip
    """The rule written out again: each hand-off to a closer in the period (a rep's: one they
    gave or received), its meetings by their hand-off's time, booked when one stands and the
    first (cancelled ones aside) was booked by ``as_of``; days from hand-off to the earliest
    standing start."""
    handoffs = [
        (e.lead_id, e.at)
        for e in events
        if e.type is EventType.HANDED_OFF
        and e.payload.get("role") == "closer"
        and period.start <= e.at < period.end
        and (rep is None or rep in (e.actor_id, e.owner_id))
    ]
    chains: dict[tuple[int, datetime | None], list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        chains[(meeting.lead_id, meeting.handed_off_at)].append(meeting)
    booked, days = 0, []
    for lead_id, at in handoffs:
        chain = chains[(lead_id, at)]
        standing = [m for m in chain if m.status == "booked"]
        first = min((m.booked_at for m in chain if m.status != "cancelled"), default=None)
        if not standing or first is None or first > as_of:
            continue
        booked += 1
        starts = sorted(m.starts_at for m in standing if m.starts_at is not None)
        if starts:
            days.append((starts[0] - at).total_seconds() / 86_400)
    median = statistics.median(days) if days else None
    return MeetingsAtHandoff(len(handoffs), booked, len(days), median)


def _csv_meetings(text: str) -> dict[str, str]:
    rows = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return {r["figure"]: r["value"] for r in rows if r["section"] == "meetings_at_handoff"}


@pytest.mark.parametrize("choice", ["last_week", "this_month", "last_30_days"])
def test_meetings_at_handoff_recounted_from_the_rows_agree_with_every_renderer(
    month: Engine, choice: str
) -> None:
    now = END + timedelta(hours=3)
    closer = viewer_for(4, "Rep 4", is_manager=False, in_rotation=True)
    with SqlUnitOfWork(month, lambda: now, read_only=True) as uow:
        ctx = Ctx(uow, now, CONFIG, uow.reps.get(1))
        names = {rep.id or 0: rep.name for rep in uow.reps.all()}
        period = period_of(choice, now, BERLIN)  # type: ignore[arg-type]
        digest = build_digest(ctx, period)
        reads = SqlDashboardReads(uow.connection)
        pages = {
            who: overview_page(environment(), ctx, who, reads, {"period": choice}, {}).html
            for who in (MANAGER, closer)
        }
        exported = {who: numbers_csv(numbers_of(ctx, who, period)) for who in (MANAGER, closer)}
    events = _events_from_csv(_export(month, names), {name: i for i, name in names.items()})
    meetings = _meeting_rows(month)
    as_of = min(now, period.end)
    team = _recount(events, meetings, period, as_of)
    theirs = _recount(events, meetings, period, as_of, rep=4)
    assert 0 < team.booked < team.handoffs

    assert digest.numbers is not None
    assert digest.numbers.meetings.handoffs == digest.numbers.sides[2].opportunities
    said = meetings_sentence(team)
    assert digest.numbers.meetings.median_days == pytest.approx(team.median_days)
    assert meetings_sentence(digest.numbers.meetings) == said
    assert said in [line.strip() for line in digest.text.splitlines()]
    assert said in json.dumps(digest_blocks(digest), ensure_ascii=False)
    assert said in json.dumps(digest_cards(digest), ensure_ascii=False)
    assert f">{said}</li>" in pages[MANAGER]
    assert f">{meetings_sentence(theirs)}</li>" in pages[closer]
    for who, found in ((MANAGER, team), (closer, theirs)):
        assert _csv_meetings(exported[who]) == {
            "handoffs": str(found.handoffs),
            "booked": str(found.booked),
            "rate": f"{found.booked / found.handoffs:.4f}",
            "with_start": str(found.timed),
            "median_days_to_start": f"{found.median_days:.2f}",
        }
