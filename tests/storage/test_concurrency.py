"""One owner, always: racing assignments and claims on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from sqlalchemy import func, select

from routing.arrival import Arrival, posted
from routing.errors import AlreadyDone
from routing.relay import Relay
from routing.roles import Platform
from routing.rotation import Candidate, pick
from storage import tables as t
from tests.support.clock import FakeClock
from tests.support.phones import PHONES
from tests.support.world import console, make_baton, say

WEIGHTS = {"ann": 1, "ben": 1, "cat": 2, "dan": 1, "eve": 3}
THREADS = 8
LEADS = 2000


def _team(
    url: str, clock: FakeClock, members: dict[str, int], claim_mode: str = "assigned"
) -> Callable[[], Relay]:
    """A qualifier pool of ``members`` (name: weight); ``open`` lets any of them claim."""
    baton = make_baton(url, clock, managers={("console", "boss")})
    for name, weight in members.items():
        say(baton, "boss", f"/rotation add @{name} qualifier weight={weight}")
    say(baton, "boss", f"/rotation mode qualifier {claim_mode}")
    return lambda: baton.relay


def _post(n: int) -> Arrival:
    return posted(
        Platform.CONSOLE,
        "#leads",
        f"msg-{n}",
        f"Lead: Pat {n}, pat{n}@company{n}.io, Co {n}",
        phones=PHONES,
    )


def test_eight_threads_creating_two_thousand_leads_give_each_exactly_one_owner(
    db_url: str, clock: FakeClock
) -> None:
    relay = _team(db_url, clock, WEIGHTS)()
    start = threading.Barrier(THREADS)

    def work(offset: int) -> None:
        start.wait()
        for n in range(offset, LEADS, THREADS):
            relay.ingest(_post(n))

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS)))

    with relay.uow_factory() as uow:
        conn = uow.connection  # type: ignore[attr-defined]
        owners = conn.execute(select(t.leads.c.owner_id, t.leads.c.stage)).all()
        assigned = conn.execute(
            select(t.lead_events.c.lead_id, t.lead_events.c.owner_id)
            .where(t.lead_events.c.type == "assigned")
            .order_by(t.lead_events.c.id)
        ).all()
        names = {rep.id: rep.name for rep in uow.reps.all()}

    assert len(owners) == LEADS
    assert all(owner is not None and stage == "assigned" for owner, stage in owners)
    assert Counter(lead for lead, _owner in assigned).most_common(1)[0][1] == 1
    counts = Counter(names[owner] for _lead, owner in assigned)
    total = sum(WEIGHTS.values())
    for name, weight in WEIGHTS.items():
        assert abs(counts[name] - LEADS * weight / total) <= 1, counts
    assert [names[o] for _lead, o in assigned] == _expected_sequence(LEADS), (
        "a slot was handed out twice"
    )


def _expected_sequence(n: int) -> list[str]:
    """What a single, unraced rotation hands out: any lost update would change the sequence.

    The clock stands still, so everyone assigned before was assigned at the same moment.
    """
    credits = dict.fromkeys(WEIGHTS, 0)
    assigned_at: dict[str, datetime | None] = dict.fromkeys(WEIGHTS)
    order = {name: i for i, name in enumerate(WEIGHTS)}
    sequence = []
    for _ in range(n):
        candidates = [
            Candidate(
                rep_id=order[name],
                name=name,
                weight=w,
                credit=credits[name],
                position=order[name],
                timezone="UTC",
                last_assigned_at=assigned_at[name],
            )
            for name, w in WEIGHTS.items()
        ]
        result = pick(candidates, FakeClock().now)
        assert result.chosen is not None
        credits = {name: result.credits[order[name]] for name in WEIGHTS}
        sequence.append(result.chosen.name)
        assigned_at[result.chosen.name] = FakeClock().now
    return sequence


def test_posts_delivered_twice_at_once_from_eight_threads_become_one_lead_each(
    db_url: str, clock: FakeClock
) -> None:
    """Intake's group commit may put a post and its redelivery in one transaction: the
    delivery key still lets exactly one of them through, and every caller hears back."""
    relay = _team(db_url, clock, WEIGHTS)()
    posts = 120
    start = threading.Barrier(THREADS)
    answers: list[object] = []

    def work(offset: int) -> None:
        start.wait()
        for n in range(offset % (THREADS // 2), posts, THREADS // 2):
            answers.append(relay.ingest(_post(n)).data.get("duplicate", False))

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS)))

    with relay.uow_factory() as uow:
        conn = uow.connection  # type: ignore[attr-defined]
        leads = conn.execute(select(t.leads.c.source_message_id)).scalars().all()
    assert sorted(leads) == sorted(f"msg-{n}" for n in range(posts))
    assert Counter(answers) == {False: posts, True: posts}


def test_twenty_simultaneous_claims_of_one_lead_give_one_owner(
    db_url: str, clock: FakeClock
) -> None:
    reps = {f"q{i:02d}": 1 for i in range(20)}
    team = _team(db_url, clock, reps, claim_mode="open")
    relay = team()
    lead_id = relay.ingest(_post(1)).lead_id
    start = threading.Barrier(len(reps))

    def claim(name: str) -> str:
        start.wait()
        try:
            relay.execute(console(name), _claim(lead_id or 0))
        except AlreadyDone:
            return "refused"
        return "won"

    with ThreadPoolExecutor(len(reps)) as pool:
        results = list(pool.map(claim, reps))

    assert results.count("won") == 1
    assert results.count("refused") == len(reps) - 1
    with relay.uow_factory() as uow:
        conn = uow.connection  # type: ignore[attr-defined]
        claims = conn.execute(
            select(func.count()).where(
                t.lead_events.c.type == "claimed", t.lead_events.c.lead_id == lead_id
            )
        ).scalar_one()
        lead = uow.leads.get(lead_id or 0)
        winner = uow.reps.get(lead.owner_id or 0).name
    assert claims == 1
    assert lead.stage.value == "working"
    assert results[list(reps).index(winner)] == "won"


def _claim(lead_id: int) -> object:
    from routing.commands import Claim

    return Claim(lead_id)
