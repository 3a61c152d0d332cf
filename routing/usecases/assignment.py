"""Handing a lead to the next person in a pool, under the pool's lock, with the reason why."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from routing.clock import local_date
from routing.lead import Lead
from routing.rotation import level_credit, pick
from routing.team import Membership, Rep
from routing.usecases.context import Ctx


@dataclass(frozen=True)
class Turn:
    """The rotation's answer: who is next (None: nobody available) and why."""

    rep: Rep | None
    explanation: str


def next_in(ctx: Ctx, pool: str, exclude: Collection[int] = ()) -> Turn:
    """Advance ``pool``'s rotation by one slot; the new credits are saved in this transaction."""
    ctx.uow.pools.lock(pool)
    everyone = ctx.uow.pools.members(pool)
    members = [m for m in everyone if m.rep_id not in exclude]
    if not members:
        nobody = "Nobody else is" if everyone else "Nobody is"
        return Turn(None, f"{nobody} in the {pool.replace('_', ' ')} rotation yet.")
    result = pick([m.candidate() for m in members], ctx.now)
    for member in members:
        member.credit = result.credits.get(member.rep_id, member.credit)
    chosen = next((m for m in members if result.chosen and m.rep_id == result.chosen.rep_id), None)
    if chosen is not None:
        _count_assignment(ctx, chosen)
    ctx.uow.pools.save_members(members)
    return Turn(chosen.rep if chosen else None, result.explanation(pool.replace("_", " ")))


def _count_assignment(ctx: Ctx, member: Membership) -> None:
    today = local_date(ctx.now, member.rep.timezone)
    if member.assigned_on == today:
        member.assigned_count += 1
    else:
        member.assigned_on, member.assigned_count = today, 1


def level_in_pools(ctx: Ctx, rep: Rep) -> None:
    """Start ``rep`` level with each pool they are in (on joining or coming back from away)."""
    for pool, _membership in ctx.uow.pools.memberships_of(rep.id or 0):
        ctx.uow.pools.lock(pool.name)
        members = ctx.uow.pools.members(pool.name)
        others = [m.candidate() for m in members if m.rep_id != rep.id]
        for member in members:
            if member.rep_id == rep.id:
                member.credit = level_credit(others, ctx.now)
                ctx.uow.pools.save_members([member])


def assign_from_pool(ctx: Ctx, lead: Lead, pool: str, exclude: Collection[int] = ()) -> Turn:
    """Give ``lead`` to the next available rep of ``pool``, or queue it with the reason."""
    lead.pool = pool
    turn = next_in(ctx, pool, exclude)
    if turn.rep is None:
        lead.queue(ctx.now, turn.explanation)
    else:
        lead.assign(turn.rep.id or 0, ctx.now, turn.explanation)
    return turn


def announce_assignment(
    ctx: Ctx, lead: Lead, turn: Turn, *, first: bool = False, quiet: bool = False
) -> str:
    """Tell the thread and the assignee; return the line for whoever triggered it.

    ``first``: the lead's first word in its thread, which posts the card carrying the line.
    ``quiet``: a queued lead is not reported to the managers (a bulk import reports once).
    """
    say = ctx.refresh_card if first else ctx.tell_thread
    if turn.rep is None:
        line = f"{lead.ref} is waiting in the queue. {turn.explanation}"
        say(lead, line)
        if not quiet:
            ctx.tell_managers(f"{lead.ref} ({lead.title}) is waiting: {turn.explanation}", lead)
        return line
    line = f"{lead.ref} → {turn.rep.mention}. {turn.explanation}"
    say(lead, line)
    ctx.tell(
        turn.rep.id,
        f"New lead {lead.ref} for you: {lead.title}. Claim it to start the clock "
        f"(SLA {ctx.config.claim_sla_minutes} min). {turn.explanation}",
        lead,
    )
    return line
