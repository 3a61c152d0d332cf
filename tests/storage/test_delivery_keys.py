"""Delivery keys: a request's effect and its key commit together, once, even when two
deliveries race on two connections (SQLite and PostgreSQL alike)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from routing.notices import Notice
from routing.roles import Platform
from routing.usecases.context import Actor, Ctx, Outcome
from routing.usecases.deliveries import REPLY, DeliveryKey, once, was_replayed
from storage import tables as t
from tests.support.clock import FakeClock
from tests.support.world import make_baton

AT = datetime(2026, 11, 23, 9, tzinfo=UTC)
KEY = DeliveryKey("teams", "1700000000001@a:1chat")
ALICE = Actor(Platform.TEAMS, "29:alice", "Alice")


def _effect(ctx: Ctx) -> Outcome:
    ctx.uow.outbox.add(Notice(text="done", channel="a:1chat", platform="teams"))
    return Outcome("done", data={REPLY: {"said": "done"}})


def test_a_key_is_claimed_once_and_its_reply_comes_back(db_url: str) -> None:
    baton = make_baton(db_url, FakeClock())
    first = baton.relay.run(ALICE, once(KEY, _effect))
    again = baton.relay.run(ALICE, once(KEY, _effect))
    elsewhere = baton.relay.run(ALICE, once(DeliveryKey("slack", KEY.key), _effect))

    assert not was_replayed(first)
    assert was_replayed(again)
    assert again.data[REPLY] == {"said": "done"}
    assert not was_replayed(elsewhere)
    with baton.engine.connect() as conn:
        assert len(conn.execute(t.outbox.select()).all()) == 2


def test_a_failed_effect_leaves_its_key_unclaimed(db_url: str) -> None:
    baton = make_baton(db_url, FakeClock())

    def failing(ctx: Ctx) -> Outcome:
        raise RuntimeError("the effect failed")

    with pytest.raises(RuntimeError):
        baton.relay.run(ALICE, once(KEY, failing))
    assert not was_replayed(baton.relay.run(ALICE, once(KEY, _effect)))


def test_two_racing_deliveries_take_effect_once(db_url: str) -> None:
    baton = make_baton(db_url, FakeClock())
    baton.relay.rep(ALICE)
    outcomes: list[Outcome] = []
    start = threading.Barrier(2)

    def deliver() -> None:
        start.wait()
        outcomes.append(baton.relay.run(ALICE, once(KEY, _effect)))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(was_replayed(o) for o in outcomes) == [False, True]
    with baton.engine.connect() as conn:
        assert len(conn.execute(t.outbox.select()).all()) == 1
