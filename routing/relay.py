"""The one entry point every adapter calls: parse-free, platform-free use cases in transactions."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from routing import commands as c
from routing import limits
from routing.arrival import Arrival
from routing.calendars import DueFeed, FetchResult
from routing.calendars.calcom import BookingEvent
from routing.commands import Command, storable_command
from routing.contact import person_email
from routing.errors import BatonError, InvalidInput, UnknownPerson
from routing.group_commit import GroupCommit
from routing.ports import UnitOfWork
from routing.roles import Platform, Role
from routing.team import ClaimMode, Rep
from routing.text import storable
from routing.usecases import (
    calendars,
    crm,
    dashboard,
    fixing,
    funnel,
    intake,
    meetings,
    numbers,
    pipeline,
    privacy,
    sweep,
    team,
    views,
)
from routing.usecases.context import Actor, Ctx, Outcome, RelayConfig
from routing.usecases.deliveries import Answerer, DeliveryKey, answered
from routing.usecases.digests import rebuild_digest
from routing.usecases.funnel import Digest
from routing.usecases.rep_emails import learn_email

SYSTEM = Actor(Platform.CONSOLE, "baton", "Baton")
"""Who acts for posts by other apps and for the scheduler."""

UseCase = Callable[[Ctx], Outcome]
T = TypeVar("T")

READ_ONLY_COMMANDS = (c.Show, c.Mine, c.RotationShow, c.Funnel, c.FunnelLink, c.Help)
"""Commands that only read: answered from a snapshot that waits for no writer (SQLite WAL)."""
DRY_RUN_COMMANDS = (c.RotationPreview,)
"""Commands run as they would be and then undone: they say what would happen."""
LEAD_CHANGES = (
    c.NewLead,
    c.Fix,
    c.Claim,
    c.Decline,
    c.Qualify,
    c.Disqualify,
    c.Handoff,
    c.LogMeeting,
    c.LogProposal,
    c.Won,
    c.Lost,
    c.Expand,
    c.Churn,
    c.Reassign,
    c.LeadErase,
)
"""Commands that change a lead: what a person's own view of their leads (a home tab) may need
to show again afterwards."""


class Relay:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        clock: Callable[[], datetime],
        config: RelayConfig | None = None,
        read_uow_factory: Callable[[], UnitOfWork] | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.read_uow_factory = read_uow_factory or uow_factory
        self.clock = clock
        self.config = config or RelayConfig()
        self._intake: GroupCommit[Outcome] = GroupCommit(uow_factory)

    def run(self, actor: Actor, use_case: UseCase) -> Outcome:
        """Run one use case in one transaction; it commits only if the use case returns."""
        actor = _storable(actor)
        with self.uow_factory() as uow:
            outcome = self._in(uow, actor, use_case)
            uow.commit()
        return outcome

    def _run_intake(self, actor: Actor, use_case: UseCase) -> Outcome:
        """Run an intake use case as :meth:`run` does, in a transaction it may share with
        intake arriving at the same moment from other threads (group commit: one flush for the
        batch). Each is still its own rotation turn, in arrival order, and returns only once
        committed; one that raises is undone alone."""
        actor = _storable(actor)
        return self._intake.run(lambda uow: self._in(uow, actor, use_case))

    def _in(self, uow: UnitOfWork, actor: Actor, use_case: UseCase) -> Outcome:
        return use_case(Ctx(uow, self.clock(), self.config, _rep_for(uow, actor)))

    def _run_each(self, actor: Actor, use_cases: Sequence[UseCase]) -> list[Outcome | BatonError]:
        """Run several use cases in one transaction, each in its own savepoint: one that raises
        a ``BatonError`` is undone alone and its error takes its place in the list. Bulk work
        (an import) pays for one commit per batch instead of one per row."""
        results: list[Outcome | BatonError] = []
        with self.uow_factory() as uow:
            ctx = Ctx(uow, self.clock(), self.config, _rep_for(uow, actor))
            for use_case in use_cases:
                try:
                    with uow.savepoint():
                        results.append(use_case(ctx))
                except BatonError as err:
                    results.append(err)
            uow.commit()
        return results

    def execute(
        self,
        actor: Actor,
        command: Command,
        *,
        key: DeliveryKey | None = None,
        answer: Answerer | None = None,
    ) -> Outcome:
        """Run ``command`` as ``actor``: a read from a snapshot, a dry run undone, anything else
        committed.

        ``answer`` is what the adapter makes of the outcome (notices to queue, a reply kept for
        redeliveries); it is kept in the command's transaction, once per delivery ``key``
        (:mod:`routing.usecases.deliveries`). A dry run's answer is kept, its effect undone.
        """
        actor, command = _storable(actor), storable_command(command)
        use_case: UseCase = partial(dispatch, command=command)
        if isinstance(command, READ_ONLY_COMMANDS):
            outcome = self._read(actor, use_case)
            if outcome is not None:
                return self._answer(actor, outcome, key, answer)
        if isinstance(command, DRY_RUN_COMMANDS):
            use_case = _undone(use_case)
        return self.run(actor, answered(key, use_case, answer))

    def answer(self, actor: Actor, answer: Answerer, *, key: DeliveryKey | None = None) -> Outcome:
        """Keep an answer with nothing behind it (help, a refusal), once per delivery ``key``."""
        return self._answer(_storable(actor), Outcome(""), key, answer)

    def _answer(
        self, actor: Actor, outcome: Outcome, key: DeliveryKey | None, answer: Answerer | None
    ) -> Outcome:
        """``outcome``, its answer kept in a short transaction of its own."""
        if answer is None and key is None:
            return outcome
        return self.run(actor, answered(key, lambda _ctx: outcome, answer))

    def _read(self, actor: Actor, use_case: UseCase) -> Outcome | None:
        """Answer from a read-only transaction; None when the actor's rep must be written first."""
        with self.read_uow_factory() as uow:
            rep = uow.reps.find(actor.platform, actor.user_id)
            if rep is None or _differs(rep, actor):
                return None
            return use_case(Ctx(uow, self.clock(), self.config, rep))

    def read_as(self, platform: Platform, user_id: str, work: Callable[[Ctx], T]) -> T:
        """Run ``work`` as the stored person ``platform:user_id`` in a read-only snapshot: someone
        known by a signed link rather than a chat message, so nobody is created or refreshed.
        ``UnknownPerson`` when Baton knows nobody by that id."""
        with self.read_uow_factory() as uow:
            rep = uow.reps.find(platform, user_id)
            if rep is None:
                raise UnknownPerson(f"Baton knows nobody called {platform.value}:{user_id}.")
            return work(Ctx(uow, self.clock(), self.config, rep))

    def peek(self, use_case: UseCase) -> Outcome:
        """Run a use case that only reads, as Baton, in a snapshot that is never committed
        (a dry run)."""
        with self.read_uow_factory() as uow:
            rep = uow.reps.find(SYSTEM.platform, SYSTEM.user_id)
            rep = rep or Rep(SYSTEM.platform, SYSTEM.user_id, SYSTEM.name or SYSTEM.user_id)
            return use_case(Ctx(uow, self.clock(), self.config, rep))

    def digest_for(self, data: Mapping[str, Any]) -> Digest:
        """The digest a digest notice's ``data`` names, rebuilt from the event log in a read-only
        snapshot: what the notifiers render (a :data:`routing.usecases.digests.DigestSource`)."""
        outcome = self.peek(lambda ctx: Outcome("", data={"digest": rebuild_digest(ctx, data)}))
        digest = outcome.data["digest"]
        assert isinstance(digest, Digest)
        return digest

    def ingest(self, arrival: Arrival, author: Actor | None = None) -> Outcome:
        """The intake door: store a lead that arrived (a post, a webhook call, a row), once.

        Leads arrive one by one from many threads, so they share transactions (group commit).
        The arrival was read before, so reading holds no lock.
        """
        return self._run_intake(_author(author), lambda ctx: intake.ingest(ctx, arrival))

    def ingest_all(
        self, arrivals: Sequence[Arrival], author: Actor | None = None
    ) -> list[Outcome | BatonError]:
        """The intake door for a batch (a spreadsheet's rows): one transaction, each arrival in
        its own savepoint, its ``BatonError`` (a row that cannot be read) in its place."""
        author = _author(author)
        return self._run_each(author, [partial(intake.ingest, arrival=a) for a in arrivals])

    def sweep(self) -> Outcome:
        return self.run(SYSTEM, sweep.sweep)

    def nudge_stalled(self) -> Outcome:
        """DM the owners of stalled leads, each stall once (the scheduler's hourly job)."""
        return self.run(SYSTEM, numbers.nudge_stalled)

    def export_contact(self, contact: privacy.Contact) -> dict[str, Any]:
        """Every stored value about a contact, as one JSON-ready document, from a snapshot."""
        document = self.peek(lambda ctx: privacy.export(ctx, contact)).data[privacy.EXPORT]
        assert isinstance(document, dict)
        return document

    def erase_contact(self, contact: privacy.Contact, *, by: str) -> Outcome:
        """Erase a contact's details everywhere (``baton privacy erase``, run by ``by``)."""
        salt = self.config.erasure_salt
        if salt is None:
            raise InvalidInput("Erasure is not set up: Baton has no stored salt.")
        return self.run(SYSTEM, lambda ctx: privacy.erase_by_operator(ctx, contact, salt(), by))

    def purge_old(self) -> Outcome | None:
        """The retention job (``BATON_RETENTION_DAYS``); None when retention is off."""
        days = self.config.retention_days
        if not days:
            return None
        return self.run(SYSTEM, lambda ctx: privacy.purge_old(ctx, days))

    def tell_managers(self, text: str) -> Outcome:
        """Tell every manager ``text`` (the CRM sender's refusals and pauses, once per kind); it
        may quote the CRM's own message, outside text, so it is made storable first."""
        return self.run(SYSTEM, crm.tell_managers(storable(text)))

    def calendars_due(self) -> list[DueFeed]:
        """Apply every calendar to the rotation as the clock moved, and claim the feeds due
        for a fetch (the scheduler's calendar job); each feed is claimed by one process."""
        due = self.run(SYSTEM, calendars.claim_due).data["due"]
        assert isinstance(due, list)
        return due

    def calendar_reps_without_email(self, platform: Platform) -> list[str]:
        """User ids of ``platform``'s reps with a calendar feed and no known email: whose
        chat the calendar job asks (Slack's ``users.info``), HubSpot sync on or off."""
        with self.read_uow_factory() as uow:
            return uow.rep_emails.calendar_reps_without(platform)

    def record_calendar(self, rep_id: int, url: str, result: FetchResult) -> Outcome:
        """Keep what one fetch of a rep's feed gave, and apply it to the rotation."""
        return self.run(
            SYSTEM, partial(calendars.record_fetch, rep_id=rep_id, url=url, result=result)
        )

    def calendar_health(self) -> tuple[int, int, int]:
        """(feeds, failing now, unknown for 24 h): ``baton doctor``'s calendar line."""
        feeds = self.peek(calendars.feeds_health).data[calendars.FEEDS]
        assert isinstance(feeds, tuple)
        return feeds

    def calcom_event(self, event: BookingEvent, delivery: str) -> Outcome:
        """A verified cal.com webhook call's booking change, once per ``delivery`` key."""
        return self.run(SYSTEM, partial(meetings.calcom_event, event=event, delivery=delivery))

    def seed_managers(self) -> Outcome:
        return self.run(SYSTEM, team.seed_managers)

    def rep(self, actor: Actor) -> Rep:
        """The stored rep for ``actor``, created or refreshed as any use case would."""
        actor = _storable(actor)
        with self.uow_factory() as uow:
            rep = _rep_for(uow, actor)
            uow.commit()
        return rep


def _storable(actor: Actor) -> Actor:
    """An adapter's actor in text any database takes; an id too long to store is refused."""
    user_id = storable(actor.user_id)
    if len(user_id) > limits.USER_ID:
        raise InvalidInput(
            f"Your user id is longer than Baton can store (at most {limits.USER_ID} characters)."
        )
    name = limits.fitted_text(actor.name, limits.REP_NAME) if actor.name else None
    zone = actor.timezone if actor.timezone and len(actor.timezone) <= limits.TIMEZONE else None
    email = person_email(storable(actor.email)) if actor.email else None
    return Actor(actor.platform, user_id, name, zone, email)


def _undone(use_case: UseCase) -> UseCase:
    """``use_case`` in a savepoint that is always rolled back: its outcome without its effect,
    while the rest of the transaction (a delivery key, an answer) is kept."""

    def dry(ctx: Ctx) -> Outcome:
        try:
            with ctx.uow.savepoint():
                raise _Undo(use_case(ctx))
        except _Undo as undo:
            return undo.outcome

    return dry


class _Undo(Exception):
    """Not an error: how a savepoint is rolled back on purpose, carrying what was said."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("a dry run is undone")
        self.outcome = outcome


def _author(author: Actor | None) -> Actor:
    """Who posted a lead; a post is never refused for its author, who is then Baton itself."""
    try:
        return _storable(author) if author is not None else SYSTEM
    except InvalidInput:
        return SYSTEM


def _rep_for(uow: UnitOfWork, actor: Actor) -> Rep:
    rep = uow.reps.find(actor.platform, actor.user_id)
    if rep is None:
        rep = uow.reps.add(
            Rep(actor.platform, actor.user_id, actor.name or actor.user_id, actor.timezone or "UTC")
        )
    elif _differs(rep, actor):
        rep.name = actor.name or rep.name
        rep.timezone = actor.timezone or rep.timezone
        uow.reps.save(rep)
    if actor.email:
        learn_email(uow, rep.id or 0, actor.email)
    return rep


def _differs(rep: Rep, actor: Actor) -> bool:
    """The adapter knows a newer name or timezone than the one stored."""
    return bool(
        (actor.name and actor.name != rep.name)
        or (actor.timezone and actor.timezone != rep.timezone)
    )


def dispatch(ctx: Ctx, command: Command) -> Outcome:
    match command:
        case c.NewLead():
            return intake.new_lead(ctx, command)
        case c.Fix():
            return fixing.fix(ctx, command)
        case c.Claim(lead_id=lead_id):
            return pipeline.claim(ctx, lead_id)
        case c.Decline(lead_id=lead_id):
            return pipeline.decline(ctx, lead_id)
        case c.Qualify():
            return pipeline.qualify(ctx, command)
        case c.Disqualify(lead_id=lead_id, reason=reason):
            return pipeline.disqualify(ctx, lead_id, reason)
        case c.Handoff(lead_id=lead_id, to_qualifiers=True):
            return pipeline.hand_to_qualifiers(ctx, lead_id)
        case c.Handoff(lead_id=lead_id, target=target):
            return pipeline.hand_off(ctx, lead_id, target)
        case c.LogMeeting(lead_id=lead_id):
            return pipeline.log_meeting(ctx, lead_id)
        case c.LogProposal(lead_id=lead_id, status=status):
            return pipeline.log_proposal(ctx, lead_id, status)
        case c.Won(lead_id=lead_id, amount=amount):
            return pipeline.won(ctx, lead_id, amount)
        case c.Lost(lead_id=lead_id, reason=reason):
            return pipeline.lost(ctx, lead_id, reason)
        case c.Expand(lead_id=lead_id, amount=amount):
            return pipeline.expand(ctx, lead_id, amount)
        case c.Churn(lead_id=lead_id, reason=reason):
            return pipeline.churn(ctx, lead_id, reason)
        case c.Reassign(lead_id=lead_id, target=target):
            return pipeline.reassign(ctx, lead_id, target)
        case c.LeadSlot(lead_id=lead_id, choice=choice):
            return meetings.book_slot(ctx, lead_id, choice)
        case c.LeadSlotAt(lead_id=lead_id, start=start):
            return meetings.book_slot_at(ctx, lead_id, start)
        case c.LeadAmount(lead_id=lead_id, amount=amount):
            return numbers.set_amount(ctx, lead_id, amount)
        case c.LeadErase(lead_id=lead_id):
            return privacy.erase_by_command(ctx, lead_id)
        case c.Show(lead_id=lead_id):
            return views.show(ctx, lead_id)
        case c.Mine():
            return views.mine(ctx)
        case _:
            return _dispatch_rotation(ctx, command)


def _dispatch_rotation(ctx: Ctx, command: Command) -> Outcome:
    match command:
        case c.RotationShow(role=role):
            return views.rotation(ctx, Role(role) if role else None)
        case c.RotationAdd():
            return team.add(
                ctx,
                command.user,
                Role(command.role),
                command.weight,
                command.cap,
                command.pool,
                command.max_open,
                command.email,
            )
        case c.RotationOwner(user=user, owner=owner):
            return team.set_crm_owner(ctx, user, owner)
        case c.RotationMode(pool=pool, mode=mode):
            return team.set_mode(ctx, pool, ClaimMode(mode))
        case c.RotationCredit(user=user, leads=leads, reason=reason, pool=pool):
            return team.credit(ctx, user, leads, reason, pool)
        case c.RotationPreview(text=text):
            return intake.preview(ctx, text)
        case c.RotationRemove(user=user, role=role, pool=pool):
            return team.remove(ctx, user, Role(role), pool)
        case c.RotationAway(user=user, until=until):
            return team.away(ctx, user, until)
        case c.RotationBack(user=user):
            return team.back(ctx, user)
        case c.RotationJoin(role=role):
            return team.join(ctx, Role(role))
        case c.RotationLeave(role=role):
            return team.leave(ctx, Role(role))
        case c.RotationHours(user=user, start=start, end=end, days=days):
            return team.hours(ctx, user, start, end, days)
        case c.RotationCalendar(user=user, url=url):
            return calendars.set_calendar(ctx, user, url)
        case c.RotationBooking(user=user, url=url):
            return calendars.set_booking(ctx, user, url)
        case c.Funnel():
            return funnel.on_demand(ctx, command)
        case c.FunnelLink():
            return dashboard.link(ctx)
        case c.FunnelSpend():
            return numbers.set_spend(ctx, command)
        case c.FunnelCost():
            return numbers.set_role_cost(ctx, command)
        case c.Help(command=name):
            return Outcome(c.usage_for(name, None))
        case _:
            raise TypeError(f"no use case for {command!r}")
