"""What every use case works with: the transaction, the time, the settings and who is acting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from routing.dashboard.links import DashboardLinks
from routing.errors import NotAllowed
from routing.lead import Lead
from routing.notices import LeadCard, Notice, NoticeKind
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


@dataclass(frozen=True)
class RelayConfig:
    rules: RuleSet = field(default_factory=lambda: RuleSet(()))
    managers: frozenset[tuple[str, str]] = frozenset()
    """(platform, user id) pairs that are managers from the start (``BATON_MANAGERS``)."""
    claim_sla_minutes: int = 5
    timezone: str = "UTC"
    """The team's timezone: digest periods start at its midnights."""
    outbound_to_qualifiers: bool = False
    """``BATON_OUTBOUND_TO_QUALIFIERS``: prospectors' new leads go to the qualifier rotation."""
    dashboard: DashboardLinks | None = None
    """Where dashboard links point and what signs them (``/funnel link``); None: no dashboard."""
    stalled_days: int = 14
    """``BATON_STALLED_DAYS``: an open lead with no event this long is stalled."""
    calendar_refresh_minutes: int = 15
    """``BATON_CALENDAR_REFRESH_MINUTES``: how often calendar feeds are read (calendars)."""
    currency: str = ""
    """``BATON_CURRENCY``: the ISO 4217 code amounts are shown in (``GBP`` → £24,000); ""
    shows bare amounts."""


@dataclass(frozen=True)
class Outcome:
    """What the person who acted is told, and what an adapter may show or open."""

    reply: str
    card: LeadCard | None = None
    open_form_for: int | None = None
    lead_id: int | None = None
    data: dict[str, object] = field(default_factory=dict)


@dataclass
class Ctx:
    uow: UnitOfWork
    now: datetime
    config: RelayConfig
    actor: Rep

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

    def save(self, lead: Lead) -> None:
        self.uow.leads.save(lead)

    def tell(self, rep_id: int | None, text: str, lead: Lead | None = None) -> None:
        """A direct message; with ``lead`` it carries the lead's card and next-step buttons."""
        if rep_id is None:
            return
        kind = NoticeKind.LEAD_CARD if lead else NoticeKind.TEXT
        card = self.card(lead) if lead else None
        self.uow.outbox.add(
            Notice(
                text=text, kind=kind, rep_id=rep_id, lead_id=lead.id if lead else None, card=card
            )
        )

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

    def tell_managers(self, text: str, lead: Lead | None = None) -> None:
        for manager in self.managers():
            self.tell(manager.id, text, lead)

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

    def ensure_rep(self, platform: Platform, user_id: str, name: str | None = None) -> Rep:
        """The rep for a mentioned user, created on first mention (adapters refresh the name)."""
        rep = self.uow.reps.find(platform, user_id)
        if rep is None:
            rep = self.uow.reps.add(Rep(platform=platform, user_id=user_id, name=name or user_id))
        return rep
