"""What the scheduler runs every minute: SLA misses move on, queued leads find someone."""

from __future__ import annotations

from datetime import datetime, timedelta

from routing.lead import Lead
from routing.usecases.assignment import Turn, announce_assignment, assign_from_pool
from routing.usecases.context import Ctx, Outcome
from routing.usecases.team import drain

ESCALATE_AFTER_MISSES = 2


def sweep(ctx: Ctx) -> Outcome:
    moved = [_miss(ctx, lead) for lead in ctx.uow.leads.awaiting_claim(_deadline(ctx))]
    drained = "".join(drain(ctx, pool.name) for pool in ctx.uow.pools.all())
    return Outcome(f"SLA misses moved on: {len(moved)}.{drained}", data={"moved": moved})


def _deadline(ctx: Ctx) -> datetime:
    return ctx.now - timedelta(minutes=ctx.config.claim_sla_minutes)


def _miss(ctx: Ctx, lead: Lead) -> int:
    lead = ctx.lead(lead.id or 0)
    missed_by = lead.owner_id
    lead.miss_sla(ctx.now, ctx.config.claim_sla_minutes)
    turn = assign_from_pool(
        ctx, lead, lead.pool or "qualifier", exclude={missed_by} if missed_by else ()
    )
    ctx.save(lead)
    why = f"Not claimed within {ctx.config.claim_sla_minutes} min by {ctx.mention(missed_by)}."
    announce_assignment(ctx, lead, Turn(turn.rep, f"{why} {turn.explanation}"))
    ctx.tell(
        missed_by,
        f"{lead.ref} ({lead.title}) moved on: it wasn't claimed within "
        f"{ctx.config.claim_sla_minutes} minutes.",
    )
    if lead.sla_misses >= ESCALATE_AFTER_MISSES:
        ctx.tell_managers(
            f"{lead.ref} ({lead.title}) has missed the claim SLA {lead.sla_misses} times.", lead
        )
    return lead.id or 0
