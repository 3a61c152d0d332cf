"""A manager closes the gap an unparsed post left: ``/lead fix`` gives it a contact and routes it.

Disqualifying one is the ordinary ``/lead disqualify`` (:mod:`routing.usecases.pipeline`); the
rule of which steps an unparsed lead takes is the journey's (:mod:`routing.stages`).
"""

from __future__ import annotations

from routing.commands import Fix
from routing.contact import Contact
from routing.usecases.context import Ctx, Outcome
from routing.usecases.intake import route_fixed


def fix(ctx: Ctx, cmd: Fix) -> Outcome:
    """Give unparsed lead ``cmd.lead_id`` the contact typed (or filled in), then route it."""
    ctx.require_manager("fix an unparsed lead")
    lead = ctx.lead(cmd.lead_id)
    contact = Contact(cmd.company, cmd.email, cmd.name, cmd.phone, dict(cmd.fields))
    lead.fix(ctx.actor.id or 0, ctx.now, contact)
    line = route_fixed(ctx, lead)
    return Outcome(f"Fixed {lead.ref} ({lead.title}). {line}", card=ctx.card(lead), lead_id=lead.id)
