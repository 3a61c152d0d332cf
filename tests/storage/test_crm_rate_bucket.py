"""The CRM's rate limit is one row every process and replica takes from: together they never go
above HUBSPOT_RATE_LIMIT requests in any 10 seconds, and use what it allows."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from storage.crm import SqlRateBucket
from storage.engine import make_engine
from storage.migrate import upgrade

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_four_replicas_share_one_bucket_and_never_exceed_the_limit(db_url: str) -> None:
    engines = [make_engine(db_url) for _ in range(4)]
    upgrade(engines[0])
    buckets = [SqlRateBucket(e, 100, timedelta(seconds=10)) for e in engines]
    taken: list[int] = [0, 0, 0, 0]

    def replica(n: int) -> None:
        for _ in range(60):
            if buckets[n].take(T0) == 0:
                taken[n] += 1

    threads = [threading.Thread(target=replica, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(taken) == 100  # the whole limit at one instant, and not one more
    assert buckets[0].take(T0 + timedelta(seconds=9)) > 0
    assert buckets[1].take(T0 + timedelta(seconds=10.3)) == 0  # the window has passed
    for engine in engines:
        engine.dispose()


def test_no_ten_second_window_holds_more_than_the_limit(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    upgrade(engine)
    bucket = SqlRateBucket(engine, 100, timedelta(seconds=10))
    taken = []
    for step in range(400):  # every 50 ms for 20 s, taking whenever a token is there
        at = T0 + timedelta(milliseconds=50 * step)
        while bucket.take(at) == 0:
            taken.append(at)
    busiest = max(
        sum(1 for t in taken if start <= t < start + timedelta(seconds=10)) for start in taken
    )
    assert busiest <= 100
    assert len(taken) >= 190  # and it uses what the limit allows
    engine.dispose()


def test_a_pause_holds_every_replica_until_it_ends(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    one, two = (
        SqlRateBucket(engine, 100, timedelta(seconds=10)),
        SqlRateBucket(engine, 100, timedelta(seconds=10)),
    )
    one.pause(T0 + timedelta(hours=3))
    assert two.take(T0) == 3 * 3600
    assert two.paused_until(T0) == T0 + timedelta(hours=3)
    assert two.take(T0 + timedelta(hours=3, seconds=1)) == 0
    engine.dispose()
