"""The lead entity: its data, its stage, its one owner, and the rules of every transition.

Methods check the rule, change the state and record a ``LeadEvent`` in ``pending``; they never
notify anyone. The use cases turn the outcome into messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from routing import limits
from routing.contact import Contact, contact_problems
from routing.errors import IllegalTransition, InvalidInput
from routing.events import EventType, LeadEvent
from routing.lead_post import email_domain
from routing.privacy import DETAILS_ERASED, ERASED_FIELD
from routing.roles import Role
from routing.stages import (
    ALLOWED,
    CLOSING_STAGES,
    OPEN_STAGES,
    Action,
    Stage,
    allowed_actions,
    owning_role,
)


class Origin(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass(frozen=True)
class SourceRef:
    """Where the lead was posted, so replies can go to its thread (Teams: conversation + id)."""

    platform: str
    channel: str
    message_id: str


AMOUNT_STAGES = frozenset({Stage.QUALIFIED, *CLOSING_STAGES})
"""Where ``/lead amount`` applies: a qualified lead or an open deal."""

QUALIFICATION_LIMITS = limits.QUALIFICATION
"""The longest text each qualification field takes, in characters (forms show the same limits)."""
EMPTY_QUALIFICATION = "Fill in at least one field: budget, authority, need, timeline or notes."


def qualification_problems(values: Mapping[str, str | None]) -> dict[str, str]:
    """What is wrong with filled-in qualification fields, by field; ``""`` for the whole form.

    Every adapter's form and the typed command are held to these same rules.
    """
    problems = {
        field: f"{field.capitalize()} is too long: at most {limit} characters."
        for field, limit in QUALIFICATION_LIMITS.items()
        if len(values.get(field) or "") > limit
    }
    if not any((values.get(field) or "").strip() for field in QUALIFICATION_LIMITS):
        problems[""] = EMPTY_QUALIFICATION
    return problems


@dataclass(frozen=True)
class Qualification:
    budget: str | None = None
    authority: str | None = None
    need: str | None = None
    timeline: str | None = None
    notes: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}

    def summary(self) -> str:
        labels = ("budget", "authority", "need", "timeline", "notes")
        parts = [f"{k.capitalize()}: {getattr(self, k)}" for k in labels if getattr(self, k)]
        return "; ".join(parts) or "no qualification notes"


FIX_FIRST = (
    "A manager first fixes it with `/lead fix {ref} email=… company=…` (then it is routed like "
    "any lead) or disqualifies it: `/lead disqualify {ref} <reason>`."
)
"""What anyone trying a step on an unparsed lead is told: the two ways out of it."""


def format_lead_id(lead_id: int) -> str:
    return f"L-{lead_id}"


@dataclass
class Lead:
    company: str | None
    email: str | None
    name: str | None = None
    phone: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    origin: Origin = Origin.INBOUND
    stage: Stage = Stage.NEW
    owner_id: int | None = None
    pool: str | None = None
    created_at: datetime | None = None
    assigned_at: datetime | None = None
    source: SourceRef | None = None
    raw_text: str | None = None
    qualification: Qualification | None = None
    amount: Decimal | None = None
    expansion_total: Decimal = Decimal(0)
    reason: str | None = None
    sla_misses: int = 0
    card_ref: str | None = None
    id: int | None = None
    pending: list[LeadEvent] = field(default_factory=list, repr=False)
    stage_since: datetime | None = None
    """When the lead entered its current stage (a step within the stage keeps it)."""
    imported: bool = False
    """A row of an imported spreadsheet: a list, whose claim SLA is the import's
    (``RelayConfig.import_claim_sla_minutes``), not the minutes a fresh post gets."""
    closed_at: datetime | None = None
    """When it left the open stages (``routing.stages.OPEN_STAGES``), or arrived outside them;
    ``None`` while open. With ``stage_since`` it lets a report read a lead that rests in its
    stage, or rested through a whole period, from its row rather than its history."""

    @property
    def ref(self) -> str:
        return format_lead_id(self.id) if self.id is not None else "L-?"

    @property
    def email_domain(self) -> str | None:
        return self.fields.get("domain")

    @property
    def prospecting(self) -> bool:
        """An outbound lead still with the prospector who sourced it (not yet handed on)."""
        return self.origin is Origin.OUTBOUND and self.pool == "prospector"

    @property
    def erased(self) -> bool:
        """The contact's details were erased (``baton privacy erase``, ``/lead erase``)."""
        return ERASED_FIELD in self.fields

    @property
    def title(self) -> str:
        who = self.name or self.email or self.phone or "unknown contact"
        if self.erased:
            who = DETAILS_ERASED
        return f"{self.company} — {who}" if self.company else who

    def check(self, action: Action) -> None:
        """Raise ``IllegalTransition`` naming what is allowed, unless ``action`` fits the stage."""
        prospecting_only = action is Action.HANDOFF_QUALIFIER and not self.prospecting
        if self.stage not in ALLOWED[action] or prospecting_only:
            if self.stage is Stage.UNPARSED:
                raise IllegalTransition(
                    f"{self.ref} is unparsed, so it can't take `{action.value}` now. "
                    + FIX_FIRST.format(ref=self.ref)
                )
            allowed = allowed_actions(self.stage, prospecting=self.prospecting)
            options = ", ".join(a.value for a in allowed) or "nothing more"
            raise IllegalTransition(
                f"{self.ref} is {self.stage.label}, so it can't take `{action.value}` now. "
                f"From {self.stage.label} you can: {options}."
            )

    def _record(
        self,
        type_: EventType,
        at: datetime,
        actor_id: int | None,
        to: Stage,
        owner_id: int | None,
        **payload: Any,
    ) -> LeadEvent:
        event = LeadEvent(
            lead_id=self.id or 0,
            type=type_,
            at=at,
            actor_id=actor_id,
            from_stage=self.stage,
            to_stage=to,
            owner_id=owner_id,
            payload={k: v for k, v in payload.items() if v is not None},
        )
        self._enter(to, at)
        self.owner_id = owner_id
        self.pending.append(event)
        return event

    def _enter(self, stage: Stage, at: datetime) -> None:
        """Move to ``stage`` at ``at``, keeping when the stage began and when it was closed."""
        if stage is not self.stage or self.stage_since is None:
            self.stage_since = at
        if stage in OPEN_STAGES:
            self.closed_at = None
        elif self.stage in OPEN_STAGES or self.closed_at is None:
            self.closed_at = at
        self.stage = stage

    def record_creation(self, at: datetime, actor_id: int | None, **payload: Any) -> None:
        """The first event: ``created`` (stage new) or ``unparsed`` (kept for a human)."""
        self.created_at = at
        self.stage_since = None
        self._enter(self.stage, at)
        kind = EventType.UNPARSED if self.stage is Stage.UNPARSED else EventType.CREATED
        self.pending.append(
            LeadEvent(
                lead_id=self.id or 0,
                type=kind,
                at=at,
                actor_id=actor_id,
                from_stage=None,
                to_stage=self.stage,
                owner_id=None,
                payload={"origin": self.origin.value, **payload},
            )
        )

    def fix(self, by: int, at: datetime, contact: Contact) -> None:
        """An unparsed post given its contact by a manager: it becomes a new lead, created now
        (its ``created`` event, marked ``fixed``, counts it as a lead from here on), kept with
        its original post, and is then routed like any other."""
        self.check(Action.FIX)
        problems = contact_problems(vars(contact))
        if problems:
            raise InvalidInput(" ".join(problems.values()))
        self.company, self.name, self.phone = contact.company, contact.name, contact.phone
        self.email = contact.email.lower() if contact.email else None
        self.fields.update(contact.fields)
        domain = email_domain(self.email) if self.email else None
        if domain:
            self.fields["domain"] = domain
        channel = self.source.channel if self.source and self.source.message_id else None
        self._record(
            EventType.CREATED,
            at,
            by,
            Stage.NEW,
            None,
            origin=self.origin.value,
            fixed=True,
            source=self.fields.get("source"),
            channel=channel,
        )

    def queue(self, at: datetime, explanation: str) -> None:
        self._record(EventType.QUEUED, at, None, Stage.NEW, None, explanation=explanation)

    def assign(
        self,
        to: int,
        at: datetime,
        explanation: str,
        actor_id: int | None = None,
        how: str = "rotation",
        rotation: Mapping[str, Any] | None = None,
    ) -> None:
        """``rotation``: the turn that chose ``to`` (pool, eligible weights, skips), kept in the
        event so fair shares can be computed later; absent when no rotation turn chose them.
        ``pool`` records the pool the lead reached them through (its daily cap counts it)."""
        self.check(Action.ASSIGN)
        self.assigned_at = at
        self._record(
            EventType.ASSIGNED,
            at,
            actor_id,
            Stage.ASSIGNED,
            to,
            explanation=explanation,
            how=how,
            rotation=dict(rotation) if rotation is not None else None,
            pool=self.pool if rotation is None else None,  # a turn records its own pool
        )

    def claim(self, by: int, at: datetime) -> None:
        self.check(Action.CLAIM)
        taken_from = self.owner_id if self.owner_id != by else None
        self._record(EventType.CLAIMED, at, by, Stage.WORKING, by, taken_from=taken_from)

    def decline(self, by: int, at: datetime) -> None:
        self.check(Action.DECLINE)
        self._record(EventType.DECLINED, at, by, Stage.NEW, None)

    def miss_sla(self, at: datetime, minutes: int, *, kept: bool = False) -> None:
        """Record a missed claim SLA; the lead goes back to new unless it is ``kept`` by its
        assignee (nobody else is available), whose claim clock then starts again."""
        self.check(Action.CLAIM)
        self.sla_misses += 1
        if kept:
            self.assigned_at = at
        self._record(
            EventType.SLA_MISSED,
            at,
            None,
            self.stage if kept else Stage.NEW,
            self.owner_id if kept else None,
            missed_by=self.owner_id,
            minutes=minutes,
            misses=self.sla_misses,
            kept=True if kept else None,
        )

    def start_working(self, owner: int, at: datetime) -> None:
        """Outbound leads skip assignment: the prospector who logs one is already working it."""
        self._record(
            EventType.ASSIGNED, at, owner, Stage.WORKING, owner, how="outbound", pool=self.pool
        )

    def qualify(self, by: int, at: datetime, q: Qualification) -> None:
        self.check(Action.QUALIFY)
        problems = qualification_problems(vars(q))
        if problems:
            raise InvalidInput(" ".join(problems.values()))
        self.qualification = q
        self._record(EventType.QUALIFIED, at, by, Stage.QUALIFIED, self.owner_id, **q.as_dict())

    def disqualify(self, by: int, at: datetime, reason: str) -> None:
        self.check(Action.DISQUALIFY)
        self.reason = _required(reason, "a reason is required to disqualify a lead")
        self._record(
            EventType.DISQUALIFIED, at, by, Stage.DISQUALIFIED, self.owner_id, reason=self.reason
        )

    def hand_off(self, by: int, to: int, at: datetime, explanation: str) -> None:
        self.check(Action.HANDOFF)
        target = Stage.WITH_CLOSER if self.stage is Stage.QUALIFIED else Stage.CUSTOMER
        role = "closer" if target is Stage.WITH_CLOSER else "account_manager"
        self.assigned_at = at
        self._record(
            EventType.HANDED_OFF,
            at,
            by,
            target,
            to,
            handed_from=self.owner_id,
            role=role,
            explanation=explanation,
            pool=role,  # hand-offs take turns in the pool named for the role
        )

    def hand_to_qualifier(
        self, by: int, to: int, at: datetime, explanation: str, pool: str
    ) -> None:
        """An outbound lead its prospector is working goes to a qualifier, who claims it as they
        would an inbound lead; the prospector is kept as its source (it stays outbound)."""
        self.check(Action.HANDOFF_QUALIFIER)
        sourced_by = self.owner_id
        self.pool = pool
        self.assigned_at = at
        self._record(
            EventType.HANDED_OFF,
            at,
            by,
            Stage.ASSIGNED,
            to,
            handed_from=sourced_by,
            sourced_by=sourced_by,
            role="qualifier",
            explanation=explanation,
            pool=pool,
        )

    def log_meeting(self, by: int, at: datetime) -> None:
        self.check(Action.MEETING)
        stage = Stage.MEETING if self.stage is Stage.WITH_CLOSER else self.stage
        self._record(EventType.MEETING, at, by, stage, self.owner_id)

    def log_proposal(self, by: int, at: datetime, status: str) -> None:
        if status == "requested":
            self.check(Action.PROPOSAL_REQUESTED)
            self._record(
                EventType.PROPOSAL_REQUESTED, at, by, Stage.PROPOSAL_REQUESTED, self.owner_id
            )
        else:
            self.check(Action.PROPOSAL_PRESENTED)
            self._record(
                EventType.PROPOSAL_PRESENTED, at, by, Stage.PROPOSAL_PRESENTED, self.owner_id
            )

    def win(self, by: int, at: datetime, amount: Decimal) -> None:
        self.check(Action.WON)
        self.amount = _positive(amount)
        self._record(EventType.WON, at, by, Stage.WON, self.owner_id, amount=str(amount))

    def lose(self, by: int, at: datetime, reason: str) -> None:
        self.check(Action.LOST)
        self.reason = _required(reason, "a reason is required to mark a lead lost")
        self._record(EventType.LOST, at, by, Stage.LOST, self.owner_id, reason=self.reason)

    def expand(self, by: int, at: datetime, amount: Decimal) -> None:
        self.check(Action.EXPAND)
        self.expansion_total += _positive(amount)
        self._record(EventType.EXPANDED, at, by, Stage.CUSTOMER, self.owner_id, amount=str(amount))

    def churn(self, by: int, at: datetime, reason: str | None) -> None:
        self.check(Action.CHURN)
        self.reason = reason
        self._record(EventType.CHURNED, at, by, Stage.CHURNED, self.owner_id, reason=reason)

    def set_amount(self, by: int, at: datetime, amount: Decimal) -> None:
        """The deal's expected amount (``/lead amount``), for the open pipeline: recorded as an
        event that leaves the stage and owner as they are; the won amount is still set by won."""
        if self.stage not in AMOUNT_STAGES:
            raise IllegalTransition(
                f"{self.ref} is {self.stage.label}: a deal amount is set on a qualified lead or an "
                "open deal (with a closer, meeting, proposal requested or presented)."
            )
        self._record(
            EventType.AMOUNT_SET, at, by, self.stage, self.owner_id, amount=str(_positive(amount))
        )

    def reassign(self, by: int, to: int, at: datetime, reason: str) -> None:
        self.check(Action.REASSIGN)
        if self.stage is Stage.NEW:
            self.assign(to, at, reason, actor_id=by, how="manager")
            return
        self.assigned_at = at  # the new owner's claim clock starts now, as on a hand-off
        role = owning_role(self.stage, outbound=self.prospecting)
        deal_pool = role.value if role in (Role.CLOSER, Role.ACCOUNT_MANAGER) and role else None
        self._record(
            EventType.REASSIGNED,
            at,
            by,
            self.stage,
            to,
            reassigned_from=self.owner_id,
            reason=reason,
            pool=deal_pool or self.pool,  # the pool it reaches them through (see assign)
        )

    def take_pending(self) -> list[LeadEvent]:
        """Hand the recorded events to storage, stamped with this lead's id."""
        events = [_with_lead(e, self.id or 0) for e in self.pending]
        self.pending.clear()
        return events

    def details(self) -> Mapping[str, str]:
        shown = {
            "Company": self.company,
            "Contact": self.name,
            "Email": self.email,
            "Phone": self.phone,
        }
        if self.erased:
            shown["Contact"] = DETAILS_ERASED
        extra = {
            k.replace("_", " ").capitalize(): v
            for k, v in self.fields.items()
            if k not in ("domain", ERASED_FIELD)
        }
        return {k: v for k, v in {**shown, **extra}.items() if v}


def stage_times(steps: Iterable[tuple[Stage, datetime]]) -> tuple[datetime | None, datetime | None]:
    """``(stage_since, closed_at)`` of a lead whose events went into these stages at these times,
    as :class:`Lead` keeps them: for rows written without the domain (bulk loads, tests)."""
    lead = Lead(company=None, email=None)
    for i, (stage, at) in enumerate(steps):
        if i == 0:
            lead.stage = stage
        lead._enter(stage, at)
    return lead.stage_since, lead.closed_at


def _with_lead(event: LeadEvent, lead_id: int) -> LeadEvent:
    return LeadEvent(**{**vars(event), "lead_id": lead_id})


def _required(text: str | None, message: str) -> str:
    if not text or not text.strip():
        raise InvalidInput(message)
    return text.strip()


def _positive(amount: Decimal) -> Decimal:
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput(f"the amount must be more than 0, not {amount}")
    return amount
