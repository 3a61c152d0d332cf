"""An imported list does not flood anyone: its leads get a list's claim SLA (a working day by
default), and however many miss it together, no sweep sends a manager more than one message."""

from __future__ import annotations

import hashlib
from collections import Counter

from sqlalchemy import select

from bot.baton import Baton
from bot.console.session import ConsoleSession
from bot.entrypoints.imports import run_import
from routing.csv_rows import read_rows
from routing.notices import Notice
from routing.usecases.imports import ImportOptions
from storage import tables as t
from storage.codec import notice_from
from tests.support.clock import FakeClock
from tests.support.phones import PHONES
from tests.support.world import make_baton, say

LIST = 195
MANAGERS = ("maya", "max")


def _imported(url: str, clock: FakeClock, **config: object) -> Baton:
    baton = make_baton(url, clock, {("console", m) for m in MANAGERS}, **config)
    for who in ("ann", "ben", "cat"):
        say(baton, "maya", f"/rotation add @{who} qualifier")
    text = "Email,Name,Company\n" + "".join(
        f"p{n}@firm{n}.io,Pat {n},Firm {n}\n" for n in range(LIST)
    )
    options = ImportOptions(hashlib.sha256(text.encode()).hexdigest(), None, source="list.csv")
    summary = run_import(
        baton, list(read_rows(text, phones=PHONES)), options, echo=lambda _line: None
    )
    assert summary.rows == LIST
    return baton


def _outbox(baton: Baton) -> list[Notice]:
    with baton.engine.connect() as conn:
        rows = conn.execute(select(t.outbox.c.notice).order_by(t.outbox.c.id)).scalars()
        return [notice_from(row) for row in rows]


def _manager_ids(baton: Baton) -> dict[int, str]:
    with baton.relay.uow_factory() as uow:
        return {rep.id or 0: rep.name for rep in uow.reps.all() if rep.name in MANAGERS}


def test_195_imported_leads_that_miss_the_sla_send_each_manager_at_most_one_message_a_sweep(
    db_url: str, clock: FakeClock
) -> None:
    baton = _imported(db_url, clock, import_claim_sla_minutes=30)
    managers = _manager_ids(baton)
    seen, misses, told = len(_outbox(baton)), 0, Counter[str]()
    for _sweep in range(12):  # every 15 min for 3 h: each lead misses at 45, 90, 135, 180 min
        clock.advance(minutes=15)
        misses += len(baton.relay.sweep().data["moved"])
        notices = _outbox(baton)
        per_manager = Counter(managers[n.rep_id] for n in notices[seen:] if n.rep_id in managers)
        per_person = Counter(n.rep_id for n in notices[seen:] if n.rep_id is not None)
        seen = len(notices)
        assert max(per_manager.values(), default=0) <= 1, per_manager
        assert max(per_person.values(), default=0) <= 1, "reps hear once a sweep too"
        told.update(per_manager)
    assert misses >= LIST * 4
    assert told == {"maya": 3, "max": 3}, "told of each sweep's repeat misses, once each"
    last = next(n for n in reversed(_outbox(baton)) if n.rep_id in managers)
    assert last.text.startswith(f"From the claim SLA check ({LIST} leads):")
    assert f"still unclaimed ({LIST}): L-1, L-2, " in last.text
    assert f"… and {LIST - 100} more" in last.text
    baton.engine.dispose()


def test_imported_leads_have_a_working_days_claim_sla_by_default(
    sqlite_url: str, clock: FakeClock
) -> None:
    baton = _imported(sqlite_url, clock)
    assert any("(SLA 8 h)" in n.text for n in _outbox(baton)), "the assignee is told the SLA"
    clock.advance(minutes=6)
    assert baton.relay.sweep().data["moved"] == [], "a list is not a fresh post"
    clock.advance(hours=7, minutes=54)
    assert baton.relay.sweep().data["moved"] == []
    clock.advance(minutes=1)
    assert len(baton.relay.sweep().data["moved"]) == LIST


def test_a_post_keeps_the_minutes_of_a_fresh_lead_beside_an_imported_list(
    sqlite_url: str, clock: FakeClock
) -> None:
    baton = _imported(sqlite_url, clock)
    ConsoleSession(baton.relay, lambda: None, lambda _s: None, "maya").post(
        "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"
    )
    clock.advance(minutes=6)
    assert baton.relay.sweep().data["moved"] == [LIST + 1]
