"""A contact's rights as use cases: export what Baton holds about a person, erase it, and the
retention job that clears old raw texts and delivered payloads.

The erasure keeps anonymised rows (:mod:`routing.privacy`), so every past figure stays the same;
Baton's own card about each lead is updated in place to say the details were erased, through the
outbox in the erasure's own transaction; and the erasure is kept in the audit trail with who and
when and no personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from routing import limits
from routing.audit import AuditEntry, AuditKind
from routing.chat.erasure import card_line, erased_reply
from routing.errors import InvalidInput, NotFound
from routing.lead import Lead, format_lead_id
from routing.notices import Notice
from routing.privacy import Person, PostedMessage
from routing.text import storable
from routing.usecases.context import Ctx, Outcome

EXPORT = "export"
"""``Outcome.data`` key: the exported document."""
ERASED_LEADS = "erased"
"""``Outcome.data`` key: the ids of the leads erased."""
RETENTION_JOB = "job:retention"
"""The job's name in ``digest_runs`` (``job:``, never a digest schedule's): one run a day,
however many processes run the scheduler; never stamped sent, so no digest count sees it."""


@dataclass(frozen=True)
class Contact:
    """Whom an export or an erasure is about: an email address, or the contact of a lead."""

    email: str | None = None
    lead_id: int | None = None

    def __post_init__(self) -> None:
        if (self.email is None) == (self.lead_id is None):
            raise InvalidInput("Name the contact by --email or by --lead, one of them.")
        if self.email is None:
            return
        email = storable(self.email).strip()
        if len(email) > limits.EMAIL:
            raise InvalidInput(f"An email address is at most {limits.EMAIL} characters.")
        if "@" not in email:
            raise InvalidInput(f"`{email[:80]}` is not an email address.")
        object.__setattr__(self, "email", email)

    @property
    def shown(self) -> str:
        return format_lead_id(self.lead_id) if self.lead_id is not None else "that email"


def find(ctx: Ctx, contact: Contact) -> Person:
    person = ctx.uow.privacy.person(email=contact.email, lead_id=contact.lead_id)
    if not person.lead_ids:
        if contact.lead_id is not None:
            raise NotFound(f"There is no lead {contact.shown}.")
        raise NotFound("Baton holds no lead with that email, in a lead or in a kept post.")
    return person


def export(ctx: Ctx, contact: Contact) -> Outcome:
    """Every stored value about the person, by table, as one JSON-ready document."""
    person = find(ctx, contact)
    document: dict[str, Any] = {
        "exported_at": ctx.now.isoformat(),
        "leads": [format_lead_id(i) for i in person.lead_ids],
        "tables": ctx.uow.privacy.export(person),
    }
    return Outcome(f"Exported {len(person.lead_ids)} lead(s).", data={EXPORT: document})


def erase_by_command(ctx: Ctx, lead_id: int) -> Outcome:
    """``/lead erase L-7``: managers only, from any chat."""
    ctx.require_manager("erase a contact's details")
    salt = ctx.config.erasure_salt
    if salt is None:
        raise InvalidInput("Erasure is not set up here.")
    return erase(ctx, Contact(lead_id=lead_id), salt(), via=ctx.actor.platform.value)


def erase_by_operator(ctx: Ctx, contact: Contact, salt: str, operator: str) -> Outcome:
    """``baton privacy erase``: an operator at the command line (``operator``: who, as the
    audit trail shows them)."""
    return erase(ctx, contact, salt, via="cli", by=operator)


def erase(ctx: Ctx, contact: Contact, salt: str, *, via: str, by: str | None = None) -> Outcome:
    """Erase the person's details everywhere, keep anonymised rows, say so on Baton's cards
    and in the audit trail (``via``: ``cli`` or the chat platform; ``by``: an operator)."""
    person = find(ctx, contact)
    for lead_id in person.lead_ids:
        ctx.lead(lead_id)  # hold each lead (its row lock on PostgreSQL) while it is erased
    ctx.uow.privacy.erase(person, salt, ctx.now.date().isoformat())
    refs = [format_lead_id(i) for i in person.lead_ids]
    posted = ctx.uow.privacy.posted_messages(person.lead_ids)
    for lead_id in person.lead_ids:
        lead = ctx.lead(lead_id, lock=False)
        ctx.refresh_card(lead, card_line(lead.ref))
        for message in (m for m in posted if m.lead_id == lead_id):
            _rewrite(ctx, lead, message)
    ctx.uow.audit.record(
        AuditEntry(
            ctx.now,
            ctx.actor.id,
            AuditKind.ERASURE,
            ", ".join(refs),
            {"leads": len(refs), "via": via, **({"by": by} if by else {})},
        )
    )
    return Outcome(erased_reply(refs), data={ERASED_LEADS: list(person.lead_ids)})


def _rewrite(ctx: Ctx, lead: Lead, message: PostedMessage) -> None:
    """Queue the edit of one of Baton's messages about ``lead`` to say its details are erased:
    in the lead's thread, or in the person's chat it went to."""
    said = card_line(lead.ref)
    if message.rep_id is not None:
        ctx.uow.outbox.add(
            Notice(said, rep_id=message.rep_id, lead_id=lead.id, edit_ref=message.ref)
        )
    elif lead.source is not None:
        ctx.uow.outbox.add(Notice(said, thread=lead.source, lead_id=lead.id, edit_ref=message.ref))


def purge_old(ctx: Ctx, days: int) -> Outcome:
    """The retention job: once a day (claimed in ``digest_runs``), clear raw post texts,
    webhook payloads, delivered outbox payloads and kept replies older than ``days``."""
    today = ctx.now.date().isoformat()
    if not ctx.uow.digests.claim(RETENTION_JOB, today, ctx.now):
        return Outcome("Retention already ran today.", data={"ran": False})
    cleared = ctx.uow.privacy.purge(ctx.now - timedelta(days=days))
    ctx.uow.audit.record(
        AuditEntry(ctx.now, None, AuditKind.RETENTION, f"older than {days} days", cleared)
    )
    return Outcome(f"Retention: cleared {cleared}.", data={"ran": True, **cleared})
