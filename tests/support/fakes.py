"""An in-memory unit of work implementing every port of ``routing/ports.py``, and a test desk.

``FakeUnitOfWork`` behaves like ``storage.uow.SqlUnitOfWork`` where use cases can tell the
difference: entering it copies the committed state, and only ``commit()`` makes the copy the
committed state, so a use case that raises leaves nothing behind. Leads and memberships come
back as fresh copies (a change is kept only when saved, as with rows); reps are kept in a
per-transaction identity map, as ``SqlReps`` does. Queries mirror the SQL ones, orders included.

``Desk`` wires a real ``Relay`` to the fake and a clock that only moves when told, so use-case
tests read like a conversation: ``desk.say("maya", "/rotation add @alice qualifier")``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from routing.arrival import posted
from routing.audit import AuditEntry
from routing.calendars import RepCalendar
from routing.calendars.meeting import Meeting, MeetingStatus
from routing.commands import parse_command
from routing.crm.outbox import CrmBacklog
from routing.dashboard.filters import LeadFilters
from routing.dashboard.ports import LeadRow
from routing.errors import NotFound
from routing.events import RECEIVING, EventType, LeadEvent, received_through
from routing.lead import Lead, format_lead_id
from routing.metrics import CustomerSpan, Period
from routing.metrics.costs import RoleCost, Spend
from routing.metrics.numbers import OPPORTUNITY_TYPES
from routing.metrics.pipeline import STALLABLE
from routing.metrics.sources import source_key
from routing.notices import Notice
from routing.ports import UnitOfWork
from routing.privacy import Person, PostedMessage, identifiers_of
from routing.relay import Relay
from routing.roles import Platform, Role
from routing.rules import RuleSet
from routing.stages import CLOSING_STAGES, OPEN_STAGES, OWNED_STAGES, Stage
from routing.team import ClaimMode, Membership, Pool, Rep, RotationEvent
from routing.usecases.context import Actor, Outcome, RelayConfig
from tests.support.clock import FakeClock
from tests.support.phones import PHONES

_MATCHABLE = (OPEN_STAGES - {Stage.NEW}) | {Stage.CUSTOMER}


@dataclass
class FakeState:
    """Everything storage keeps; one copy is committed, another is the open transaction's."""

    reps: dict[int, Rep] = field(default_factory=dict)
    pools: dict[str, Pool] = field(default_factory=dict)
    memberships: dict[tuple[str, int], Membership] = field(default_factory=dict)
    leads: dict[int, Lead] = field(default_factory=dict)
    events: list[LeadEvent] = field(default_factory=list)
    intake_keys: dict[str, datetime] = field(default_factory=dict)
    intake_leads: dict[str, int] = field(default_factory=dict)
    delivery_keys: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)
    outbox: list[Notice] = field(default_factory=list)
    digest_runs: dict[tuple[str, str], datetime] = field(default_factory=dict)
    rotation_events: list[RotationEvent] = field(default_factory=list)
    spend: dict[tuple[str, str], Spend] = field(default_factory=dict)
    role_costs: dict[tuple[str, str], RoleCost] = field(default_factory=dict)
    nudges: set[tuple[int, int]] = field(default_factory=set)
    audit: list[AuditEntry] = field(default_factory=list)
    crm_owners: dict[int, tuple[str | None, str | None]] = field(default_factory=dict)
    """rep id → (email, CRM owner id)."""
    calendars: dict[int, RepCalendar] = field(default_factory=dict)
    meetings: dict[str, Meeting] = field(default_factory=dict)
    last_id: dict[str, int] = field(default_factory=dict)

    def new_id(self, table: str) -> int:
        self.last_id[table] = self.last_id.get(table, 0) + 1
        return self.last_id[table]


class _Tx:
    """The open transaction: the working state plus the identity map of reps."""

    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.rep_cache: dict[int, Rep] = {}
        self.locks: list[str] = []


class FakeReps:
    def __init__(self, tx: _Tx) -> None:
        self.tx = tx

    def _remember(self, stored: Rep) -> Rep:
        rep = copy.deepcopy(stored)
        self.tx.rep_cache[rep.id or 0] = rep
        return rep

    def adopt(self, rep_id: int) -> Rep:
        return self.tx.rep_cache.get(rep_id) or self._remember(self.tx.state.reps[rep_id])

    def get(self, rep_id: int) -> Rep:
        if rep_id in self.tx.rep_cache:
            return self.tx.rep_cache[rep_id]
        if rep_id not in self.tx.state.reps:
            raise NotFound(f"No rep with id {rep_id}.")
        return self._remember(self.tx.state.reps[rep_id])

    def find(self, platform: Platform, user_id: str) -> Rep | None:
        found = (
            r
            for r in self.tx.state.reps.values()
            if r.platform is platform and r.user_id == user_id
        )
        stored = next(found, None)
        return self._remember(stored) if stored else None

    def add(self, rep: Rep) -> Rep:
        if self.find(rep.platform, rep.user_id) is not None:
            raise ValueError(f"duplicate rep {rep.platform}:{rep.user_id} (unique constraint)")
        rep.id = self.tx.state.new_id("reps")
        self.tx.state.reps[rep.id] = copy.deepcopy(rep)
        self.tx.rep_cache[rep.id] = rep
        return rep

    def save(self, rep: Rep) -> None:
        if rep.id in self.tx.state.reps:
            self.tx.state.reps[rep.id] = copy.deepcopy(rep)

    def managers(self) -> list[Rep]:
        return [self._remember(r) for _id, r in sorted(self.tx.state.reps.items()) if r.is_manager]

    def all(self) -> list[Rep]:
        return [self._remember(r) for _id, r in sorted(self.tx.state.reps.items())]


class FakePools:
    def __init__(self, tx: _Tx, reps: FakeReps) -> None:
        self.tx = tx
        self.reps = reps

    def get(self, name: str) -> Pool | None:
        return self.tx.state.pools.get(name)

    def ensure(self, name: str, role: Role) -> Pool:
        return self.tx.state.pools.setdefault(name, Pool(name, role))

    def all(self) -> list[Pool]:
        return sorted(self.tx.state.pools.values(), key=lambda p: (p.role.value, p.name))

    def lock(self, name: str) -> None:
        self.tx.locks.append(name)

    def _fresh(self, stored: Membership) -> Membership:
        return replace(stored, rep=self.reps.adopt(stored.rep_id))

    def members(self, name: str) -> list[Membership]:
        found = [m for (pool, _r), m in self.tx.state.memberships.items() if pool == name]
        return [self._fresh(m) for m in sorted(found, key=lambda m: (m.position, m.rep_id))]

    def add_member(self, membership: Membership) -> None:
        key = (membership.pool, membership.rep_id)
        if key in self.tx.state.memberships or membership.pool not in self.tx.state.pools:
            raise ValueError(f"can't insert membership {key} (constraint)")
        self.tx.state.memberships[key] = _stored(membership)

    def save_members(self, memberships: Sequence[Membership]) -> None:
        for m in memberships:
            if (m.pool, m.rep_id) in self.tx.state.memberships:
                self.tx.state.memberships[(m.pool, m.rep_id)] = _stored(m)

    def remove_member(self, name: str, rep_id: int) -> bool:
        return self.tx.state.memberships.pop((name, rep_id), None) is not None

    def memberships_of(self, rep_id: int) -> list[tuple[Pool, Membership]]:
        mine = sorted(
            (m for (_pool, r), m in self.tx.state.memberships.items() if r == rep_id),
            key=lambda m: m.pool,
        )
        return [(self.tx.state.pools[m.pool], self._fresh(m)) for m in mine]

    def set_claim_mode(self, name: str, mode: ClaimMode) -> None:
        if name in self.tx.state.pools:
            self.tx.state.pools[name] = replace(self.tx.state.pools[name], claim_mode=mode)

    def record(self, event: RotationEvent) -> None:
        self.tx.state.rotation_events.append(event)


def _stored(membership: Membership) -> Membership:
    """The row: a copy whose rep is a detached copy (rows hold the rep id, not the object)."""
    return replace(membership, rep=copy.deepcopy(membership.rep))


class FakeLeads:
    def __init__(self, tx: _Tx) -> None:
        self.tx = tx

    def add(self, lead: Lead) -> Lead:
        lead.id = self.tx.state.new_id("leads")
        self._write(lead)
        return lead

    def get(self, lead_id: int, *, lock: bool = False) -> Lead:
        if lead_id not in self.tx.state.leads:
            raise NotFound(f"There is no lead {format_lead_id(lead_id)}. `/lead mine` lists yours.")
        if lock:
            self.tx.locks.append(format_lead_id(lead_id))
        return copy.deepcopy(self.tx.state.leads[lead_id])

    def save(self, lead: Lead) -> None:
        if lead.id not in self.tx.state.leads:
            raise NotFound(f"save() of a lead that was never added: {lead.ref}")
        self._write(lead)

    def _write(self, lead: Lead) -> None:
        for event in lead.take_pending():
            self.tx.state.events.append(replace(event, id=self.tx.state.new_id("events")))
        assert lead.id is not None
        self.tx.state.leads[lead.id] = copy.deepcopy(lead)

    def _select(self, keep: Iterable[Lead]) -> list[Lead]:
        return [copy.deepcopy(lead) for lead in keep]

    def find_open_match(self, email: str | None, domain: str | None) -> Lead | None:
        if not email and not domain:
            return None
        found = [
            lead
            for lead in self.tx.state.leads.values()
            if lead.stage in _MATCHABLE
            and lead.owner_id is not None
            and ((email and lead.email == email) or (domain and lead.email_domain == domain))
        ]
        found.sort(key=lambda lead: (lead.email == (email or ""), lead.id or 0), reverse=True)
        return copy.deepcopy(found[0]) if found else None

    def owned_by(self, rep_id: int) -> list[Lead]:
        return self._select(
            lead
            for _id, lead in sorted(self.tx.state.leads.items())
            if lead.owner_id == rep_id and lead.stage in OWNED_STAGES
        )

    def open_count(self, rep_id: int) -> int:
        busy = {Stage.ASSIGNED, Stage.WORKING}
        leads = self.tx.state.leads.values()
        return sum(1 for lead in leads if lead.owner_id == rep_id and lead.stage in busy)

    def received_since(self, rep_id: int, since: datetime, pool: str) -> int:
        return len(
            {
                e.lead_id
                for e in self.tx.state.events
                if e.owner_id == rep_id
                and e.type in RECEIVING
                and e.at >= since
                and received_through(e.payload, pool)
            }
        )

    def queued(self, pool: str) -> list[Lead]:
        return self._select(
            lead
            for _id, lead in sorted(self.tx.state.leads.items())
            if lead.stage is Stage.NEW and lead.pool == pool
        )

    def awaiting_claim(
        self, assigned_before: datetime, imported_before: datetime | None = None
    ) -> list[Lead]:
        def before(lead: Lead) -> datetime:
            return imported_before if lead.imported and imported_before else assigned_before

        waiting = [
            lead
            for lead in self.tx.state.leads.values()
            if lead.stage is Stage.ASSIGNED
            and lead.assigned_at is not None
            and lead.assigned_at < before(lead)
        ]
        return self._select(sorted(waiting, key=lambda lead: lead.assigned_at or assigned_before))

    def events(self, lead_id: int) -> list[LeadEvent]:
        return [e for e in self.tx.state.events if e.lead_id == lead_id]

    def events_for_report(self, start: datetime, end: datetime) -> list[LeadEvent]:
        """The touched leads' histories and the open leads' whole histories (a superset of the
        stage marks storage reads for them), before ``end``, in time order."""
        events = self.tx.state.events
        touched = {e.lead_id for e in events if e.at >= start}
        still_open = {i for i, lead in self.tx.state.leads.items() if lead.stage in OPEN_STAGES}
        chosen = [e for e in events if e.lead_id in touched | still_open and e.at < end]
        return sorted(chosen, key=lambda e: (e.at, e.id or 0))

    def customer_spans(self, won_before: datetime) -> list[CustomerSpan]:
        won: dict[int, datetime] = {}
        churned: dict[int, datetime] = {}
        for e in self.tx.state.events:
            if e.at >= won_before:
                continue
            if e.type is EventType.WON:
                won[e.lead_id] = min(e.at, won.get(e.lead_id, e.at))
            elif e.type is EventType.CHURNED:
                churned[e.lead_id] = min(e.at, churned.get(e.lead_id, e.at))
        return [CustomerSpan(i, at, churned.get(i)) for i, at in sorted(won.items())]

    def first_lead_at(self) -> datetime | None:
        firsts = (EventType.CREATED, EventType.UNPARSED)
        return min((e.at for e in self.tx.state.events if e.type in firsts), default=None)


class FakeIntakeKeys:
    def __init__(self, tx: _Tx) -> None:
        self.tx = tx

    def claim(self, keys: Sequence[str], at: datetime) -> bool:
        fresh = [key for key in keys if key not in self.tx.state.intake_keys]
        for key in fresh:
            self.tx.state.intake_keys[key] = at
        return len(fresh) == len(keys)

    def known(self, keys: Sequence[str]) -> bool:
        return any(key in self.tx.state.intake_keys for key in keys)

    def attach(self, keys: Sequence[str], lead_id: int) -> None:
        for key in keys:
            self.tx.state.intake_leads[key] = lead_id

    def lead_for(self, keys: Sequence[str]) -> int | None:
        leads = self.tx.state.intake_leads
        return next((leads[key] for key in keys if key in leads), None)


class FakeDeliveryKeys:
    def __init__(self, tx: _Tx) -> None:
        self.tx = tx

    def claim(self, platform: str, key: str, at: datetime) -> bool:
        if (platform, key) in self.tx.state.delivery_keys:
            return False
        self.tx.state.delivery_keys[(platform, key)] = None
        return True

    def reply(self, platform: str, key: str) -> Mapping[str, Any] | None:
        return self.tx.state.delivery_keys.get((platform, key))

    def save_reply(self, platform: str, key: str, reply: Mapping[str, Any]) -> None:
        self.tx.state.delivery_keys[(platform, key)] = dict(reply)


class FakeOutbox:
    def __init__(self, tx: _Tx) -> None:
        self.tx = tx

    def add(self, notice: Notice) -> None:
        if (notice.rep_id, notice.thread, notice.channel).count(None) != 2:
            raise ValueError(f"a notice needs exactly one destination: {notice}")
        self.tx.state.outbox.append(notice)


class FakeDigestRuns:
    def __init__(self, tx: _Tx) -> None:
        self.tx = tx

    def claim(self, digest: str, period: str, at: datetime) -> bool:
        if (digest, period) in self.tx.state.digest_runs:
            return False
        self.tx.state.digest_runs[(digest, period)] = at
        return True


class FakeCrmBacklog:
    """The in-memory world writes no CRM rows: nothing waits, nothing failed."""

    def backlog(self, limit: int = 5) -> CrmBacklog:
        return CrmBacklog(0, 0)


class FakeCrmOwners:
    def __init__(self, tx: _Tx) -> None:
        self.tx = tx

    def owner_of(self, rep_id: int) -> str | None:
        return self.tx.state.crm_owners.get(rep_id, (None, None))[1]

    def email_of(self, rep_id: int) -> str | None:
        return self.tx.state.crm_owners.get(rep_id, (None, None))[0]

    def set(self, rep_id: int, *, email: str | None = None, owner_id: str | None = None) -> None:
        old_email, old_owner = self.tx.state.crm_owners.get(rep_id, (None, None))
        self.tx.state.crm_owners[rep_id] = (
            old_email if email is None else email or None,
            old_owner if owner_id is None else owner_id or None,
        )


class FakeRepEmails:
    """Reps' emails, in the same place as the CRM owners' (as ``storage/rep_emails.py``)."""

    def __init__(self, tx: _Tx) -> None:
        self.tx = tx

    def email_of(self, rep_id: int) -> str | None:
        return self.tx.state.crm_owners.get(rep_id, (None, None))[0]

    def set_email(self, rep_id: int, email: str) -> None:
        owner = self.tx.state.crm_owners.get(rep_id, (None, None))[1]
        self.tx.state.crm_owners[rep_id] = (email, owner)

    def calendar_reps_without(self, platform: Platform) -> list[str]:
        state = self.tx.state
        return [
            rep.user_id
            for rep_id, calendar in sorted(state.calendars.items())
            if calendar.url is not None
            and (rep := state.reps.get(rep_id)) is not None
            and rep.platform is platform
            and self.email_of(rep_id) is None
        ]


class FakeNumbers:
    """``NumbersStore`` over the fake state."""

    def __init__(self, tx: _Tx) -> None:
        self.state = tx.state

    def spend(self, months: Sequence[str] | None = None) -> list[Spend]:
        rows = sorted(self.state.spend.items(), key=lambda item: (item[0][1], item[0][0]))
        return [row for (_k, month), row in rows if months is None or month in months]

    def set_spend(self, spend: Spend, by: int | None, at: datetime) -> None:
        self.state.spend[(source_key(spend.source), spend.month)] = spend

    def role_costs(self) -> list[RoleCost]:
        return [cost for _key, cost in sorted(self.state.role_costs.items())]

    def set_role_cost(self, cost: RoleCost, by: int | None, at: datetime) -> None:
        self.state.role_costs[(cost.role, cost.month)] = cost

    def open_deal_events(self, before: datetime) -> list[LeadEvent]:
        deals = {i for i, lead in self.state.leads.items() if lead.stage in CLOSING_STAGES}
        return [
            e
            for e in self.state.events
            if e.lead_id in deals and e.type in OPPORTUNITY_TYPES and e.at < before
        ]

    def latest_of_open_leads(self, before: datetime) -> list[LeadEvent]:
        owned = {
            i
            for i, lead in self.state.leads.items()
            if lead.stage in STALLABLE and lead.owner_id is not None
        }
        latest: dict[int, LeadEvent] = {}
        for event in self.state.events:
            if event.lead_id in owned:
                latest[event.lead_id] = event
        return [e for e in latest.values() if e.at <= before]

    def claim_nudge(self, lead_id: int, event_id: int, at: datetime) -> bool:
        if (lead_id, event_id) in self.state.nudges:
            return False
        self.state.nudges.add((lead_id, event_id))
        return True


class FakeDashboardReads:
    """``DashboardReads`` over the fake state: the same filters, in Python."""

    def __init__(self, tx: _Tx) -> None:
        self.state = tx.state

    def leads_page(
        self, filters: LeadFilters, period: Period | None, limit: int, offset: int
    ) -> list[LeadRow]:
        leads = [
            lead
            for lead in self.state.leads.values()
            if _kept(lead, filters, period) and self._held(lead, filters, period)
        ]
        leads.sort(key=lambda lead: lead.id or 0, reverse=True)
        return [_lead_row(lead) for lead in leads[offset : offset + limit]]

    def _held(self, lead: Lead, filters: LeadFilters, period: Period | None) -> bool:
        if filters.held_by is None:
            return True
        return any(
            e.lead_id == lead.id
            and e.owner_id == filters.held_by
            and (period is None or e.at < period.end)
            for e in self.state.events
        )

    def held_since(self, rep_id: int, start: datetime, end: datetime) -> dict[int, datetime]:
        window = [e for e in self.state.events if start <= e.at < end]
        trended = {e.lead_id for e in window if e.type.value in _TREND_TYPES}
        owned: dict[int, datetime] = {}
        for event in sorted(self.state.events, key=lambda e: e.at):
            if event.owner_id == rep_id and event.lead_id in trended:
                owned.setdefault(event.lead_id, event.at)
        return owned

    def trend_events(
        self, start: datetime, end: datetime, lead_ids: set[int] | None
    ) -> Sequence[LeadEvent]:
        return [
            e
            for e in self.state.events
            if e.type.value in _TREND_TYPES
            and start <= e.at < end
            and (lead_ids is None or e.lead_id in lead_ids)
        ]

    def customer_owners(self) -> dict[int, int]:
        return {
            lead.id or 0: lead.owner_id
            for lead in self.state.leads.values()
            if lead.stage is Stage.CUSTOMER and lead.owner_id is not None
        }

    def owner_ids(self) -> set[int]:
        return {lead.owner_id for lead in self.state.leads.values() if lead.owner_id is not None}


_TREND_TYPES = frozenset({"created", "qualified", "won"})


def _kept(lead: Lead, filters: LeadFilters, period: Period | None) -> bool:
    created = lead.created_at
    if period is not None and (created is None or not period.contains(created)):
        return False
    source = str(lead.fields.get("source", "")).lower()
    search = (filters.search or "").lower()
    texts = ((value or "").lower() for value in (lead.company, lead.name, lead.email))
    return (
        (filters.stage is None or lead.stage is filters.stage)
        and (filters.owner_id is None or lead.owner_id == filters.owner_id)
        and (filters.pool is None or lead.pool == filters.pool)
        and (filters.source is None or source == filters.source.lower())
        and (not search or any(search in text for text in texts))
    )


def _lead_row(lead: Lead) -> LeadRow:
    source = lead.fields.get("source")
    return LeadRow(
        id=lead.id or 0,
        company=lead.company,
        name=lead.name,
        email=lead.email,
        stage=lead.stage,
        origin=lead.origin.value,
        owner_id=lead.owner_id,
        pool=lead.pool,
        source=str(source) if source is not None else None,
        created_at=lead.created_at or datetime.min.replace(tzinfo=UTC),
    )


class FakePrivacy:
    """Finds a person's leads by email; export and erasure are tested on real storage."""

    def __init__(self, tx: _Tx) -> None:
        self.tx = tx

    def person(self, *, email: str | None = None, lead_id: int | None = None) -> Person:
        leads = self.tx.state.leads
        found = {
            i
            for i, lead in leads.items()
            if i == lead_id or (email and (lead.email or "").lower() == email.lower())
        }
        values = [v for i in found for v in (leads[i].email, leads[i].name, leads[i].phone)]
        return Person(tuple(sorted(found)), identifiers_of([email, *values]))

    def export(self, person: Person) -> dict[str, list[dict[str, Any]]]:
        return {"leads": [{"id": i} for i in person.lead_ids]}

    def posted_messages(self, lead_ids: Sequence[int]) -> list[PostedMessage]:
        return []

    def erase(self, person: Person, salt: str, day: str) -> int:
        for i in person.lead_ids:
            lead = self.tx.state.leads[i]
            lead.email = lead.name = lead.phone = lead.raw_text = None
            lead.fields = {"erased": day}
        return len(person.lead_ids)

    def purge(self, before: datetime) -> dict[str, int]:
        return {}


class FakeAudit:
    def __init__(self, tx: _Tx) -> None:
        self.tx = tx

    def record(self, entry: AuditEntry) -> None:
        self.tx.state.audit.append(entry)

    def page(self, offset: int, limit: int) -> list[AuditEntry]:
        return sorted(self.tx.state.audit, key=lambda e: e.at, reverse=True)[
            offset : offset + limit
        ]

    def count(self) -> int:
        return len(self.tx.state.audit)


class FakeCalendars:
    def __init__(self, tx: _Tx) -> None:
        self.state = tx.state

    def get(self, rep_id: int) -> RepCalendar | None:
        found = self.state.calendars.get(rep_id)
        return copy.deepcopy(found) if found else None

    def save(self, calendar: RepCalendar) -> None:
        self.state.calendars[calendar.rep_id] = copy.deepcopy(calendar)

    def with_feeds(self) -> list[RepCalendar]:
        return [copy.deepcopy(c) for c in self.state.calendars.values() if c.url]

    def read_again(self, rep_id: int) -> None:
        calendar = self.state.calendars.get(rep_id)
        if calendar is not None and calendar.url:
            calendar.checked_at = calendar.read_at = None

    def claim_applied(self, rep_id: int, key: str) -> bool:
        calendar = self.state.calendars.get(rep_id)
        if calendar is None or calendar.applied_key == key:
            return False
        calendar.applied_key = key
        return True

    def claim_stale_notice(self, rep_id: int) -> bool:
        calendar = self.state.calendars.get(rep_id)
        if calendar is None or calendar.stale_told:
            return False
        calendar.stale_told = True
        return True

    def claim_due(self, checked_before: datetime, now: datetime) -> list[RepCalendar]:
        due = [
            c
            for c in self.state.calendars.values()
            if c.url and (c.checked_at is None or c.checked_at < checked_before)
        ]
        for calendar in due:
            calendar.checked_at = now
        return [copy.deepcopy(c) for c in due]


class FakeMeetings:
    def __init__(self, tx: _Tx) -> None:
        self.state = tx.state

    def get(self, uid: str) -> Meeting | None:
        found = self.state.meetings.get(uid)
        return copy.deepcopy(found) if found else None

    def save(self, meeting: Meeting) -> None:
        self.state.meetings[meeting.uid] = copy.deepcopy(meeting)

    def claim(self, meeting: Meeting) -> bool:
        if meeting.uid in self.state.meetings:
            return False
        self.save(meeting)
        return True

    def held(self, rep_id: int, after: datetime) -> list[Meeting]:
        return [
            copy.deepcopy(m)
            for m in self.state.meetings.values()
            if m.rep_id == rep_id
            and m.status is MeetingStatus.BOOKED
            and m.starts_at is not None
            and m.starts_at >= after
        ]

    def booked_between(self, start: datetime, end: datetime) -> list[Meeting]:
        found = [m for m in self.state.meetings.values() if start <= m.booked_at < end]
        return sorted((copy.deepcopy(m) for m in found), key=lambda m: m.booked_at)

    def after_handoffs_between(self, start: datetime, end: datetime) -> list[Meeting]:
        found = [
            m
            for m in self.state.meetings.values()
            if m.handed_off_at is not None and start <= m.handed_off_at < end
        ]
        return sorted((copy.deepcopy(m) for m in found), key=lambda m: (m.handed_off_at, m.uid))


class FakeUnitOfWork:
    """One store; each ``with`` block is a transaction that keeps nothing unless committed.

    Pass the same instance as the relay's factory (``lambda: uow``); read what was committed
    through ``committed`` (or the helpers below) between transactions.
    """

    def __init__(self) -> None:
        self.committed = FakeState()
        self.commits = 0
        self._tx: _Tx | None = None

    def _open(self) -> _Tx:
        assert self._tx is not None, "use the unit of work in a with-block"
        return self._tx

    @property
    def reps(self) -> FakeReps:
        return FakeReps(self._open())

    @property
    def pools(self) -> FakePools:
        tx = self._open()
        return FakePools(tx, FakeReps(tx))

    @property
    def leads(self) -> FakeLeads:
        return FakeLeads(self._open())

    @property
    def intake(self) -> FakeIntakeKeys:
        return FakeIntakeKeys(self._open())

    @property
    def deliveries(self) -> FakeDeliveryKeys:
        return FakeDeliveryKeys(self._open())

    @property
    def outbox(self) -> FakeOutbox:
        return FakeOutbox(self._open())

    @property
    def digests(self) -> FakeDigestRuns:
        return FakeDigestRuns(self._open())

    @property
    def crm_owners(self) -> FakeCrmOwners:
        return FakeCrmOwners(self._open())

    @property
    def rep_emails(self) -> FakeRepEmails:
        return FakeRepEmails(self._open())

    @property
    def crm_backlog(self) -> FakeCrmBacklog:
        return FakeCrmBacklog()

    @property
    def numbers(self) -> FakeNumbers:
        return FakeNumbers(self._open())

    @property
    def calendars(self) -> FakeCalendars:
        return FakeCalendars(self._open())

    @property
    def meetings(self) -> FakeMeetings:
        return FakeMeetings(self._open())

    @property
    def dashboard(self) -> FakeDashboardReads:
        return FakeDashboardReads(self._open())

    @property
    def privacy(self) -> FakePrivacy:
        return FakePrivacy(self._open())

    @property
    def audit(self) -> FakeAudit:
        return FakeAudit(self._open())

    @property
    def locks(self) -> list[str]:
        """What the open transaction locked (pool names, and ``L-n`` for leads got with lock)."""
        return self._open().locks

    def __enter__(self) -> Self:
        assert self._tx is None, "transactions don't nest"
        self._tx = _Tx(copy.deepcopy(self.committed))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tx = None

    def commit(self) -> None:
        self.committed = copy.deepcopy(self._open().state)
        self.commits += 1

    def rollback(self) -> None:
        if self._tx is not None:
            self._tx = _Tx(copy.deepcopy(self.committed))

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        before = copy.deepcopy(self._open().state)
        try:
            yield
        except BaseException:
            self._tx = _Tx(before)
            raise

    # --- reading what was committed, for assertions ------------------------------------------

    def lead(self, lead_id: int) -> Lead:
        return self.committed.leads[lead_id]

    def leads_list(self) -> list[Lead]:
        return [lead for _id, lead in sorted(self.committed.leads.items())]

    def events_of(self, lead_id: int) -> list[LeadEvent]:
        return [e for e in self.committed.events if e.lead_id == lead_id]

    def rep_named(self, name: str) -> Rep:
        return next(r for r in self.committed.reps.values() if r.name == name)

    def membership(self, pool: str, name: str) -> Membership:
        return self.committed.memberships[(pool, self.rep_named(name).id or 0)]


# --- a desk to talk to the relay across -------------------------------------------------------

"""Monday 23 Nov 2026, 09:00 UTC: where every desk's clock starts."""

_AT_NAME = re.compile(r"(?<![<\w])@([A-Za-z][\w.\-]*)")


class Desk:
    """A real ``Relay`` on a ``FakeUnitOfWork`` with console users; ``maya`` is the manager."""

    def __init__(
        self,
        *,
        managers: Iterable[str] = ("maya",),
        rules: RuleSet | None = None,
        claim_sla_minutes: int = 5,
        config_managers: Iterable[str] = (),
        self_join: Iterable[str] = (),
    ) -> None:
        self.uow = FakeUnitOfWork()
        self.clock = FakeClock()
        self.config = RelayConfig(
            rules=rules or RuleSet(()),
            managers=frozenset(("console", name) for name in config_managers),
            claim_sla_minutes=claim_sla_minutes,
            self_join=frozenset(self_join),
            phones=PHONES,
        )
        self.relay = Relay(lambda: self.uow, self.clock, self.config)
        for name in managers:
            self.make_manager(name)

    def make_manager(self, name: str) -> Rep:
        with self.uow as uow:
            rep = uow.reps.find(Platform.CONSOLE, name) or uow.reps.add(
                Rep(Platform.CONSOLE, name, name)
            )
            rep.is_manager = True
            uow.reps.save(rep)
            uow.commit()
        return rep

    def say(self, who: str, line: str, *, timezone: str | None = None) -> Outcome:
        """Run one slash command as console user ``who``; ``@name`` mentions are console users.

        ``timezone`` is what the chat platform reports for ``who``; it refreshes the stored rep.
        """
        word, _, rest = line.partition(" ")
        text = _AT_NAME.sub(lambda m: f"<@{m.group(1)}|{m.group(1)}>", rest)
        command = parse_command(word, text, self.clock.now.date())
        return self.relay.execute(Actor(Platform.CONSOLE, who, who, timezone), command)

    def sweep(self) -> Outcome:
        return self.relay.sweep()

    def owners(self) -> list[str | None]:
        """Each lead's owner by name, in lead order."""
        return [self.owner(lead.id or 0) for lead in self.uow.leads_list()]

    def post(
        self,
        text: str,
        *,
        ts: str | None = None,
        channel: str = "C-intake",
        event_id: str | None = None,
        pairs: tuple[tuple[str, str], ...] = (),
        author: str | None = None,
    ) -> Outcome:
        """A message in an intake channel; ``ts`` defaults to a fresh one per post."""
        self._posts = getattr(self, "_posts", 0) + 1
        post = posted(
            platform=Platform.SLACK,
            channel=channel,
            message_id=ts or f"1700000000.{self._posts:06d}",
            text=text,
            pairs=pairs,
            event_id=event_id,
            phones=PHONES,
        )
        actor = Actor(Platform.CONSOLE, author, author) if author else None
        return self.relay.ingest(post, actor)

    def team(self, **roles: str) -> None:
        """``desk.team(qualifier="alice bob", closer="carl")``: the manager adds each in order."""
        for role, names in roles.items():
            for name in names.split():
                self.say("maya", f"/rotation add @{name} {role}")

    # --- reading -------------------------------------------------------------------------------

    def rep(self, name: str) -> Rep:
        return self.uow.rep_named(name)

    def mention(self, name: str) -> str:
        return self.rep(name).mention

    def lead(self, lead_id: int) -> Lead:
        return self.uow.lead(lead_id)

    def lead_explanation(self, lead_id: int) -> str:
        """The explanation of the lead's latest assignment."""
        assigned = [e for e in self.uow.events_of(lead_id) if e.type is EventType.ASSIGNED]
        return str(assigned[-1].payload["explanation"])

    def owner(self, lead_id: int) -> str | None:
        owner_id = self.lead(lead_id).owner_id
        return self.uow.committed.reps[owner_id].name if owner_id else None

    def notices(self) -> list[Notice]:
        return list(self.uow.committed.outbox)

    def dms(self, name: str) -> list[Notice]:
        rep_id = self.rep(name).id
        return [n for n in self.notices() if n.rep_id == rep_id]

    def thread(self, lead_id: int) -> list[Notice]:
        return [n for n in self.notices() if n.thread is not None and n.lead_id == lead_id]

    def mark(self) -> int:
        """How many notices there are now; ``since(mark)`` gives the ones written after."""
        return len(self.uow.committed.outbox)

    def since(self, mark: int) -> list[Notice]:
        return self.notices()[mark:]


def as_port(uow: FakeUnitOfWork) -> UnitOfWork:
    """Typed as the port, so ``mypy tests/support/fakes.py`` proves the fake implements it."""
    return uow
