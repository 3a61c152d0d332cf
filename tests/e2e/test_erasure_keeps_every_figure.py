"""Erasing contacts keeps every past figure: the digest of every past day and week of a seeded
month, its text and its view, is byte-identical before and after, and so is ``/funnel month``
(meetings booked at hand-off included: a lead's meetings are not its contact's details)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.baton import Baton
from bot.bootstrap import build
from bot.config import Settings
from routing.calendars.meeting import Meeting, MeetingStatus
from routing.chat.digest import digest_view
from routing.clock import zone
from routing.metrics import period_for
from routing.roles import Platform
from routing.usecases.context import Ctx, RelayConfig
from routing.usecases.funnel import build_digest
from routing.usecases.privacy import Contact
from storage import tables as t
from storage.uow import SqlUnitOfWork
from tests.support.clock import FakeClock
from tests.support.month import END, FIRST_DAY, MANAGER, Month
from tests.support.world import say

UTC = zone("UTC")


def _every_past_digest(baton: Baton, clock: FakeClock) -> list[str]:
    """Each past day's and week's digest (text and view), as the schedule would build it."""
    with SqlUnitOfWork(baton.engine, clock, read_only=True) as uow:
        manager = next(r for r in uow.reps.all() if r.user_id == MANAGER)
        ctx = Ctx(uow, clock(), baton.relay.config, manager)
        shown: list[str] = []
        day = FIRST_DAY
        while day <= END + timedelta(days=1):
            for kind in ("day", "week"):
                digest = build_digest(ctx, period_for(kind, day, UTC, previous_complete=True))
                shown.append(digest.text)
                shown.append(repr(digest_view(digest)))
            day += timedelta(days=1)
    return shown


def _book_first_meetings(baton: Baton) -> int:
    """A first meeting, a day after it, for every other hand-off to a closer; every fifth of
    them cancelled."""
    e = t.lead_events.c
    with baton.engine.connect() as conn:
        handoffs = conn.execute(
            select(e.lead_id, e.at)
            .where(e.type == "handed_off", e.to_stage == "with_closer")
            .order_by(e.at, e.id)
        ).all()
    with SqlUnitOfWork(baton.engine) as uow:
        for n, (lead_id, at) in enumerate(handoffs[::2]):
            status = MeetingStatus.CANCELLED if n % 5 == 4 else MeetingStatus.BOOKED
            day, hour = timedelta(days=1), timedelta(hours=1)
            uow.meetings.save(Meeting(f"m{n}", lead_id, at + day, status, "calcom", at + hour, at))
        uow.commit()
    return len(handoffs)


BOOKED = re.compile(r"Meetings booked at hand-off: [1-9][0-9,]* of ")


def test_erasing_contacts_keeps_the_digest_of_every_past_period_byte_identical(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    settings = Settings(  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path}/baton.db", _env_file=None, baton_secret_key="s"
    )
    config = RelayConfig(managers=frozenset({(Platform.CONSOLE.value, MANAGER)}))
    baton = build(settings, clock=clock, config=config)
    Month(baton, clock, seed=5, leads_a_day=3).play()
    assert _book_first_meetings(baton) >= 4
    clock.advance(days=1)
    before = _every_past_digest(baton, clock)
    assert any(BOOKED.search(shown) for shown in before)
    funnel_before = say(baton, MANAGER, "/funnel month").reply

    with baton.engine.connect() as conn:
        emails = [
            e for e in conn.execute(select(t.leads.c.email).order_by(t.leads.c.id)).scalars() if e
        ]
    erased = emails[::4]
    assert len(erased) >= 10
    for email in erased:
        baton.relay.erase_contact(Contact(email=email), by="test")

    assert _every_past_digest(baton, clock) == before
    assert say(baton, MANAGER, "/funnel month").reply == funnel_before
    with baton.engine.connect() as conn:
        left = set(conn.execute(select(t.leads.c.email)).scalars())
    assert not left & set(erased)
    baton.engine.dispose()
