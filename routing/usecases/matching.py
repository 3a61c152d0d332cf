"""One owner per contact: a lead whose buyer already has an open lead or is a customer goes to
that owner, whether it is new or leaving the queue."""

from __future__ import annotations

from routing.lead import Lead
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
