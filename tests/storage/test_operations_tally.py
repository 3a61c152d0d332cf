"""The operator's counts read at scrape time: what was counted once is remembered, what came
after is added, and every scrape equals a count from scratch (on each database)."""

from __future__ import annotations

from storage.operations import SqlOperations
from tests.support.clock import FakeClock
from tests.support.world import make_baton, say


def test_each_scrape_equals_a_count_from_scratch_as_leads_keep_coming(
    db_url: str, clock: FakeClock
) -> None:
    baton = make_baton(db_url, clock, managers=[("console", "maya")])
    say(baton, "maya", "/rotation add @alice qualifier")
    say(baton, "maya", "/rotation add @bob qualifier")
    scrapes = SqlOperations(baton.engine, clock)
    for round_ in range(4):
        for n in range(3):
            say(baton, "maya", f"/lead new Acme{round_}{n} a{round_}{n}@acme.example source=Fair")
        say(baton, "alice", f"/lead claim L-{round_ * 3 + 1}")
        clock.advance(minutes=1 + round_)  # some rounds settle, some are still the tail
        kept = scrapes.read()
        fresh = SqlOperations(baton.engine, clock).read()
        assert kept == fresh
        assert sum(kept.leads_by_source.values()) == (round_ + 1) * 3
        assert kept.events["claimed"] == round_ + 1
    baton.engine.dispose()
