"""``baton demo``: a simulated team and day of leads through the whole relay, on SQLite.

Everything goes through the console adapter and the same use cases Slack and Teams call; only the
clock is simulated, so a day plays in seconds and the same seed plays the same day.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

from bot.baton import Baton
from bot.bootstrap import build
from bot.config import Settings
from bot.console.session import ConsoleNotifier, ConsoleSession
from bot.entrypoints.chart_file import write_chart
from bot.render.chart import funnel_chart_png
from routing.roles import Platform
from routing.usecases.context import RelayConfig
from routing.usecases.funnel import Digest

DAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
MANAGER = "maya"
QUALIFIERS = ("alice", "bob", "carol")
CLOSERS = ("dave", "erin")
ACCOUNT_MANAGER = "frank"
PROSPECTOR = "pete"

FIRST = (
    "Sam",
    "Priya",
    "Jonas",
    "Lena",
    "Marco",
    "Aisha",
    "Tom",
    "Yuki",
    "Carlos",
    "Nora",
    "Felix",
    "Zara",
    "Omar",
    "Ines",
    "Liam",
    "Mia",
    "Arjun",
    "Sofia",
    "Ben",
    "Chloe",
)
LAST = (
    "Ortiz",
    "Shah",
    "Weber",
    "Kowalski",
    "Rossi",
    "Khan",
    "Brady",
    "Tanaka",
    "Mendes",
    "Berg",
    "Novak",
    "Ali",
    "Haddad",
    "Costa",
    "Murphy",
    "Lund",
    "Patel",
    "Greco",
    "Fox",
    "Dubois",
)
COMPANIES = (
    "Umbrella",
    "Initech",
    "Globex",
    "Hooli",
    "Stark Industries",
    "Wayne Enterprises",
    "Acme",
    "Soylent",
    "Cyberdyne",
    "Tyrell",
    "Wonka",
    "Vandelay",
    "Massive Dynamic",
    "Aperture",
    "Oscorp",
    "Gringotts",
    "Monarch",
    "Pied Piper",
    "Dunder Mifflin",
    "Prestige Worldwide",
    "Bluth Company",
    "Sterling Cooper",
    "Nakatomi",
    "Virtucon",
    "Ollivanders",
    "Krusty Krab",
    "Los Pollos",
    "Gekko & Co",
    "Duff",
    "Spacely",
    "Cogswell",
    "Rekall",
    "Weyland",
    "Tricell",
    "Black Mesa",
    "Abstergo",
    "Sirius",
    "Blue Sun",
    "Veidt",
    "InGen",
)
COUNTRIES = ("US", "DE", "GB", "FR", "AT", "NL", "CH", "ES")
DQ_REASONS = (
    "no budget this year",
    "student project",
    "competitor fishing",
    "too small (2 employees)",
    "wrong region",
    "no answer after 3 calls",
)
LOST_REASONS = ("went with a competitor", "price", "project postponed")


@dataclass
class SimClock:
    now: datetime = DAY

    def __call__(self) -> datetime:
        return self.now


@dataclass(order=True)
class Step:
    at: datetime
    order: int
    run: Callable[[], None] = field(compare=False)


class Day:
    """A timeline of what people do, played in time order through the console session."""

    def __init__(
        self,
        baton: Baton,
        session: ConsoleSession,
        clock: SimClock,
        rng: random.Random,
        write: Callable[[str], None],
    ) -> None:
        self.baton, self.session, self.clock, self.rng, self.write = (
            baton,
            session,
            clock,
            rng,
            write,
        )
        self.queue: list[Step] = []
        self._order = 0

    def at(self, when: datetime, run: Callable[[], None]) -> None:
        self._order += 1
        heapq.heappush(self.queue, Step(when, self._order, run))

    def play(self) -> None:
        while self.queue:
            step = heapq.heappop(self.queue)
            if step.at > self.clock.now:
                self.clock.now = step.at
            step.run()

    def say(self, user: str, line: str) -> None:
        self.session.user = user
        self.write("")
        self.write(f"[{self.clock.now:%H:%M}]")
        self.session.handle(line)

    def owner(self, lead_id: int) -> str | None:
        with self.baton.relay.uow_factory() as uow:
            lead = uow.leads.get(lead_id)
            return uow.reps.get(lead.owner_id).name if lead.owner_id else None

    def stage(self, lead_id: int) -> str:
        with self.baton.relay.uow_factory() as uow:
            return uow.leads.get(lead_id).stage.value


def run_demo(
    seed: int,
    database_url: str,
    write: Callable[[str], None],
    chart: Path = Path("baton-demo-funnel.png"),
) -> None:
    _fresh(database_url)
    write = transcript = Transcript(write)
    clock = SimClock()
    rng = random.Random(seed)
    settings = Settings(database_url=database_url, baton_managers=f"console:{MANAGER}")
    baton = build(
        settings,
        clock=clock,
        config=RelayConfig(
            managers=settings.manager_keys(),
            currency=settings.baton_currency,
            phones=settings.phone_reader(),
        ),
        notifiers={Platform.CONSOLE.value: ConsoleNotifier(write)},
        platforms=False,
    )
    sender = baton.sender()
    session = ConsoleSession(baton.relay, sender.drain, write, user=MANAGER)
    day = Day(baton, session, clock, rng, write)
    write(
        f"Baton demo — a day of leads on {DAY:%A %d %B %Y} (seed {seed}), database {database_url}"
    )
    _set_up_team(day)
    _schedule_leads(day)
    _schedule_sweeps(day, transcript)
    day.play()
    _finish(day, write, chart)


class Transcript:
    """The demo's output: a heading waits until the first line written under it, so what a
    sweep delivers (a lead moved on, a reminder, a queued lead drained) is printed under the
    minute of the sweep that sent it, and a sweep that says nothing prints nothing."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write
        self.heading: str | None = None

    def __call__(self, line: str) -> None:
        if self.heading is not None:
            heading, self.heading = self.heading, None
            self._write("")
            self._write(heading)
        self._write(line)


def _schedule_sweeps(day: Day, transcript: Transcript) -> None:
    """The scheduler's minute sweep: unclaimed leads move on after the SLA."""

    def sweep() -> None:
        day.session.deliver()  # what the step before said, under its own heading
        day.baton.relay.sweep()
        transcript.heading = f"[{day.clock.now:%H:%M}] SLA sweep"
        day.session.deliver()
        transcript.heading = None

    for minute in range(0, 10 * 60, 1):
        day.at(DAY + timedelta(minutes=minute, seconds=30), sweep)


def _fresh(database_url: str) -> None:
    if database_url.startswith("sqlite:///"):
        for suffix in ("", "-wal", "-shm"):
            Path(database_url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)


def _set_up_team(day: Day) -> None:
    start = DAY
    lines = [
        "/rotation add @alice qualifier weight=2",
        "/rotation add @bob qualifier",
        "/rotation add @carol qualifier cap=6",
        "/rotation add @dave closer",
        "/rotation add @erin closer",
        f"/rotation add @{ACCOUNT_MANAGER} account_manager",
        f"/rotation add @{PROSPECTOR} prospector",
        "/rotation away @bob until tomorrow",
        "/rotation",
        "/funnel spend website 3k",
        "/funnel spend #leads 1.5k",
        "/funnel cost qualifier 5k/month",
        "/funnel cost closer 8k/month",
        "/funnel cost prospector 6k/month",
    ]
    for i, line in enumerate(lines):
        day.at(start + timedelta(minutes=i), partial(day.say, MANAGER, line))
    day.at(DAY + timedelta(hours=4), lambda: day.say("bob", "/rotation back"))


def _schedule_leads(day: Day) -> None:
    rng = day.rng
    companies = list(COMPANIES)
    rng.shuffle(companies)
    start = DAY + timedelta(minutes=20)
    for i in range(36):
        company = companies[i % len(companies)]
        when = start + timedelta(minutes=int(i * 14 + rng.randint(0, 10)))
        day.at(when, partial(_inbound, day, i, company))
    day.at(start + timedelta(hours=2, minutes=3), lambda: _duplicate(day, companies[0]))
    day.at(start + timedelta(hours=3, minutes=7), lambda: _unparsed(day))
    for i, company in enumerate(("Nimbus Labs", "Quantum Tea", "Helios Freight")):
        day.at(start + timedelta(hours=1 + 2 * i), partial(_outbound, day, i, company))


def _contact(rng: random.Random, company: str) -> tuple[str, str]:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    domain = company.lower().replace(" & ", "").replace(" ", "") + ".com"
    return f"{first} {last}", f"{first.lower()}.{last.lower()}@{domain}"


def _post_text(rng: random.Random, i: int, company: str) -> str:
    name, email = _contact(rng, company)
    country, employees = rng.choice(COUNTRIES), rng.choice((12, 45, 180, 650, 2400))
    if i % 3 == 0:
        return f"Lead: {name}, <mailto:{email}|{email}>, {company}"
    if i % 3 == 1:
        return (
            f"New demo request\nName: {name}\nEmail: {email}\nCompany: {company}\n"
            f"Country: {country}\nEmployees: {employees}\nSource: website"
        )
    phone = f"<tel:+4930{i:05d}|+49 30 {i:05d}>"
    return f"*Contact:* {name}\n*E-mail:* {email}\n*Company:* {company}\n*Phone:* {phone}"


def _inbound(day: Day, i: int, company: str) -> None:
    day.write("")
    day.write(f"[{day.clock.now:%H:%M}] #leads: a new post")
    outcome = day.session.post(_post_text(day.rng, i, company), author="webform")
    day.session.deliver()
    lead_id = outcome.lead_id
    if lead_id:
        _plan_claim(day, lead_id)


def _plan_claim(day: Day, lead_id: int) -> None:
    rng = day.rng
    delay = rng.choice((1, 2, 2, 3, 3, 4, 4, 6, 9))
    day.at(day.clock.now + timedelta(minutes=delay), lambda: _claim(day, lead_id))


def _claim(day: Day, lead_id: int) -> None:
    if day.stage(lead_id) != "assigned":
        return
    owner = day.owner(lead_id)
    if owner == "carol" and day.rng.random() < 0.3:
        day.say(owner, f"/lead notmine L-{lead_id}")
        day.at(day.clock.now + timedelta(minutes=3), lambda: _claim(day, lead_id))
        return
    if owner:
        day.say(owner, f"/lead claim L-{lead_id}")
        day.at(
            day.clock.now + timedelta(minutes=day.rng.randint(10, 40)),
            lambda: _qualify(day, lead_id),
        )


def _qualify(day: Day, lead_id: int) -> None:
    owner = day.owner(lead_id)
    if owner is None or day.stage(lead_id) != "working":
        return
    if day.rng.random() < 0.35:
        day.say(owner, f"/lead disqualify L-{lead_id} {day.rng.choice(DQ_REASONS)}")
        return
    budget = day.rng.choice(("20k", "50k", "120k"))
    day.say(
        owner,
        f'/lead qualify L-{lead_id} budget={budget} authority="Head of Sales" '
        f"need=routing timeline=Q1 keen on a pilot",
    )
    day.say(owner, f"/lead handoff L-{lead_id}")
    day.at(day.clock.now + timedelta(minutes=day.rng.randint(20, 60)), lambda: _close(day, lead_id))


def _close(day: Day, lead_id: int) -> None:
    closer = day.owner(lead_id)
    if closer is None:
        return
    day.say(closer, f"/lead meeting L-{lead_id}")
    if day.rng.random() < 0.3:
        day.say(closer, f"/lead lost L-{lead_id} {day.rng.choice(LOST_REASONS)}")
        return
    day.say(closer, f"/lead amount L-{lead_id} 30k")
    day.say(closer, f"/lead proposal L-{lead_id} requested")
    day.say(closer, f"/lead proposal L-{lead_id} presented")
    if day.rng.random() < 0.4:
        return
    day.say(closer, f"/lead won L-{lead_id} {day.rng.choice((8000, 15000, 24000, 42000))}")
    day.say(closer, f"/lead handoff L-{lead_id}")
    if day.rng.random() < 0.5:
        day.at(
            day.clock.now + timedelta(minutes=30),
            lambda: day.say(ACCOUNT_MANAGER, f"/lead expand L-{lead_id} 5k"),
        )


def _duplicate(day: Day, company: str) -> None:
    domain = company.lower().replace(" & ", "").replace(" ", "") + ".com"
    day.write("")
    day.write(f"[{day.clock.now:%H:%M}] #leads: someone else from {company} writes in")
    outcome = day.session.post(
        f"Lead: Robin Vega, robin.vega@{domain}, {company}", author="webform"
    )
    day.session.deliver()
    lead_id = outcome.lead_id
    if lead_id:
        _plan_claim(day, lead_id)


def _unparsed(day: Day) -> None:
    day.write("")
    day.write(f"[{day.clock.now:%H:%M}] #leads: a post nobody can route")
    day.session.post("hey, someone called about pricing, didn't catch the name", author="bob")
    day.session.deliver()


def _outbound(day: Day, i: int, company: str) -> None:
    name, email = _contact(day.rng, company)
    first, last = name.split()
    day.say(PROSPECTOR, f'/lead new "{company}" {email} {first} {last} source=outbound')
    outcome = day.session.last_outcome
    lead_id = outcome.lead_id if outcome else None
    if not lead_id:
        return
    day.at(day.clock.now + timedelta(minutes=45), lambda: _qualify(day, lead_id))


def _finish(day: Day, write: Callable[[str], None], chart: Path) -> None:
    day.clock.now = max(day.clock.now, DAY.replace(hour=18))
    day.say(MANAGER, "/funnel today")
    outcome = day.session.last_outcome
    digest = outcome.data.get("digest") if outcome else None
    if isinstance(digest, Digest):
        write_chart(
            chart, funnel_chart_png(digest.report, digest.previous, currency=digest.currency)
        )
        write("")
        write(f"The funnel chart is in {chart}")
    day.say(MANAGER, "/funnel week")
