"""What the use cases need from storage, declared here and implemented in ``storage/``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from routing.audit import AuditEntry
from routing.calendars.feed import RepCalendar
from routing.calendars.meeting import Meeting
from routing.crm.outbox import CrmBacklogReads
from routing.dashboard.ports import DashboardReads
from routing.events import LeadEvent
from routing.lead import Lead
from routing.metrics import CustomerSpan
from routing.metrics.costs import RoleCost, Spend
from routing.notices import Notice
from routing.outbox import ClaimedRow
from routing.privacy import Person, PostedMessage
from routing.roles import Platform, Role
from routing.team import ClaimMode, Membership, Pool, Rep, RotationEvent


class RepRepository(Protocol):
    def get(self, rep_id: int) -> Rep: ...
    def find(self, platform: Platform, user_id: str) -> Rep | None: ...
    def add(self, rep: Rep) -> Rep: ...
    def save(self, rep: Rep) -> None: ...
    def managers(self) -> list[Rep]: ...
    def all(self) -> list[Rep]: ...


class PoolRepository(Protocol):
    def get(self, name: str) -> Pool | None: ...
    def ensure(self, name: str, role: Role) -> Pool: ...
    def all(self) -> list[Pool]: ...
    def lock(self, name: str) -> None:
        """Hold the pool's rotation until commit, so no two transactions hand out one slot."""
        ...

    def members(self, name: str) -> list[Membership]: ...
    def add_member(self, membership: Membership) -> None: ...
    def save_members(self, memberships: Sequence[Membership]) -> None: ...
    def remove_member(self, name: str, rep_id: int) -> bool: ...
    def memberships_of(self, rep_id: int) -> list[tuple[Pool, Membership]]: ...
    def set_claim_mode(self, name: str, mode: ClaimMode) -> None: ...
    def record(self, event: RotationEvent) -> None:
        """Keep a manual change to the rotation (a credit) in the record."""
        ...


class LeadRepository(Protocol):
    def add(self, lead: Lead) -> Lead: ...
    def get(self, lead_id: int, *, lock: bool = False) -> Lead: ...
    def save(self, lead: Lead) -> None: ...
    def find_open_match(self, email: str | None, domain: str | None) -> Lead | None: ...
    def owned_by(self, rep_id: int) -> list[Lead]: ...
    def open_count(self, rep_id: int) -> int:
        """Leads ``rep_id`` holds assigned or working (what ``max_open`` limits)."""
        ...

    def received_since(self, rep_id: int, since: datetime, pool: str) -> int:
        """Distinct leads that reached ``rep_id`` through ``pool`` from ``since`` on, however
        they came: assigned (rotation, duplicate match, manager), reassigned or handed off
        (:func:`routing.events.received_through` says which pool an event is through)."""
        ...

    def queued(self, pool: str) -> list[Lead]: ...
    def awaiting_claim(
        self, assigned_before: datetime, imported_before: datetime | None = None
    ) -> list[Lead]:
        """Leads still waiting for their assignee's claim, assigned before ``assigned_before``
        (an imported one: before ``imported_before``, when given), oldest first."""
        ...

    def events(self, lead_id: int) -> list[LeadEvent]: ...
    def events_for_report(self, start: datetime, end: datetime) -> list[LeadEvent]:
        """What a funnel report over [start, end) reads, ordered by time, nothing from ``end`` on.

        Every event of the leads with an event since ``start``; and of the leads without one that
        are still open, enough to replay their current stage: the event that began it and their
        latest (waiting ``new`` leads: their whole history). Customer tenure comes from
        :meth:`customer_spans` instead of the customers' histories.
        """
        ...

    def customer_spans(self, won_before: datetime) -> list[CustomerSpan]:
        """Every lead won before ``won_before``, with when it was won and (if so) churned."""
        ...

    def first_lead_at(self) -> datetime | None:
        """When Baton first held a lead (its first ``created`` or ``unparsed`` event); ``None``
        before any. Digests for periods before it are not due."""
        ...


class IntakeKeys(Protocol):
    def claim(self, keys: Sequence[str], at: datetime) -> bool:
        """Record the delivery keys; False when any was recorded before (a retry)."""
        ...

    def known(self, keys: Sequence[str]) -> bool:
        """Whether any of the keys was recorded before (without recording anything)."""
        ...

    def attach(self, keys: Sequence[str], lead_id: int) -> None:
        """Remember which lead the keys created, so a retry can answer with it."""
        ...

    def lead_for(self, keys: Sequence[str]) -> int | None:
        """The lead an earlier delivery under any of ``keys`` created, if it created one."""
        ...


class DeliveryKeys(Protocol):
    """State-changing requests a platform may deliver more than once, keyed by what identifies
    the delivery there (a Teams activity): claimed in the transaction of the request's effect."""

    def claim(self, platform: str, key: str, at: datetime) -> bool:
        """Record the delivery; False when it was recorded before (a redelivery)."""
        ...

    def reply(self, platform: str, key: str) -> Mapping[str, Any] | None:
        """What the first delivery was answered, when it was stored."""
        ...

    def save_reply(self, platform: str, key: str, reply: Mapping[str, Any]) -> None: ...


class Outbox(Protocol):
    def add(self, notice: Notice) -> None: ...


class OutboxRows(Protocol):
    """The outbox as a sender works it, each call its own short transaction (``storage/outbox.py``).

    Only the holder of a claim's token may reschedule or fail its row; marking a row sent takes
    the token back from whoever holds it, so a row delivered by a sender whose claim went stale is
    not sent a third time.
    """

    def claim(
        self, limit: int, now: datetime, stale_before: Mapping[str, datetime]
    ) -> list[ClaimedRow]:
        """Take up to ``limit`` of the oldest due rows: pending and due by ``now``, or ``sending``
        under a claim older than ``stale_before[platform]``; none behind an unfinished earlier row
        of the same lead. Only platforms in ``stale_before`` are taken."""
        ...

    def release(self, claims: Sequence[ClaimedRow]) -> None:
        """Hand claimed rows back, untried (a slow batch gives up what it cannot send in time)."""
        ...

    def retry(self, claim: ClaimedRow, at: datetime, error: str) -> bool:
        """Make the row due again at ``at``; False when the claim no longer stands."""
        ...

    def fail(self, claim: ClaimedRow, now: datetime, error: str) -> bool:
        """Give the row up; False when the claim no longer stands."""
        ...

    def mark_sent(self, claim: ClaimedRow, now: datetime, card_ref: str | None) -> None:
        """The row went out; a lead card posted for the first time keeps its platform id, and a
        digest's run is stamped sent."""
        ...

    def addressees(
        self, claims: Sequence[ClaimedRow]
    ) -> tuple[Mapping[int, Rep], Mapping[int, str | None]]:
        """In one snapshot: every rep (by id), and the card ids of the claimed rows' leads."""
        ...


class CrmOwners(Protocol):
    """Reps' owners in the CRM and the emails that find them (``storage/crm.py``); the email
    is the rep's own, the one :class:`RepEmails` reads and writes."""

    def owner_of(self, rep_id: int) -> str | None: ...
    def email_of(self, rep_id: int) -> str | None: ...
    def set(self, rep_id: int, *, email: str | None = None, owner_id: str | None = None) -> None:
        """Remember what is given (None leaves a value as it is, "" clears it)."""
        ...


class RepEmails(Protocol):
    """A rep's email: a fact of the rep, whichever platform told it (a Slack profile, the Teams
    roster, `email=` on `/rotation add`, `/rotation owner`). The CRM finds the rep's owner by it,
    their calendar feed's declined invitations are recognised by it, and the invitation Baton
    writes names them by it. Kept in one place (``storage/rep_emails.py``)."""

    def email_of(self, rep_id: int) -> str | None: ...
    def set_email(self, rep_id: int, email: str) -> None:
        """Remember ``email`` (already storable and lower case) as the rep's."""
        ...

    def calendar_reps_without(self, platform: Platform) -> list[str]:
        """User ids of ``platform``'s reps with a calendar feed and no known email."""
        ...


class DigestRuns(Protocol):
    def claim(self, digest: str, period: str, at: datetime) -> bool:
        """Claim (digest, period) for sending; False when it was claimed before."""
        ...


class NumbersStore(Protocol):
    """What the manager's numbers keep and read beyond the digest's events."""

    def spend(self, months: Sequence[str] | None = None) -> list[Spend]:
        """Spend entered for ``months`` (``YYYY-MM``), or all of it."""
        ...

    def set_spend(self, spend: Spend, by: int | None, at: datetime) -> None:
        """Enter (or replace) a source's spend for a month; sources match ignoring case."""
        ...

    def role_costs(self) -> list[RoleCost]: ...
    def set_role_cost(self, cost: RoleCost, by: int | None, at: datetime) -> None: ...
    def open_deal_events(self, before: datetime) -> list[LeadEvent]:
        """For every lead with a closer now, its events of the types
        ``routing.metrics.numbers.OPPORTUNITY_TYPES`` before ``before``."""
        ...

    def latest_of_open_leads(self, before: datetime) -> list[LeadEvent]:
        """The latest event of each open lead with an owner, if at or before ``before``."""
        ...

    def claim_nudge(self, lead_id: int, event_id: int, at: datetime) -> bool:
        """Claim the stall a lead's latest event began; False when it was nudged before."""
        ...


class PrivacyStore(Protocol):
    """A contact's stored data, found, exported and erased (``storage/privacy.py``)."""

    def person(self, *, email: str | None = None, lead_id: int | None = None) -> Person:
        """The leads held about a person (by email, or by one of their leads) and the values
        that identify them in text."""
        ...

    def export(self, person: Person) -> dict[str, list[dict[str, Any]]]:
        """Every stored row about ``person``, by table, as JSON values."""
        ...

    def posted_messages(self, lead_ids: Sequence[int]) -> list[PostedMessage]:
        """Baton's messages about the leads (thread replies, not the card; DMs), oldest first."""
        ...

    def erase(self, person: Person, salt: str, day: str) -> int:
        """Take ``person``'s details out of every table, keeping anonymised rows; returns the
        rows changed."""
        ...

    def purge(self, before: datetime) -> dict[str, int]:
        """Clear raw texts, delivered payloads and kept replies older than ``before``."""
        ...


class AuditLog(Protocol):
    def record(self, entry: AuditEntry) -> None: ...
    def page(self, offset: int, limit: int) -> list[AuditEntry]:
        """The audit trail, newest first: the entries kept, reassignments and credits."""
        ...

    def count(self) -> int: ...


class CalendarStore(Protocol):
    """Reps' calendar feeds and booking links (``/rotation calendar``, ``/rotation booking``)."""

    def get(self, rep_id: int) -> RepCalendar | None: ...
    def save(self, calendar: RepCalendar) -> None: ...
    def with_feeds(self) -> list[RepCalendar]: ...
    def claim_due(self, checked_before: datetime, now: datetime) -> list[RepCalendar]:
        """Feeds never fetched or last started before ``checked_before``, each marked started
        at ``now`` by a compare-and-set, so one process fetches a feed once."""
        ...

    def claim_applied(self, rep_id: int, key: str) -> bool:
        """Record that the away period ``key`` was applied; False when it already was (by this
        or another process): the rep is told once."""
        ...

    def claim_stale_notice(self, rep_id: int) -> bool:
        """Record that the rep and managers were told the calendar went unknown; False when
        they already were."""
        ...

    def read_again(self, rep_id: int) -> None:
        """Make the rep's feed due now and read in full (no validators), touching nothing else:
        what was learned about the rep changes how its events read."""
        ...


class MeetingStore(Protocol):
    """First meetings booked after hand-offs, keyed by the booking's uid."""

    def get(self, uid: str) -> Meeting | None: ...
    def save(self, meeting: Meeting) -> None: ...
    def claim(self, meeting: Meeting) -> bool:
        """Record ``meeting`` unless its uid is known: False when it was (a double click, a
        replayed action), atomically, so two at once record one."""
        ...

    def held(self, rep_id: int, after: datetime) -> list[Meeting]:
        """Booked meetings holding ``rep_id``'s time from ``after`` on (Baton's own holds)."""
        ...

    def booked_between(self, start: datetime, end: datetime) -> list[Meeting]:
        """Meetings booked (``booked_at``) in [start, end), whatever became of them since."""
        ...

    def after_handoffs_between(self, start: datetime, end: datetime) -> list[Meeting]:
        """Meetings booked after a hand-off made in [start, end) (``handed_off_at``), whatever
        became of them since: what meetings booked at hand-off count."""
        ...


class UnitOfWork(Protocol):
    """One transaction: nothing is kept unless ``commit()`` is called before the block ends."""

    @property
    def reps(self) -> RepRepository: ...
    @property
    def pools(self) -> PoolRepository: ...
    @property
    def leads(self) -> LeadRepository: ...
    @property
    def intake(self) -> IntakeKeys: ...
    @property
    def deliveries(self) -> DeliveryKeys: ...
    @property
    def outbox(self) -> Outbox: ...
    @property
    def digests(self) -> DigestRuns: ...
    @property
    def crm_owners(self) -> CrmOwners: ...
    @property
    def rep_emails(self) -> RepEmails: ...
    @property
    def crm_backlog(self) -> CrmBacklogReads:
        """The CRM outbox's waiting and failed writes (the dashboard's CRM page)."""
        ...

    @property
    def numbers(self) -> NumbersStore: ...
    @property
    def privacy(self) -> PrivacyStore: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def calendars(self) -> CalendarStore: ...
    @property
    def meetings(self) -> MeetingStore: ...
    @property
    def dashboard(self) -> DashboardReads:
        """What the dashboard reads beyond the digest's ports (leads pages, trends)."""
        ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def savepoint(self) -> AbstractContextManager[None]:
        """A part of the transaction that an exception undoes on its own (one row of a batch),
        re-raising it; the rest of the transaction carries on."""
        ...
