"""One owner per contact: a lead whose buyer already has an open lead or is a customer goes to
that owner, whether it is new or leaving the queue."""

from __future__ import annotations

from routing.lead import Lead
from routing.roles import Platform
from routing.usecases.assignment import Turn
from routing.usecases.context import Ctx


def match_owner(ctx: Ctx, lead: Lead, prefix: str = "") -> Turn | None:
    """Assign ``lead`` to the owner of an open lead or customer with the same email or company
    domain and say why; ``None`` (and nothing changed) when there is none."""
    other = ctx.uow.leads.find_open_match(lead.email, lead.email_domain)
    if other is None or other.owner_id is None or other.id == lead.id:
        return None
    owner = ctx.uow.reps.get(other.owner_id)
    by = "email" if other.email and other.email == lead.email else f"domain {lead.email_domain}"
    why = (
        f"Same {by} as {other.ref} ({other.title}, {other.stage.label}), so it goes to "
        f"{owner.name}, who owns that account."
    )
    lead.pool = other.pool
    lead.assign(owner.id or 0, ctx.now, f"{prefix}{why}", how="match")
    lead.fields["matched_lead"] = other.ref
    return Turn(owner, why)


def crm_owner_turn(ctx: Ctx, lead: Lead, owner: tuple[Platform, str] | None) -> Turn | None:
    """Assign ``lead`` to the rep who owns its contact in the CRM, when that rep is in a
    rotation (the CRM is the system of record); ``None`` otherwise, and the rotation picks (an
    owner Baton does not know is replaced)."""
    if owner is None:
        return None
    rep = ctx.uow.reps.find(*owner)
    pools = ctx.uow.pools.memberships_of(rep.id or 0) if rep is not None else []
    if rep is None or not pools:
        return None
    why = f"{rep.name} owns this contact in the CRM, so it stays with them."
    lead.pool = pools[0][0].name
    lead.assign(rep.id or 0, ctx.now, why, how="crm")
    return Turn(rep, why)
