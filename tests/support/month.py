"""A seeded month of a team's work, played through the real relay on a test database.

Maya manages; Alice (weight 2), Bob and Carol qualify (Carol passes some leads on), Dave and
Erin close, Frank and Gina manage accounts, Pete prospects. Every working day of November 2026
brings inbound posts from a web form, an outbound lead of Pete's, claims (some late, so the SLA
sweep moves them on), qualifications, disqualifications for six reasons, a manager's
reassignment now and then, and the closers' and account managers' steps, spread over the
following days. Each step is a slash command (or a post) at its moment on the fake clock; a step
that no longer applies when its time comes (the lead moved on) is skipped, as a person would.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.baton import Baton
from routing.arrival import posted
from routing.errors import BatonError
from routing.roles import Platform
from tests.support.clock import FakeClock
from tests.support.phones import PHONES
from tests.support.world import say

MANAGER = "maya"
QUALIFIERS = ("alice", "bob", "carol")
CLOSERS = ("dave", "erin")
ACCOUNT_MANAGERS = ("frank", "gina")
PROSPECTOR = "pete"
REPS = (*QUALIFIERS, *CLOSERS, *ACCOUNT_MANAGERS, PROSPECTOR)
FIRST_DAY = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
"""Monday 2 November 2026, 08:00 UTC: the month's first working day."""
END = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
"""Friday 27 November 18:00: when the month's figures are read."""
DQ_REASONS = ("no budget", "student", "wrong region", "too small", "spam", "no answer")
LOST_REASONS = ("competitor", "price", "postponed")


@dataclass(order=True)
class _Step:
    at: datetime
    order: int
    run: Callable[[], None] = field(compare=False)


class Month:
    """Plays the month: :meth:`play` leaves the clock at :data:`END`."""

    def __init__(self, baton: Baton, clock: FakeClock, seed: int, leads_a_day: int = 8) -> None:
        self.baton, self.clock, self.rng = baton, clock, random.Random(seed)
        self.leads_a_day = leads_a_day
        self.queue: list[_Step] = []
        self.posts = 0
        self.steps = 0

    def at(self, when: datetime, run: Callable[[], None]) -> None:
        if when < END:
            self.steps += 1
            heapq.heappush(self.queue, _Step(when, self.steps, run))

    def play(self) -> None:
        self.clock.now = FIRST_DAY - timedelta(hours=1)
        self._team()
        day = FIRST_DAY
        while day < END:
            if day.weekday() < 5:
                self._day(day)
            day += timedelta(days=1)
        while self.queue:
            step = heapq.heappop(self.queue)
            self.clock.now = max(self.clock.now, step.at)
            step.run()
        self.clock.now = END

    def say(self, who: str, line: str) -> bool:
        try:
            say(self.baton, who, line)
        except BatonError:
            return False
        return True

    def _team(self) -> None:
        lines = [
            "/rotation add @alice qualifier weight=2",
            "/rotation add @bob qualifier",
            "/rotation add @carol qualifier",
            *(f"/rotation add @{c} closer" for c in CLOSERS),
            *(f"/rotation add @{a} account_manager" for a in ACCOUNT_MANAGERS),
            f"/rotation add @{PROSPECTOR} prospector",
        ]
        for line in lines:
            self.say(MANAGER, line)

    def _day(self, day: datetime) -> None:
        for _ in range(self.leads_a_day):
            self.at(day + timedelta(minutes=self.rng.randint(0, 9 * 60)), self._post)
        self.at(day + timedelta(hours=self.rng.randint(1, 7)), self._outbound)

    # --- a lead's journey ----------------------------------------------------------------------

    def _lead(self, lead_id: int) -> tuple[str, str | None]:
        with self.baton.relay.uow_factory() as uow:
            lead = uow.leads.get(lead_id)
            owner = uow.reps.get(lead.owner_id).user_id if lead.owner_id else None
            return lead.stage.value, owner

    def _post(self) -> None:
        self.posts += 1
        n = self.posts
        text = f"Name: Buyer {n}\nEmail: buyer{n}@company{n}.example\nCompany: Company {n}"
        if n % 4 == 0:
            text += "\nSource: linkedin"
        post = posted(Platform.SLACK, "C0LEADS", f"{n}.000100", text, phones=PHONES)
        lead_id = self.baton.relay.ingest(post).lead_id
        if lead_id is None:
            return
        late = self.rng.random() < 0.12
        delay = timedelta(minutes=self.rng.choice((1, 2, 3, 4)) + (9 if late else 0))
        self.at(self.clock.now + timedelta(minutes=6), self.baton.relay.sweep)
        self.at(self.clock.now + delay, lambda: self._claim(lead_id))

    def _claim(self, lead_id: int) -> None:
        stage, owner = self._lead(lead_id)
        if stage != "assigned" or owner is None:
            return
        if owner == "carol" and self.rng.random() < 0.2:
            self.say(owner, f"/lead notmine L-{lead_id}")
            self.at(self.clock.now + timedelta(minutes=2), lambda: self._claim(lead_id))
            return
        if self.say(owner, f"/lead claim L-{lead_id}"):
            later = self.clock.now + timedelta(minutes=self.rng.randint(10, 300))
            self.at(later, lambda: self._work(lead_id))

    def _work(self, lead_id: int) -> None:
        stage, owner = self._lead(lead_id)
        if stage != "working" or owner is None:
            return
        if self.rng.random() < 0.05:
            other = self.rng.choice([q for q in QUALIFIERS if q != owner])
            self.say(MANAGER, f"/lead reassign L-{lead_id} @{other}")
            self.at(self.clock.now + timedelta(hours=2), lambda: self._work(lead_id))
            return
        if self.rng.random() < 0.35:
            self.say(owner, f"/lead disqualify L-{lead_id} {self.rng.choice(DQ_REASONS)}")
            return
        budget = self.rng.choice(("20k", "50k", "120k"))
        self.say(owner, f"/lead qualify L-{lead_id} budget={budget} authority=yes need=crm")
        self.say(owner, f"/lead handoff L-{lead_id}")
        later = self.clock.now + timedelta(hours=self.rng.randint(4, 60))
        self.at(later, lambda: self._close(lead_id))

    def _close(self, lead_id: int) -> None:
        stage, closer = self._lead(lead_id)
        if stage != "with_closer" or closer is None:
            return
        self.say(closer, f"/lead meeting L-{lead_id}")
        if self.rng.random() < 0.25:
            self.say(closer, f"/lead lost L-{lead_id} {self.rng.choice(LOST_REASONS)}")
            return
        self.say(closer, f"/lead proposal L-{lead_id} requested")
        self.at(self.clock.now + timedelta(days=1), lambda: self._propose(lead_id, closer))

    def _propose(self, lead_id: int, closer: str) -> None:
        self.say(closer, f"/lead proposal L-{lead_id} presented")
        if self.rng.random() < 0.45:
            self.at(self.clock.now + timedelta(days=2), lambda: self._win(lead_id, closer))

    def _win(self, lead_id: int, closer: str) -> None:
        amount = self.rng.choice((8000, 15000, 24000, 42000))
        if not self.say(closer, f"/lead won L-{lead_id} {amount}"):
            return
        self.say(closer, f"/lead handoff L-{lead_id}")
        _, manager = self._lead(lead_id)
        if manager is None:
            return
        if self.rng.random() < 0.5:
            later = self.clock.now + timedelta(days=self.rng.randint(1, 6))
            self.at(later, lambda: self.say(manager, f"/lead expand L-{lead_id} 5k"))
        elif self.rng.random() < 0.3:
            later = self.clock.now + timedelta(days=self.rng.randint(2, 8))
            self.at(later, lambda: self.say(manager, f"/lead churn L-{lead_id}"))

    def _outbound(self) -> None:
        self.posts += 1
        n = self.posts
        line = f'/lead new "Outbound {n}" out{n}@prospect{n}.example Olly Out{n} source=outbound'
        if not self.say(PROSPECTOR, line):
            return
        lead_id = self._last_lead()
        self.at(self.clock.now + timedelta(hours=3), lambda: self._work(lead_id))

    def _last_lead(self) -> int:
        with self.baton.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT max(id) FROM leads").scalar_one())
