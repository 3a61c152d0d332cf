"""What every use case works with: the transaction, the time, the settings and who is acting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from routing.audit import AuditEntry, AuditKind
from routing.chat.batches import batched_text
from routing.chat.slots import SlotChoices
from routing.dashboard.links import DashboardLinks
from routing.errors import NotAllowed
from routing.lead import Lead
from routing.notices import (
    FILE_CONTENT,
    FILE_NAME,
    FILE_TYPE,
    SLOT_CHOICES,
    LeadCard,
    Notice,
    NoticeKind,
)
from routing.phones import NO_NUMBERS, PhoneReader
from routing.ports import UnitOfWork
from routing.roles import Platform, Role, managers_setting_hint
from routing.rules import RuleSet
from routing.team import Rep


@dataclass(frozen=True)
class Actor:
    """A person as an adapter knows them; name and timezone refresh the stored rep when given."""

    platform: Platform
    user_id: str
    name: str | None = None
    timezone: str | None = None
    email: str | None = None
    """The person's email as the chat knows it (Slack profile, Teams member): it finds their
    owner in the CRM."""


@dataclass(frozen=True)
class RelayConfig:
    rules: RuleSet = field(default_factory=lambda: RuleSet(()))
    managers: frozenset[tuple[str, str]] = frozenset()
    """(platform, user id) pairs that are managers from the start (``BATON_MANAGERS``)."""
    claim_sla_minutes: int = 5
    import_claim_sla_minutes: int = 480
    """``BATON_IMPORT_CLAIM_SLA_MINUTES``: the claim SLA of an imported lead, a row of a list
    that nobody is waiting on the phone for (a working day: 8 hours of the assignee's working
    time, or of the wall clock for a rep without hours)."""
    timezone: str = "UTC"
    """The team's timezone: digest periods start at its midnights."""
    outbound_to_qualifiers: bool = False
    """``BATON_OUTBOUND_TO_QUALIFIERS``: prospectors' new leads go to the qualifier rotation."""
    dashboard: DashboardLinks | None = None
    """Where dashboard links point and what signs them (``/funnel link``); None: no dashboard."""
    stalled_days: int = 14
    """``BATON_STALLED_DAYS``: an open lead with no event this long is stalled."""
    self_join: frozenset[str] = frozenset()
    """``BATON_SELF_JOIN``: the roles whose rotations anyone may join by `/rotation join`;
    empty: a manager adds every rep (joining a rotation lets one read every lead)."""
    crm_sync: bool = False
    """``HUBSPOT_ACCESS_TOKEN`` is set: `/rotation show` marks reps with no CRM owner."""
    calendar_refresh_minutes: int = 15
    """``BATON_CALENDAR_REFRESH_MINUTES``: how often calendar feeds are read (calendars)."""
    currency: str = ""
    """``BATON_CURRENCY``: the ISO 4217 code amounts are shown in (``GBP`` → £24,000); ""
    shows bare amounts."""
    phones: PhoneReader = NO_NUMBERS
    """What finds phone numbers in free text (``BATON_PHONE_REGION``); the adapters read posts
    with the same reader."""
    erasure_salt: Callable[[], str] | None = None
    """The salt of an erased contact's intake keys (generated once and stored); None: no
    erasure can be made or recognised (tests on fakes)."""
    retention_days: int | None = None
    """``BATON_RETENTION_DAYS``: raw texts and delivered payloads older than this are cleared."""


@dataclass(frozen=True)
class Outcome:
    """What the person who acted is told, and what an adapter may show or open."""

    reply: str
    card: LeadCard | None = None
    open_form_for: int | None = None
    lead_id: int | None = None
    data: dict[str, object] = field(default_factory=dict)
    slots: SlotChoices | None = None
    """Free times to offer as buttons under the reply (a hand-off to a closer's calendar)."""


@dataclass(frozen=True)
class Held:
    """A direct message held back by :meth:`Ctx.hold` until :meth:`Ctx.release`."""

    topic: str
    text: str
    lead: Lead | None
    """The lead whose card the message carries when told on its own."""
    ref: str | None
    """The lead it is about, listed under its topic when told with others."""


@dataclass
class Ctx:
    uow: UnitOfWork
    now: datetime
    config: RelayConfig
    actor: Rep
    held: dict[int, list[Held]] | None = None
    """Direct messages held per person while a run batches them (:meth:`hold`)."""

    def lead(self, lead_id: int, *, lock: bool = True) -> Lead:
        return self.uow.leads.get(lead_id, lock=lock)

    def rep(self, rep_id: int | None) -> Rep | None:
        return self.uow.reps.get(rep_id) if rep_id is not None else None

    def mention(self, rep_id: int | None) -> str:
        rep = self.rep(rep_id)
        return rep.mention if rep else "nobody"

    def card(self, lead: Lead) -> LeadCard:
        owner = self.rep(lead.owner_id)
        return LeadCard.of(lead, owner.mention if owner else None)

    def claim_sla_minutes(self, lead: Lead) -> int:
        """The minutes ``lead``'s assignee has to claim it: a list's for an imported row."""
        if lead.imported:
            return self.config.import_claim_sla_minutes
        return self.config.claim_sla_minutes

    def save(self, lead: Lead) -> None:
        self.uow.leads.save(lead)

    def tell(
        self,
        rep_id: int | None,
        text: str,
        lead: Lead | None = None,
        *,
        topic: str | None = None,
        about: Lead | None = None,
        slots: SlotChoices | None = None,
    ) -> None:
        """A direct message; with ``lead`` it carries the lead's card and next-step buttons.

        While the run holds messages (:meth:`hold`), one with a ``topic`` waits for
        :meth:`release`, to be told together with the others of the person; ``about`` names
        its lead there when it carries no card. ``slots``: free times offered as buttons.
        """
        if rep_id is None:
            return
        if self.held is not None and topic is not None:
            named = about or lead
            ref = named.ref if named is not None and topic else None
            self.held.setdefault(rep_id, []).append(Held(topic, text, lead, ref))
            return
        kind = NoticeKind.LEAD_CARD if lead else NoticeKind.TEXT
        card = self.card(lead) if lead else None
        data = {SLOT_CHOICES: slots.as_data()} if slots else {}
        self.uow.outbox.add(
            Notice(
                text=text,
                kind=kind,
                rep_id=rep_id,
                lead_id=lead.id if lead else None,
                card=card,
                data=data,
            )
        )

    def send_file(
        self,
        rep_id: int | None,
        text: str,
        filename: str,
        content_type: str,
        content: str,
        lead: Lead | None = None,
    ) -> None:
        """A file for a person, with ``text`` as its message: through the outbox like any
        message (a notice of kind FILE), so it is delivered once even when a sender retries.
        About ``lead``, it waits in the lead's lane and an erasure of the lead scrubs it."""
        if rep_id is None:
            return
        data = {FILE_NAME: filename, FILE_TYPE: content_type, FILE_CONTENT: content}
        lead_id = lead.id if lead else None
        notice = Notice(text=text, kind=NoticeKind.FILE, rep_id=rep_id, lead_id=lead_id, data=data)
        self.uow.outbox.add(notice)

    def tell_thread(self, lead: Lead, text: str) -> None:
        """Say something in the lead's thread, then refresh the lead's card there in place."""
        if lead.source is None:
            return
        self.uow.outbox.add(Notice(text=text, thread=lead.source, lead_id=lead.id))
        self.refresh_card(lead)

    def refresh_card(self, lead: Lead, text: str | None = None) -> None:
        """Post the lead's card in its thread, or update it in place once it has been posted."""
        if lead.source is None:
            return
        self.uow.outbox.add(
            Notice(
                text=text or f"{lead.ref} · {lead.stage.label}",
                kind=NoticeKind.LEAD_CARD,
                thread=lead.source,
                lead_id=lead.id,
                card=self.card(lead),
                update_card=True,
            )
        )

    def tell_managers(self, text: str, lead: Lead | None = None, *, topic: str = "") -> None:
        """A direct message to every manager; while the run holds messages (:meth:`hold`) it
        waits for :meth:`release` (``topic`` groups it with others like it; without one, it
        is a line of its own)."""
        for manager in self.managers():
            self.tell(manager.id, text, lead, topic=topic)

    def hold(self) -> None:
        """From now on, hold the direct messages given a topic, and every message to managers,
        so that each person hears once from this run (:meth:`release`)."""
        self.held = {}

    def release(self) -> None:
        """Tell each person what was held for them, in one message: a single notice as it
        was, several as a list of leads by topic (:func:`routing.chat.batches.batched_text`)."""
        held, self.held = self.held or {}, None
        for rep_id, notices in held.items():
            if len(notices) == 1:
                self.tell(rep_id, notices[0].text, notices[0].lead)
                continue
            lines = [(n.topic, n.ref, n.text) for n in notices]
            self.tell(rep_id, batched_text(lines))

    def managers(self) -> list[Rep]:
        """Managers made by `/rotation add @user manager`, and known reps in ``BATON_MANAGERS``."""
        found = {rep.id: rep for rep in self.uow.reps.managers()}
        for platform, user_id in sorted(self.config.managers):
            if platform not in set(Platform):
                continue
            rep = self.uow.reps.find(Platform(platform), user_id)
            if rep is not None:
                found.setdefault(rep.id, rep)
        return list(found.values())

    def is_manager(self, rep: Rep | None = None) -> bool:
        rep = rep or self.actor
        return rep.is_manager or (rep.platform.value, rep.user_id) in self.config.managers

    def require_manager(self, what: str) -> None:
        if not self.is_manager():
            raise NotAllowed(f"Only a manager can {what}. {self.managers_line()}")

    def managers_line(self) -> str:
        names = ", ".join(m.mention for m in self.managers())
        if names:
            return f"Managers: {names}."
        return f"No managers are set up yet: {managers_setting_hint(self.actor.platform)}."

    def require_owner_or_manager(self, lead: Lead, what: str) -> None:
        if lead.owner_id == self.actor.id or self.is_manager():
            return
        if lead.owner_id is None:
            raise NotAllowed(f"Only a manager can {what}. {self.managers_line()}")
        owner = self.mention(lead.owner_id)
        raise NotAllowed(
            f"Only {lead.ref}'s owner ({owner}) or a manager can {what}. {self.managers_line()}"
        )

    def is_reader(self) -> bool:
        """Managers and reps in a rotation read leads; people in no rotation read nothing."""
        return self.is_manager() or bool(self.uow.pools.memberships_of(self.actor.id or 0))

    def require_reader(self, what: str) -> None:
        if not self.is_reader():
            raise NotAllowed(
                f"Only managers and reps in a rotation can {what}. Ask a manager to add you: "
                f"`/rotation add @{self.actor.name} qualifier`. {self.managers_line()}"
            )

    def in_role(self, rep: Rep, role: Role) -> bool:
        if role is Role.MANAGER:
            return self.is_manager(rep)
        return any(pool.role is role for pool, _m in self.uow.pools.memberships_of(rep.id or 0))

    def outbound_to_qualifiers(self, prospector: Rep) -> bool:
        """Whether ``prospector``'s new outbound leads go to the qualifiers rather than to them:
        the setting, or ``outbound_to_qualifiers`` on one of their pools in the rules file."""
        if self.config.outbound_to_qualifiers:
            return True
        flagged = self.config.rules.outbound_to_qualifiers
        return any(
            pool.role is Role.PROSPECTOR and pool.name in flagged
            for pool, _m in self.uow.pools.memberships_of(prospector.id or 0)
        )

    def audit(self, kind: AuditKind, subject: str, **detail: object) -> None:
        """Keep a manager's change in the audit trail: who (the actor), when, what."""
        self.uow.audit.record(AuditEntry(self.now, self.actor.id, kind, subject, detail))

    def ensure_rep(self, platform: Platform, user_id: str, name: str | None = None) -> Rep:
        """The rep for a mentioned user, created on first mention (adapters refresh the name)."""
        rep = self.uow.reps.find(platform, user_id)
        if rep is None:
            rep = self.uow.reps.add(Rep(platform=platform, user_id=user_id, name=name or user_id))
        return rep
