"""``BATON_RETENTION_DAYS``: a daily job clears raw post texts, webhook bodies, delivered outbox
payloads and kept replies older than the setting, once a day however many processes run it;
the leads' fields stay. Off by default."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import select

from bot.baton import Baton
from bot.config import Settings
from bot.entrypoints.scheduler import build_scheduler, run_retention
from bot.outbox.port import Delivery
from routing.arrival import WebhookCall, arrived, posted
from routing.lead_post import Unparsed
from routing.roles import Platform
from storage import tables as t
from tests.support.clock import FakeClock
from tests.support.phones import PHONES
from tests.support.world import make_baton, say

LONG_POST = "Name: Old Buyer\nEmail: old@buyer.io\nCompany: Oldco\n" + "Notes: long\n" * 200


class Quiet:
    def deliver(self, delivery: Delivery) -> str | None:
        return None


def _world(url: str, clock: FakeClock, days: int | None = 30) -> Baton:
    quiet = Quiet()
    baton = make_baton(
        url,
        clock,
        managers={("console", "boss")},
        notifiers={"slack": quiet, "console": quiet},
        retention_days=days,
    )
    say(baton, "boss", "/rotation add @alice qualifier")
    return baton


def _old_and_new(baton: Baton, clock: FakeClock) -> tuple[int, int, int]:
    old = baton.relay.ingest(
        posted(Platform.SLACK, "C0LEADS", "1.000100", LONG_POST, phones=PHONES)
    )
    body = json.dumps({"weird": "shape", "mail": "hook@buyer.io"})
    hook = baton.relay.ingest(
        arrived(WebhookCall("website", "k-1"), Unparsed("no email field"), raw=body)
    )
    with baton.relay.uow_factory() as uow:
        uow.deliveries.claim("teams", "activity-1", clock())
        uow.deliveries.save_reply("teams", "activity-1", {"text": "Logged L-1 (Old Buyer)"})
        uow.commit()
    baton.sender().drain()
    clock.advance(days=31)
    new = baton.relay.ingest(
        posted(Platform.SLACK, "C0LEADS", "2.000100", LONG_POST, phones=PHONES)
    )
    assert old.lead_id
    assert hook.lead_id
    assert new.lead_id
    return old.lead_id, hook.lead_id, new.lead_id


def _leads(baton: Baton) -> dict[int, dict[str, object]]:
    with baton.engine.connect() as conn:
        return {r["id"]: dict(r) for r in conn.execute(select(t.leads)).mappings()}


def test_the_daily_job_clears_old_raw_texts_bodies_and_delivered_payloads_and_keeps_fields(
    db_url: str, clock: FakeClock
) -> None:
    baton = _world(db_url, clock)
    old, hook, new = _old_and_new(baton, clock)
    outcome = run_retention(baton)
    assert outcome is not None
    assert outcome.data["ran"] is True
    leads = _leads(baton)
    assert leads[old]["raw_text"] is None
    assert leads[hook]["raw_text"] is None
    assert leads[new]["raw_text"]  # younger than the setting
    assert (leads[old]["email"], leads[old]["name"], leads[old]["company"]) == (
        "old@buyer.io",
        "Old Buyer",
        "Oldco",
    )
    with baton.engine.connect() as conn:
        sent = [
            (r.created_at, r.notice)
            for r in conn.execute(select(t.outbox).where(t.outbox.c.status == "sent"))
        ]
        replies = [r.reply for r in conn.execute(select(t.delivery_keys))]
    old_rows = [notice for _at, notice in sent]  # all sent before the 31 days went by
    assert old_rows
    assert all(notice["text"] == "" and notice["cleared"] for notice in old_rows)
    assert "Old Buyer" not in json.dumps(old_rows)
    assert replies == [None]


def test_the_job_runs_once_a_day_however_many_processes_run_it(
    db_url: str, clock: FakeClock
) -> None:
    baton = _world(db_url, clock)
    _old_and_new(baton, clock)
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda _n: run_retention(baton), range(4)))
    assert sum(bool(o and o.data["ran"]) for o in outcomes) == 1
    clock.advance(days=1)
    again = run_retention(baton)
    assert again is not None
    assert again.data["ran"] is True


def test_retention_is_off_by_default_and_the_scheduler_then_has_no_job(
    sqlite_url: str, clock: FakeClock
) -> None:
    baton = _world(sqlite_url, clock, days=None)
    old, _hook, _new = _old_and_new(baton, clock)
    assert run_retention(baton) is None
    assert _leads(baton)[old]["raw_text"]
    assert "retention" not in {job.id for job in build_scheduler(baton, []).get_jobs()}
    on = _world(sqlite_url, clock)
    assert "retention" in {job.id for job in build_scheduler(on, []).get_jobs()}
    assert Settings(_env_file=None, baton_retention_days="").baton_retention_days is None  # type: ignore[call-arg]
    assert Settings(_env_file=None, baton_retention_days="90").relay_config().retention_days == 90  # type: ignore[call-arg]
