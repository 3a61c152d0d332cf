"""The scheduler in ``baton serve``: the right digest at the right local time, exactly once across
processes and restarts, and the minute SLA sweep on the real database.

Job functions are called directly with a clock that moves only when told; the APScheduler side
(the triggers, and that starting the scheduler runs the catch-up) is checked against its own
next-fire-time arithmetic and one real start.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
import time_machine
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.baton import Baton
from bot.config import Settings
from bot.entrypoints.cli import app
from bot.entrypoints.scheduler import (
    build_scheduler,
    catch_up,
    digest_schedules,
    digest_trigger,
    run_digest,
    run_sweep,
)
from routing.arrival import posted
from routing.notices import NoticeKind
from routing.roles import Platform
from routing.usecases.digests import schedules
from storage import tables as t
from storage.codec import notice_from
from tests.support.clock import FakeClock
from tests.support.phones import PHONES
from tests.support.world import make_baton, say

TZ = "Europe/Berlin"
BERLIN = ZoneInfo(TZ)
SCHEDULES = schedules(time(8, 0), TZ, "C0DIGEST", None)
DAILY, WEEKLY = SCHEDULES
T = TypeVar("T")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)  # type: ignore[misc]


@pytest.fixture
def batons(db_url: str) -> Iterator[Callable[[FakeClock], Baton]]:
    """Bakes Batons on one database, as separate processes would have: one engine each."""
    made: list[Baton] = []

    def make(clock: FakeClock) -> Baton:
        baton = make_baton(db_url, clock, managers={("console", "maya")}, timezone=TZ)
        made.append(baton)
        return baton

    yield make
    for baton in made:
        baton.engine.dispose()


def held_leads_since_november(url: str) -> None:
    """Baton has held a lead since 1 Nov, so the periods these tests send are due: a period
    before Baton's first lead is never sent."""
    baton = make_baton(url, FakeClock(berlin(2026, 11, 1, 9, 0)), timezone=TZ)
    baton.relay.ingest(
        posted(Platform.SLACK, "C0LEADS", "0.1", "Lead: Ann, ann@first.io", phones=PHONES)
    )
    baton.engine.dispose()


def digest_rows(baton: Baton) -> list[tuple[str, str | None, str]]:
    """(channel, schedule, period key) of every digest in the outbox, in order."""
    with baton.engine.connect() as conn:
        rows = conn.execute(select(t.outbox.c.notice).order_by(t.outbox.c.id)).scalars().all()
    notices = [notice_from(row) for row in rows]
    return [
        (n.channel or "", n.data.get("schedule"), n.data["key"])
        for n in notices
        if n.kind is NoticeKind.DIGEST
    ]


def claims(baton: Baton) -> list[tuple[str, str]]:
    with baton.engine.connect() as conn:
        rows = conn.execute(
            select(t.digest_runs.c.digest, t.digest_runs.c.period).order_by(
                t.digest_runs.c.digest, t.digest_runs.c.period
            )
        ).all()
    return [(r[0], r[1]) for r in rows]


def at_once(*jobs: Callable[[], T]) -> list[T]:
    """Run the jobs in threads released together, as two processes' schedulers at 08:00."""
    barrier = threading.Barrier(len(jobs))

    def released(job: Callable[[], T]) -> T:
        barrier.wait(timeout=30)
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(released, job) for job in jobs]
        return [future.result(timeout=60) for future in futures]


# --- the schedules and their triggers ------------------------------------------------------


def test_the_settings_give_the_daily_and_weekly_schedules() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        baton_digest_channel="C0DIGEST",
        baton_teams_digest_channel="19:x@thread.tacv2",
        baton_timezone=TZ,
        baton_digest_time="07:45",
    )
    daily, weekly = digest_schedules(settings)
    assert (daily.kind, daily.at, daily.timezone) == ("day", time(7, 45), TZ)
    assert [d.platform for d in daily.destinations] == ["slack", "teams"]
    assert (weekly.kind, weekly.weekday) == ("week", 0)
    assert digest_schedules(Settings(_env_file=None)) == []  # type: ignore[call-arg]


def test_the_daily_trigger_fires_at_eight_local_time_across_a_dst_change() -> None:
    trigger = digest_trigger(DAILY)
    saturday_noon = berlin(2026, 3, 28, 12, 0)
    sunday = trigger.get_next_fire_time(None, saturday_noon)
    monday = trigger.get_next_fire_time(None, sunday + timedelta(seconds=1))
    assert sunday == berlin(2026, 3, 29, 8, 0) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)
    assert monday == berlin(2026, 3, 30, 8, 0)
    assert sunday.astimezone(BERLIN).hour == monday.astimezone(BERLIN).hour == 8


def test_the_weekly_trigger_fires_on_monday_morning() -> None:
    fire = digest_trigger(WEEKLY).get_next_fire_time(None, berlin(2026, 11, 24, 12, 0))
    assert fire == berlin(2026, 11, 30, 8, 0)


def test_the_scheduler_has_one_job_per_digest_plus_the_sweep_nudges_calendars_and_catch_up(
    sqlite_url: str, clock: FakeClock
) -> None:
    baton = make_baton(sqlite_url, clock, timezone=TZ)
    scheduler = build_scheduler(baton, SCHEDULES)
    assert sorted(job.id for job in scheduler.get_jobs()) == [
        "calendar-refresh",
        "digest-catch-up",
        "digest:daily",
        "digest:weekly",
        "sla-sweep",
        "stall-nudges",
    ]
    baton.engine.dispose()


# --- the right period at the right time ---------------------------------------------------------


def test_the_job_sends_the_period_derived_from_the_clock_in_the_teams_timezone(
    batons: Callable[[FakeClock], Baton], db_url: str
) -> None:
    """Monday 23 Nov 00:30 in Berlin is still Sunday in UTC; 08:00 sends Sunday's digest."""
    held_leads_since_november(db_url)
    clock = FakeClock(berlin(2026, 11, 23, 0, 30))
    baton = batons(clock)
    run_digest(baton, DAILY)
    assert digest_rows(baton) == [("C0DIGEST", "daily", "2026-11-21")]
    clock.now = berlin(2026, 11, 23, 8, 0)
    run_digest(baton, DAILY)
    run_digest(baton, WEEKLY)
    assert digest_rows(baton)[1:] == [
        ("C0DIGEST", "daily", "2026-11-22"),
        ("C0DIGEST", "weekly", "2026-W47"),
    ]


def test_a_job_fired_twice_for_the_same_moment_sends_once(
    batons: Callable[[FakeClock], Baton], db_url: str
) -> None:
    held_leads_since_november(db_url)
    clock = FakeClock(berlin(2026, 11, 23, 8, 0))
    baton = batons(clock)
    run_digest(baton, DAILY)
    clock.advance(seconds=30)
    run_digest(baton, DAILY)
    assert digest_rows(baton) == [("C0DIGEST", "daily", "2026-11-22")]


def test_with_a_travelling_clock_the_started_scheduler_catches_up_what_is_due(
    sqlite_url: str,
) -> None:
    """The real BackgroundScheduler, started while time stands at Monday 10:00 in Berlin."""
    held_leads_since_november(sqlite_url)
    with time_machine.travel(berlin(2026, 11, 23, 10, 0), tick=False):
        from storage.uow import utc_now

        baton = make_baton(sqlite_url, utc_now, timezone=TZ)
        scheduler = build_scheduler(baton, SCHEDULES)
        done = threading.Event()
        failed: list[JobExecutionEvent] = []

        def listen(event: JobExecutionEvent) -> None:
            if event.job_id == "digest-catch-up":
                if event.exception is not None:
                    failed.append(event)
                done.set()

        scheduler.add_listener(listen, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        scheduler.start(paused=False)
        try:
            assert done.wait(timeout=30), "the catch-up job did not run"
        finally:
            scheduler.shutdown(wait=True)
        assert not failed
        assert digest_rows(baton) == [
            ("C0DIGEST", "daily", "2026-11-22"),
            ("C0DIGEST", "weekly", "2026-W47"),
        ]
    baton.engine.dispose()


# --- exactly once --------------------------------------------------------------------------------


def test_two_schedulers_on_one_database_send_each_digest_once(
    batons: Callable[[FakeClock], Baton], db_url: str
) -> None:
    held_leads_since_november(db_url)
    clock = FakeClock(berlin(2026, 11, 23, 8, 0))
    first, second = batons(clock), batons(clock)
    outcomes = at_once(
        lambda: run_digest(first, DAILY),
        lambda: run_digest(second, DAILY),
        lambda: run_digest(first, WEEKLY),
        lambda: run_digest(second, WEEKLY),
    )
    assert sorted(len(o.data["sent"]) for o in outcomes) == [0, 0, 1, 1]
    assert sorted(digest_rows(first)) == [
        ("C0DIGEST", "daily", "2026-11-22"),
        ("C0DIGEST", "weekly", "2026-W47"),
    ]
    assert claims(second) == [("daily", "2026-11-22"), ("weekly", "2026-W47")]


def test_a_digest_missed_during_downtime_is_sent_once_when_the_server_starts(
    batons: Callable[[FakeClock], Baton], db_url: str
) -> None:
    held_leads_since_november(db_url)
    clock = FakeClock(berlin(2026, 11, 22, 8, 0))
    baton = batons(clock)
    run_digest(baton, DAILY)  # Sunday 08:00: Saturday's digest went out; then the server stopped
    clock.now = berlin(2026, 11, 23, 10, 30)  # back on Monday at 10:30, after the 08:00 slot
    restarted = batons(clock)
    assert catch_up(restarted, SCHEDULES) == ["daily:2026-11-22", "weekly:2026-W47"]
    again = batons(clock)  # a second replica starting, or a quick restart
    assert catch_up(again, SCHEDULES) == []
    clock.advance(hours=1)
    run_digest(again, DAILY)  # a cron job fired late is just as idempotent
    assert digest_rows(baton) == [
        ("C0DIGEST", "daily", "2026-11-21"),
        ("C0DIGEST", "daily", "2026-11-22"),
        ("C0DIGEST", "weekly", "2026-W47"),
    ]


def test_several_days_of_downtime_send_only_the_latest_digest(
    batons: Callable[[FakeClock], Baton], db_url: str
) -> None:
    held_leads_since_november(db_url)
    clock = FakeClock(berlin(2026, 11, 20, 8, 0))
    run_digest(batons(clock), DAILY)
    clock.now = berlin(2026, 11, 23, 9, 0)
    baton = batons(clock)
    catch_up(baton, [DAILY])
    assert [key for _c, _s, key in digest_rows(baton)] == ["2026-11-19", "2026-11-22"]


def test_the_first_start_after_install_sends_no_digest_for_the_weeks_before_any_lead(
    batons: Callable[[FakeClock], Baton],
) -> None:
    clock = FakeClock(berlin(2026, 11, 23, 10, 30))  # installed on Monday morning
    baton = batons(clock)
    assert catch_up(baton, SCHEDULES) == [], "no '0 leads' digest for last week"
    baton.relay.ingest(
        posted(Platform.SLACK, "C0LEADS", "1.1", "Lead: Ann, ann@first.io", phones=PHONES)
    )
    assert catch_up(batons(clock), SCHEDULES) == [], "yesterday was still before the first lead"
    clock.now = berlin(2026, 11, 24, 8, 0)
    assert run_digest(baton, DAILY).data["sent"] == ["2026-11-23"]
    assert digest_rows(baton) == [("C0DIGEST", "daily", "2026-11-23")]


# --- baton digest ----------------------------------------------------------------------------


@pytest.fixture
def cli_env(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("BATON_DIGEST_CHANNEL", "C0DIGEST")
    monkeypatch.setenv("BATON_TIMEZONE", TZ)
    monkeypatch.setenv("BATON_DIGEST_TIME", "08:00")
    return sqlite_url


def test_baton_digest_send_for_a_period_already_sent_posts_nothing(cli_env: str) -> None:
    runner = CliRunner()
    held_leads_since_november(cli_env)
    with time_machine.travel(berlin(2026, 11, 23, 9, 0), tick=False):
        baton = make_baton(cli_env, FakeClock(berlin(2026, 11, 23, 9, 0)), timezone=TZ)
        run_digest(baton, DAILY)  # the scheduler sent it at 08:00
        before = digest_rows(baton)
        result = runner.invoke(app, ["digest", "--send"])
    assert result.exit_code == 0, result.output
    assert "already sent" in result.output
    assert digest_rows(baton) == before == [("C0DIGEST", "daily", "2026-11-22")]
    baton.engine.dispose()


def test_baton_digest_send_claims_the_period_so_the_scheduler_skips_it(cli_env: str) -> None:
    runner = CliRunner()
    with time_machine.travel(berlin(2026, 11, 23, 7, 0), tick=False):
        result = runner.invoke(app, ["digest", "--send", "--period", "week"])
    assert result.exit_code == 0, result.output
    assert "week 47 of 2026" in result.output
    baton = make_baton(cli_env, FakeClock(berlin(2026, 11, 23, 8, 0)), timezone=TZ)
    run_digest(baton, WEEKLY)
    assert digest_rows(baton) == [("C0DIGEST", "weekly", "2026-W47")]
    baton.engine.dispose()


def test_baton_digest_print_shows_the_text_and_writes_the_chart(
    cli_env: str, tmp_path: Path
) -> None:
    chart = tmp_path / "funnel.png"
    with time_machine.travel(berlin(2026, 11, 23, 9, 0), tick=False):
        result = CliRunner().invoke(app, ["digest", "--print", "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Funnel digest · Sun 22 Nov 2026\n")
    assert chart.read_bytes().startswith(b"\x89PNG")
    baton = make_baton(cli_env, FakeClock(), timezone=TZ)
    assert digest_rows(baton) == [], "printing sends nothing"
    baton.engine.dispose()


def test_baton_digest_send_without_a_channel_says_which_setting_is_missing(
    cli_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BATON_DIGEST_CHANNEL")
    result = CliRunner().invoke(app, ["digest", "--send"])
    assert result.exit_code == 2
    assert "BATON_DIGEST_CHANNEL" in result.output


# --- rebuilding a digest for a notifier ---------------------------------------------------------


def test_a_digest_notice_is_rebuilt_with_the_figures_it_was_sent_with(
    batons: Callable[[FakeClock], Baton],
) -> None:
    clock = FakeClock(berlin(2026, 11, 22, 10, 0))
    baton = batons(clock)
    say(baton, "maya", "/rotation add @alice qualifier")
    baton.relay.ingest(
        posted(
            Platform.SLACK,
            "C0LEADS",
            "1.1",
            "Lead: Sam Ortiz, sam@umbrella.co, Umbrella",
            phones=PHONES,
        )
    )
    clock.now = berlin(2026, 11, 23, 8, 0)
    sent = run_digest(baton, DAILY)
    assert sent.data["sent"] == ["2026-11-22"]
    with baton.engine.connect() as conn:
        notice = notice_from(
            conn.execute(
                select(t.outbox.c.notice).where(t.outbox.c.lane == "channel:slack:C0DIGEST")
            ).scalar_one()
        )
    clock.advance(days=2)  # delivered late, after more leads came in
    baton.relay.ingest(
        posted(
            Platform.SLACK, "C0LEADS", "1.2", "Lead: Ann Lee, ann@globex.com, Globex", phones=PHONES
        )
    )
    digest = baton.relay.digest_for(notice.data)
    assert digest.report.period.label == "Sun 22 Nov 2026"
    assert digest.report.inbound == 1
    assert digest.text == notice.text


# --- the SLA sweep on the real database ----------------------------------------------------------


def test_the_minute_sweep_moves_an_unclaimed_lead_and_escalates_the_second_miss(
    batons: Callable[[FakeClock], Baton],
) -> None:
    clock = FakeClock(berlin(2026, 11, 23, 10, 0))
    baton = batons(clock)
    say(baton, "maya", "/rotation add @alice qualifier")
    say(baton, "maya", "/rotation add @bob qualifier")
    baton.relay.ingest(
        posted(
            Platform.SLACK,
            "C0LEADS",
            "1.1",
            "Lead: Sam Ortiz, sam@umbrella.co, Umbrella",
            phones=PHONES,
        )
    )
    clock.advance(minutes=6)
    assert run_sweep(baton).data["moved"] == [1]
    clock.advance(minutes=6)
    assert run_sweep(baton).data["moved"] == [1]
    with baton.relay.uow_factory() as uow:
        lead = uow.leads.get(1)
        maya = uow.reps.find(Platform.CONSOLE, "maya")
        assert lead.sla_misses == 2
        assert maya is not None
        owner = uow.reps.get(lead.owner_id or 0)
    assert owner.name == "alice"
    with baton.engine.connect() as conn:
        to_maya = [
            notice_from(row).text
            for row in conn.execute(select(t.outbox.c.notice)).scalars()
            if notice_from(row).rep_id == maya.id
        ]
    assert any("missed the claim SLA 2 times" in text for text in to_maya)


def test_two_processes_sweeping_at_once_move_a_missed_lead_once(
    batons: Callable[[FakeClock], Baton],
) -> None:
    clock = FakeClock(berlin(2026, 11, 23, 10, 0))
    first, second = batons(clock), batons(clock)
    for name in ("alice", "bob", "carol"):
        say(first, "maya", f"/rotation add @{name} qualifier")
    first.relay.ingest(
        posted(
            Platform.SLACK,
            "C0LEADS",
            "1.1",
            "Lead: Sam Ortiz, sam@umbrella.co, Umbrella",
            phones=PHONES,
        )
    )
    clock.advance(minutes=6)
    moved = at_once(lambda: run_sweep(first), lambda: run_sweep(second))
    assert sorted(len(o.data["moved"]) for o in moved) == [0, 1]
    with first.engine.connect() as conn:
        misses = conn.execute(
            select(func.count())
            .select_from(t.lead_events)
            .where(t.lead_events.c.type == "sla_missed")
        ).scalar_one()
    assert misses == 1


# --- the serve worker ----------------------------------------------------------------------------


def test_the_serve_worker_runs_the_scheduler_until_stopped(
    sqlite_url: str, clock: FakeClock
) -> None:
    from bot.entrypoints.scheduler import start_scheduler
    from bot.entrypoints.serve import make_server

    baton = make_baton(sqlite_url, clock, timezone=TZ)
    running = [t for t in threading.enumerate() if t.name.startswith("APScheduler")]
    stop = start_scheduler(baton)
    try:
        started = [t for t in threading.enumerate() if t.name.startswith("APScheduler")]
        assert len(started) == len(running) + 1
    finally:
        stop()
    settings = Settings(_env_file=None, database_url=sqlite_url)  # type: ignore[call-arg]
    assert start_scheduler in make_server(settings, baton).workers
    assert start_scheduler not in make_server(settings, baton, sender=False).workers
    baton.engine.dispose()
