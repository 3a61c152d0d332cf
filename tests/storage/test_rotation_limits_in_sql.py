"""A rep's daily cap and open-lead limit are counted by the database, the same on both."""

from __future__ import annotations

from collections import Counter

from bot.baton import Baton
from routing.arrival import Arrival, posted
from routing.roles import Platform
from tests.support.clock import FakeClock
from tests.support.phones import PHONES
from tests.support.world import make_baton, say


def _post(n: int) -> Arrival:
    return posted(
        Platform.CONSOLE, "#leads", f"m{n}", f"Lead: Pat {n}, p{n}@co{n}.io, Co {n}", phones=PHONES
    )


def _owners(baton: Baton, count: int, start: int = 0) -> Counter[str]:
    return Counter(owner for owner, _ref in _routed(baton, count, start))


def _routed(baton: Baton, count: int, start: int = 0) -> list[tuple[str, str]]:
    """(owner's name or "queue", lead ref) of each new lead."""
    routed = []
    for n in range(start, start + count):
        card = baton.relay.ingest(_post(n)).card
        assert card is not None
        owner = card.owner.rsplit("|", 1)[-1].rstrip(">") if card.owner else "queue"
        routed.append((owner, card.ref))
    return routed


def _ann_limited_and_ben(db_url: str, clock: FakeClock, limit: str) -> Baton:
    baton = make_baton(db_url, clock, managers={("console", "boss")})
    say(baton, "boss", f"/rotation add @ann qualifier {limit}")
    say(baton, "boss", "/rotation add @ben qualifier")
    return baton


def test_a_capped_rep_gets_no_more_leads_that_day_and_again_the_next(
    db_url: str, clock: FakeClock
) -> None:
    baton = _ann_limited_and_ben(db_url, clock, "cap=2")
    assert _owners(baton, 6) == {"ann": 2, "ben": 4}
    clock.advance(days=1)
    assert _owners(baton, 2, start=6)["ann"] >= 1


def test_a_rep_at_their_open_lead_limit_is_passed_over_until_one_closes(
    db_url: str, clock: FakeClock
) -> None:
    baton = _ann_limited_and_ben(db_url, clock, "max_open=1")
    routed = _routed(baton, 4)
    assert Counter(owner for owner, _ref in routed) == {"ann": 1, "ben": 3}
    held = next(ref for owner, ref in routed if owner == "ann")
    say(baton, "ann", f"/lead disqualify {held} not a fit")
    assert _owners(baton, 2, start=4)["ann"] == 1


def test_each_pools_daily_cap_counts_only_the_leads_received_through_it(
    db_url: str, clock: FakeClock
) -> None:
    from routing.rules import ruleset_from_data

    rules = ruleset_from_data({"rules": [{"when": "country in [DE]", "pool": "convert"}]})
    baton = make_baton(db_url, clock, managers={("console", "boss")}, rules=rules)
    say(baton, "boss", "/rotation add @ann qualifier cap=1")
    say(baton, "boss", "/rotation add @ann qualifier cap=1 pool=convert")
    say(baton, "boss", "/rotation add @ben qualifier")
    say(baton, "boss", "/rotation add @cy qualifier pool=convert")
    owners = []
    for n, country in enumerate(["", "", "DE", "DE"]):
        text = f"Name: Pat {n}\nEmail: p{n}@co{n}.io\nCompany: Co {n}\nCountry: {country or 'FR'}"
        post = posted(Platform.CONSOLE, "#leads", f"c{n}", text, phones=PHONES)
        card = baton.relay.ingest(post).card
        assert card is not None
        assert card.owner is not None
        owners.append(card.owner.rsplit("|", 1)[-1].rstrip(">"))
    assert owners == ["ann", "ben", "ann", "cy"]
