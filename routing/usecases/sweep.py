"""What the scheduler runs every minute: SLA misses move on, queued leads find someone.

The claim SLA counts the assignee's working time when they have hours set: a lead handed to a
09:00–18:00 rep at 17:58 with a 5-minute SLA has used 2 minutes by closing time and is missed at
09:03 the next working day, not at 18:03 while the rep is asleep. Reps without hours are on the
wall clock. An imported lead has a list's SLA (``BATON_IMPORT_CLAIM_SLA_MINUTES``, a working
day), not the minutes a fresh post gets.

A sweep tells each person once: what it has for the managers (repeat misses, leads left in the
queue) and for a rep (leads that moved on, reminders) is held and sent as one message listing
the leads (:meth:`~routing.usecases.context.Ctx.hold`), so a list that misses its SLA together
does not page anyone 195 times.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from routing.chat.batches import MISSED_AGAIN, MOVED_ON, REMINDED, WAITING
from routing.chat.formatting import format_sla
from routing.lead import Lead
from routing.rotation import unavailable_reason
from routing.rotation.shifts import claim_deadline
from routing.stages import Stage
from routing.team import Rep
from routing.usecases.assignment import Turn, announce_assignment, give, next_in, nobody_else
from routing.usecases.context import Ctx, Outcome
from routing.usecases.team import drain

__all__ = ["ESCALATE_AFTER_MISSES", "claim_deadline", "sweep"]

ESCALATE_AFTER_MISSES = 2


def sweep(ctx: Ctx) -> Outcome:
    config = ctx.config
    candidates = ctx.uow.leads.awaiting_claim(
        _wall_deadline(ctx, config.claim_sla_minutes),
        _wall_deadline(ctx, config.import_claim_sla_minutes),
    )
    overdue = [lead for lead in candidates if _overdue(ctx, lead, ctx.rep(lead.owner_id))]
    ctx.hold()
    misses = [m for m in (_miss(ctx, lead) for lead in overdue) if m is not None]
    moved = [lead_id for lead_id, kept in misses if not kept]
    kept = [lead_id for lead_id, was_kept in misses if was_kept]
    drained = "".join(drain(ctx, pool.name) for pool in ctx.uow.pools.all())
    ctx.release()
    reply = (
        f"SLA misses moved on: {len(moved)}, kept with their rep (nobody else free): {len(kept)}."
    )
    return Outcome(reply + drained, data={"moved": moved, "kept": kept})


def _wall_deadline(ctx: Ctx, minutes: int) -> datetime:
    """Working time never runs faster than the wall clock, so this finds every candidate."""
    return ctx.now - timedelta(minutes=minutes)


def _overdue(ctx: Ctx, lead: Lead, assignee: Rep | None) -> bool:
    if lead.stage is not Stage.ASSIGNED or lead.assigned_at is None:
        return False
    hours = assignee.hours if assignee else None
    tz = assignee.timezone if assignee else "UTC"
    return ctx.now > claim_deadline(lead.assigned_at, ctx.claim_sla_minutes(lead), hours, tz)


def _next_owner(ctx: Ctx, lead: Lead, missed_by: int | None) -> Turn:
    """The next available rep other than the one who missed; failing them, the queue."""
    lead.pool = lead.pool or "qualifier"
    return next_in(ctx, lead.pool, exclude={missed_by} if missed_by is not None else ())


def _can_keep(ctx: Ctx, pool: str, rep_id: int | None) -> bool:
    """Whether the rep who missed can keep the lead: still in its pool, neither away nor off
    shift. Their cap does not count: the lead is already theirs."""
    member = next((m for m in ctx.uow.pools.members(pool) if m.rep_id == rep_id), None)
    return (
        member is not None
        and unavailable_reason(replace(member.candidate(), cap=None), ctx.now) is None
    )


def _miss(ctx: Ctx, candidate: Lead) -> tuple[int, bool] | None:
    """Move one overdue lead on, or keep it with its assignee when nobody else is available;
    ``None`` when it isn't overdue after all. The flag says whether it was kept.

    The lead is re-read under its row lock: another replica's sweep, or the rep's claim, may have
    moved it since the list was read.
    """
    lead = ctx.lead(candidate.id or 0)
    missed_by = lead.owner_id
    assignee = ctx.rep(missed_by)
    if not _overdue(ctx, lead, assignee):
        return None
    working_time = assignee is not None and assignee.hours is not None
    sla = format_sla(ctx.claim_sla_minutes(lead), working=working_time)
    turn = _next_owner(ctx, lead, missed_by)
    kept = turn.rep is None and _can_keep(ctx, lead.pool or "qualifier", missed_by)
    if kept:
        _keep(ctx, lead, sla, turn)
    else:
        _move_on(ctx, lead, sla, turn)
    if lead.sla_misses >= ESCALATE_AFTER_MISSES:
        ctx.tell_managers(
            f"{lead.ref} ({lead.title}) has missed the claim SLA {lead.sla_misses} times.",
            lead,
            topic=MISSED_AGAIN,
        )
    return lead.id or 0, kept


def _move_on(ctx: Ctx, lead: Lead, sla: str, turn: Turn) -> None:
    missed_by = lead.owner_id
    lead.miss_sla(ctx.now, ctx.claim_sla_minutes(lead))
    give(ctx, lead, turn)
    ctx.save(lead)
    why = f"Not claimed within {sla} by {ctx.mention(missed_by)}."
    announce_assignment(ctx, lead, Turn(turn.rep, f"{why} {turn.explanation}"), quiet=True)
    if turn.rep is None:
        ctx.tell_managers(
            f"{lead.ref} ({lead.title}) is waiting: {why} {turn.explanation}", lead, topic=WAITING
        )
    ctx.tell(
        missed_by,
        f"{lead.ref} ({lead.title}) moved on: it wasn't claimed within {sla}.",
        topic=MOVED_ON.format(sla=sla),
        about=lead,
    )


def _keep(ctx: Ctx, lead: Lead, sla: str, nobody: Turn) -> None:
    """Nobody else can take it: the miss is recorded, the lead stays, its owner is reminded.

    No new assignment is recorded and the rotation does not move: the rep is not charged a
    second turn for a lead they already hold.
    """
    owner = ctx.mention(lead.owner_id)
    lead.miss_sla(ctx.now, ctx.claim_sla_minutes(lead), kept=True)
    ctx.save(lead)
    why = nobody_else(lead.pool or "qualifier", nobody)
    pause = "" if why.endswith("—") else ","
    ctx.tell_thread(
        lead,
        f"Not claimed within {sla} by {owner}, and {why}{pause} so {lead.ref} stays with "
        f"{owner}, reminded to claim it.",
    )
    ctx.tell(
        lead.owner_id,
        f"Reminder: {lead.ref} ({lead.title}) is still yours and waiting for your claim. "
        f"It wasn't claimed within {sla}, and nobody else is available to take it. "
        f"Claim it now: the next {sla} start from this reminder.",
        lead,
        topic=REMINDED.format(sla=sla),
    )
