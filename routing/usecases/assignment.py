"""Handing a lead to the next person in a pool, under the pool's lock, with the reason why."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from routing.chat.batches import NEW_FOR_YOU
from routing.chat.formatting import format_sla
from routing.chat.owners import owner_waits_dm
from routing.lead import Lead
from routing.rotation import Candidate, Pick, local_midnight, pick
from routing.team import Membership, Rep
from routing.usecases.context import Ctx


@dataclass(frozen=True)
class Turn:
    """The rotation's answer: who is next (None: nobody available) and why.

    ``rotation`` is the turn's record for the ``assigned`` event (see :meth:`Pick.record`);
    ``None`` when the rep was not chosen by a rotation turn (a duplicate match, a name).
    """

    rep: Rep | None
    explanation: str
    rotation: Mapping[str, object] | None = None
    skipped: tuple[tuple[str, str], ...] = ()
    """When nobody was chosen: each member passed over, by name, with the reason."""
    waits_for: Rep | None = None
    """Nobody now: the lead waits in the queue for this rep, its contact's owner, who is away
    (:mod:`routing.usecases.matching`)."""


def nobody_else(pool: str, turn: Turn) -> str:
    """Why nobody else can take a lead that therefore stays with its rep, as a clause: the
    others' reasons follow a dash, so a reason's own brackets never sit inside another pair."""
    words = pool.replace("_", " ")
    reasons = "; ".join(f"{name}: {reason}" for name, reason in turn.skipped)
    if not reasons:
        return f"nobody else is in the {words} rotation"
    return f"nobody else in the {words} rotation can take it now — {reasons} —"


def candidate_of(ctx: Ctx, member: Membership) -> Candidate:
    """The member as the rotation sees them now, with the counts their limits need."""
    received = None
    if member.cap is not None:
        since = local_midnight(member.rep.timezone, ctx.now)
        received = ctx.uow.leads.received_since(member.rep_id, since, member.pool)
    busy = ctx.uow.leads.open_count(member.rep_id) if member.max_open is not None else None
    return member.candidate(received_today=received, open_leads=busy)


def evaluate(ctx: Ctx, members: Collection[Membership]) -> Pick:
    """The pick the pool would make now, changing nothing."""
    return pick([candidate_of(ctx, m) for m in members], ctx.now)


def next_in(ctx: Ctx, pool: str, exclude: Collection[int] = ()) -> Turn:
    """Take one turn of ``pool``'s rotation; the new state is saved in this transaction."""
    ctx.uow.pools.lock(pool)
    everyone = ctx.uow.pools.members(pool)
    members = [m for m in everyone if m.rep_id not in exclude]
    if not members:
        nobody = "Nobody else is" if everyone else "Nobody is"
        return Turn(None, f"{nobody} in the {pool.replace('_', ' ')} rotation yet.")
    result = evaluate(ctx, members)
    for member in members:
        member.credit = result.credits[member.rep_id]
        member.seated = result.seated[member.rep_id]
        member.held = result.held[member.rep_id]
    chosen = next((m for m in members if result.chosen and m.rep_id == result.chosen.rep_id), None)
    if chosen is not None:
        chosen.last_assigned_at, chosen.note = ctx.now, None
    ctx.uow.pools.save_members(members)
    explanation = result.explanation(pool.replace("_", " "))
    if chosen is None:
        return Turn(None, explanation, skipped=result.skipped)
    return Turn(chosen.rep, explanation, result.record(pool))


def assign_from_pool(
    ctx: Ctx, lead: Lead, pool: str, exclude: Collection[int] = (), prefix: str = ""
) -> Turn:
    """Give ``lead`` to the next available rep of ``pool``, or queue it with the reason
    (``prefix`` first: why it did not go to its contact's owner)."""
    lead.pool = pool
    turn = next_in(ctx, pool, exclude)
    give(ctx, lead, turn, prefix)
    return turn


def give(ctx: Ctx, lead: Lead, turn: Turn, prefix: str = "") -> None:
    """Assign ``lead`` as ``turn`` says (recording the turn), or queue it when nobody is free."""
    explanation = f"{prefix}{turn.explanation}"
    if turn.rep is None:
        lead.queue(ctx.now, explanation)
    else:
        lead.assign(turn.rep.id or 0, ctx.now, explanation, rotation=turn.rotation)


def announce_assignment(
    ctx: Ctx, lead: Lead, turn: Turn, *, first: bool = False, quiet: bool = False
) -> str:
    """Tell the thread and the assignee; return the line for whoever triggered it.

    ``first``: the lead's first word in its thread, which posts the card carrying the line.
    ``quiet``: a queued lead is not reported to the managers (a bulk import reports once).
    """
    say = ctx.refresh_card if first else ctx.tell_thread
    if turn.rep is None and turn.waits_for is not None:
        line = f"{lead.ref} waits for {turn.waits_for.mention}. {turn.explanation}"
        say(lead, line)
        ctx.tell(turn.waits_for.id, owner_waits_dm(lead.ref, lead.title, turn.explanation), lead)
        return line
    if turn.rep is None:
        line = f"{lead.ref} is waiting in the queue. {turn.explanation}"
        say(lead, line)
        if not quiet:
            ctx.tell_managers(f"{lead.ref} ({lead.title}) is waiting: {turn.explanation}", lead)
        return line
    line = f"{lead.ref} → {turn.rep.mention}. {turn.explanation}"
    say(lead, line)
    sla = format_sla(ctx.claim_sla_minutes(lead))
    ctx.tell(
        turn.rep.id,
        f"New lead {lead.ref} for you: {lead.title}. Claim it to start the clock "
        f"(SLA {sla}). {turn.explanation}",
        lead,
        topic=NEW_FOR_YOU.format(sla=sla),  # a sweep tells them of all its leads at once
    )
    return line
