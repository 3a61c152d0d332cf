"""Commands that only read answer from a snapshot: they never wait for a writer on SQLite."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from routing.commands import Mine, RotationShow
from routing.roles import Platform
from storage.uow import SqlUnitOfWork
from tests.support.clock import FakeClock
from tests.support.world import console, make_baton, say


def test_a_read_answers_while_another_transaction_holds_the_write_lock(
    sqlite_url: str, clock: FakeClock
) -> None:
    baton = make_baton(sqlite_url, clock, managers={("console", "maya")})
    say(baton, "maya", "/rotation add @alice qualifier")
    writer = SqlUnitOfWork(baton.engine, clock)
    with writer as uow, ThreadPoolExecutor(1) as pool:
        uow.reps.find(Platform.CONSOLE, "maya")  # BEGIN IMMEDIATE: the write lock is held now
        answer = pool.submit(baton.relay.execute, console("alice"), Mine()).result(timeout=5)
    assert answer.reply == "You have no open leads right now."


def test_a_stranger_reading_first_is_remembered_all_the_same(
    sqlite_url: str, clock: FakeClock
) -> None:
    baton = make_baton(sqlite_url, clock)
    baton.relay.execute(console("newcomer"), RotationShow(None))
    with SqlUnitOfWork(baton.engine, clock) as uow:
        assert uow.reps.find(Platform.CONSOLE, "newcomer") is not None
