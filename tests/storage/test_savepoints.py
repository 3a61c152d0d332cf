"""A savepoint undoes only its own part of a transaction, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from routing.notices import Notice
from storage import tables as t
from storage.uow import SqlUnitOfWork
from tests.support.clock import FakeClock
from tests.support.world import make_baton


def _key(uow: SqlUnitOfWork, key: str, clock: FakeClock) -> None:
    uow.connection.execute(insert(t.intake_keys).values(key=key, created_at=clock.now))


def _keys_and_notices(uow: SqlUnitOfWork) -> tuple[list[str], list[str]]:
    keys = uow.connection.execute(select(t.intake_keys.c.key).order_by("key")).scalars()
    notices = uow.connection.execute(select(t.outbox.c.notice)).scalars()
    return list(keys), [notice["text"] for notice in notices]


def test_a_database_error_inside_a_savepoint_is_undone_alone_and_the_rest_commits(
    db_url: str, clock: FakeClock
) -> None:
    baton = make_baton(db_url, clock)

    def twice(uow: SqlUnitOfWork) -> None:
        with uow.savepoint():
            uow.outbox.add(Notice(text="undone", channel="#x", platform="console"))
            _key(uow, "twice", clock)
            _key(uow, "twice", clock)

    with SqlUnitOfWork(baton.engine, clock) as uow:
        _key(uow, "before", clock)
        with pytest.raises(IntegrityError):
            twice(uow)
        with uow.savepoint():
            _key(uow, "after", clock)
            uow.outbox.add(Notice(text="kept", channel="#x", platform="console"))
        uow.commit()
    with SqlUnitOfWork(baton.engine, clock) as uow:
        assert _keys_and_notices(uow) == (["after", "before"], ["kept"])


def test_savepoints_nest_and_an_inner_failure_keeps_the_outer_part(
    db_url: str, clock: FakeClock
) -> None:
    baton = make_baton(db_url, clock)

    def again(uow: SqlUnitOfWork) -> None:
        with uow.savepoint():
            _key(uow, "outer", clock)

    with SqlUnitOfWork(baton.engine, clock) as uow:
        with uow.savepoint():
            _key(uow, "outer", clock)
            with pytest.raises(IntegrityError):
                again(uow)
            _key(uow, "outer-after", clock)
        uow.commit()
    with SqlUnitOfWork(baton.engine, clock) as uow:
        assert _keys_and_notices(uow) == (["outer", "outer-after"], [])
