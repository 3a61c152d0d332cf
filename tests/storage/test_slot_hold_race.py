"""Eight people clicking a hand-off's time buttons at the same moment (the same button, or
different ones) hold one meeting and queue one invitation, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import func, select

from routing.calendars import FetchResult
from routing.chat.slots import slot_command
from routing.errors import BatonError
from routing.notices import NoticeKind
from storage import tables as t
from tests.support.clock import FakeClock
from tests.support.world import console, make_baton, say

THREADS = 8
TIMES = [datetime(2026, 11, 23, 11, tzinfo=UTC), datetime(2026, 11, 24, 9, tzinfo=UTC)]


def test_clicks_at_once_on_a_hand_offs_times_hold_one_meeting(
    db_url: str, clock: FakeClock
) -> None:
    baton = make_baton(db_url, clock, {("console", "maya")})
    say(baton, "maya", "/rotation add @alice qualifier")
    say(baton, "maya", "/rotation add @carl closer")
    say(baton, "carl", "/rotation calendar https://calendar.example.com/carl/private-x/basic.ics")
    for feed in baton.relay.calendars_due():
        baton.relay.record_calendar(feed.rep_id, feed.url, FetchResult(busy=()))
    say(baton, "maya", "/lead new Umbrella sam@umbrella.co Sam Ortiz")
    owner = "alice"
    say(baton, owner, "/lead claim L-1")
    say(baton, owner, "/lead qualify L-1 budget=40k")
    assert say(baton, owner, "/lead handoff L-1").slots is not None
    start = threading.Barrier(THREADS)

    def click(n: int) -> str:
        start.wait()
        who = "maya" if n % 2 else owner
        try:
            return baton.relay.execute(
                console(who), slot_command("L-1", int(TIMES[n % 2].timestamp()))
            ).reply
        except BatonError as err:  # a refusal is an answer too, never a second hold
            return err.message

    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(click, range(THREADS)))

    assert sum(answer.startswith("Held ") for answer in answers) == 1, answers
    with baton.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.meetings)).scalar_one() == 1
        notices = conn.execute(select(t.outbox.c.notice)).scalars().all()
    assert [n.get("kind") for n in notices].count(NoticeKind.FILE.value) == 1
    baton.engine.dispose()
