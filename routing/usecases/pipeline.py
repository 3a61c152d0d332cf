"""The steps of a lead's journey after assignment: claim, qualify, hand off, close, grow."""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

from routing.chat.formatting import format_money
from routing.commands import Qualify, UserRef
from routing.errors import AlreadyDone, InvalidInput, NotAllowed
from routing.lead import Lead, Qualification
from routing.roles import Role
from routing.stages import Action, Stage, owning_role
from routing.team import ClaimMode
from routing.usecases.assignment import Turn, announce_assignment, give, next_in, nobody_else
from routing.usecases.context import Ctx, Outcome
from routing.usecases.intake import pool_for
from routing.usecases.meetings import booking_at_handoff
from routing.usecases.sweep import claim_deadline

StepFn = Callable[[Lead, int], None]


def claim(ctx: Ctx, lead_id: int) -> Outcome:
    lead = ctx.lead(lead_id)
    me = ctx.actor.id or 0
    if lead.stage is not Stage.ASSIGNED:
        if lead.owner_id == me and lead.stage is Stage.WORKING:
            return Outcome(f"You already have {lead.ref}.", card=ctx.card(lead))
        if lead.stage is Stage.WORKING:
            raise AlreadyDone(
                f"Too late: {lead.ref} was already claimed by {ctx.mention(lead.owner_id)}."
            )
        lead.check(Action.CLAIM)  # what the stage allows instead (an unparsed lead: fix it)
    if lead.owner_id != me:
        _check_may_take(ctx, lead)
    previous = lead.owner_id
    lead.claim(me, ctx.now)
    ctx.save(lead)
    ctx.tell_thread(lead, f"{ctx.actor.mention} claimed {lead.ref}.")
    if previous is not None and previous != me:
        ctx.tell(
            previous, f"{ctx.actor.mention} took over {lead.ref} ({lead.title}); nothing to do."
        )
    return Outcome(
        f"{lead.ref} is yours: {lead.title}. Next: `/lead qualify {lead.ref}` or "
        f"`/lead disqualify {lead.ref} <reason>`.",
        card=ctx.card(lead),
    )


def claim_mode_of(ctx: Ctx, pool: str | None) -> ClaimMode:
    """The pool's mode: set by `/rotation mode`, else the rules file's, else ``assigned``."""
    name = pool or Role.QUALIFIER.value
    stored = ctx.uow.pools.get(name)
    if stored is not None and stored.claim_mode is not None:
        return stored.claim_mode
    return ClaimMode(ctx.config.rules.claim_mode_of(name) or ClaimMode.ASSIGNED.value)


def _check_may_take(ctx: Ctx, lead: Lead) -> None:
    """A manager takes any assigned lead; in an ``open`` pool any member does; otherwise only
    the assignee, and the others hear who has it and when it moves on."""
    if ctx.is_manager():
        return
    pool = lead.pool or Role.QUALIFIER.value
    member = any(m.rep_id == ctx.actor.id for m in ctx.uow.pools.members(pool))
    if member and claim_mode_of(ctx, pool) is ClaimMode.OPEN:
        return
    raise NotAllowed(
        f"{lead.ref} is assigned to {ctx.mention(lead.owner_id)}{_moves_on(ctx, lead)}. Only they "
        "or a manager can claim it. A manager can reassign it."
    )


def _moves_on(ctx: Ctx, lead: Lead) -> str:
    if lead.assigned_at is None:
        return ""
    owner = ctx.rep(lead.owner_id)
    hours, tz = (owner.hours, owner.timezone) if owner else (None, "UTC")
    deadline = claim_deadline(lead.assigned_at, ctx.claim_sla_minutes(lead), hours, tz)
    minutes = max(math.ceil((deadline - ctx.now).total_seconds() / 60), 0)
    if minutes == 0:
        return "; it moves on to the next rep any moment now if unclaimed"
    return f"; it moves on to the next rep in {minutes} min if they don't claim it"


def decline(ctx: Ctx, lead_id: int) -> Outcome:
    lead = ctx.lead(lead_id)
    ctx.require_owner_or_manager(lead, f"pass {lead.ref} on")
    me = lead.owner_id or 0
    lead.check(Action.DECLINE)
    turn = next_in(ctx, lead.pool or Role.QUALIFIER.value, exclude={me})
    if turn.rep is None:
        raise InvalidInput(_stays(ctx, lead, me, turn))
    lead.decline(ctx.actor.id or 0, ctx.now)
    give(ctx, lead, turn)
    ctx.save(lead)
    line = announce_assignment(
        ctx, lead, Turn(turn.rep, f"Passed on by {ctx.actor.name}. {turn.explanation}")
    )
    return Outcome(f"Passed on. {line}", card=ctx.card(lead))


def _stays(ctx: Ctx, lead: Lead, owner: int, turn: Turn) -> str:
    """Why a lead passed on stays where it is, in one sentence."""
    why = nobody_else(lead.pool or Role.QUALIFIER.value, turn)
    return (
        f"{lead.ref} stays with {ctx.mention(owner)} because {why} and a manager can reassign "
        f"it with `/lead reassign {lead.ref} @someone`."
    )


def qualify(ctx: Ctx, cmd: Qualify) -> Outcome:
    lead = ctx.lead(cmd.lead_id)
    ctx.require_owner_or_manager(lead, f"qualify {lead.ref}")
    if lead.stage is Stage.ASSIGNED:
        raise InvalidInput(f"Claim {lead.ref} first: `/lead claim {lead.ref}`.")
    if cmd.open_form:
        lead.check(Action.QUALIFY)
        return Outcome(f"Qualify {lead.ref}", card=ctx.card(lead), open_form_for=lead.id)
    q = Qualification(cmd.budget, cmd.authority, cmd.need, cmd.timeline, cmd.notes)
    lead.qualify(ctx.actor.id or 0, ctx.now, q)
    ctx.save(lead)
    ctx.tell_thread(lead, f"{ctx.actor.mention} qualified {lead.ref}: {q.summary()}.")
    return Outcome(
        f"{lead.ref} is qualified. Hand it to a closer: `/lead handoff {lead.ref}`."
        f"{_words_as_notes(cmd)}",
        card=ctx.card(lead),
    )


def _words_as_notes(cmd: Qualify) -> str:
    """Which words became notes, and how to quote them into the field they followed."""
    if not cmd.words_as_notes or not cmd.notes:
        return ""
    said = f" Notes: `{cmd.notes}` (the words without a `key=`)."
    given = {
        "budget": cmd.budget,
        "authority": cmd.authority,
        "need": cmd.need,
        "timeline": cmd.timeline,
    }.get(cmd.words_after or "")
    if not given:
        return said
    quoted = f'{cmd.words_after}="{given} {cmd.notes}"'
    return f"{said} If they belong to {cmd.words_after}, quote it: `{quoted}`."


def disqualify(ctx: Ctx, lead_id: int, reason: str) -> Outcome:
    lead = ctx.lead(lead_id)
    ctx.require_owner_or_manager(lead, f"disqualify {lead.ref}")
    lead.disqualify(ctx.actor.id or 0, ctx.now, reason)
    ctx.save(lead)
    ctx.tell_thread(lead, f"{ctx.actor.mention} disqualified {lead.ref}: {reason}.")
    return Outcome(f"{lead.ref} disqualified: {reason}.", card=ctx.card(lead))


def hand_off(ctx: Ctx, lead_id: int, target: UserRef | None) -> Outcome:
    lead = ctx.lead(lead_id)
    ctx.require_owner_or_manager(lead, f"hand {lead.ref} off")
    lead.check(Action.HANDOFF)
    role = Role.CLOSER if lead.stage is Stage.QUALIFIED else Role.ACCOUNT_MANAGER
    turn = _handoff_target(ctx, role, target, exclude=lead.owner_id)
    if turn.rep is None:
        raise InvalidInput(
            f"No {role.label} is available to take {lead.ref}: {turn.explanation} "
            f"Name one: `/lead handoff {lead.ref} @someone`."
        )
    previous = lead.owner_id
    lead.hand_off(ctx.actor.id or 0, turn.rep.id or 0, ctx.now, turn.explanation)
    ctx.save(lead)
    context = _handoff_context(lead, ctx.config.currency)
    booking = (
        booking_at_handoff(ctx, lead, turn.rep, ctx.mention(previous))
        if role is Role.CLOSER
        else None
    )
    ctx.tell_thread(
        lead,
        f"{lead.ref} handed from {ctx.mention(previous)} to {turn.rep.mention} ({role.label})."
        + (f" {booking.thread}" if booking else ""),
    )
    ctx.tell(
        turn.rep.id,
        f"{ctx.mention(previous)} handed you {lead.ref} ({lead.title}) as its {role.label}. "
        f"{context} {turn.explanation}" + (f" {booking.closer_dm}" if booking else ""),
        lead,
    )
    if booking and previous is not None and previous != ctx.actor.id:
        ctx.tell(
            previous,
            f"{lead.ref} is now with {turn.rep.mention}. {booking.reply}",
            slots=booking.choices,
        )
    return Outcome(
        f"{lead.ref} is now with {turn.rep.mention}. {turn.explanation}"
        + (f" {booking.reply}" if booking else ""),
        card=ctx.card(lead),
        slots=booking.choices if booking and previous == ctx.actor.id else None,
    )


def hand_to_qualifiers(ctx: Ctx, lead_id: int) -> Outcome:
    """A prospector's outbound lead into the qualifier rotation, the prospector kept as source.

    The qualifier pool is the one the routing rules choose for the lead, as for a post.
    """
    lead = ctx.lead(lead_id)
    ctx.require_owner_or_manager(lead, f"hand {lead.ref} to the qualifiers")
    lead.check(Action.HANDOFF_QUALIFIER)
    prospector = lead.owner_id
    pool, why = pool_for(ctx, lead)
    turn = next_in(ctx, pool, exclude={prospector} if prospector else ())
    if turn.rep is None:
        raise InvalidInput(
            f"No qualifier is available to take {lead.ref}: {turn.explanation} It stays yours."
        )
    source = ctx.rep(prospector)
    lead.hand_to_qualifier(ctx.actor.id or 0, turn.rep.id or 0, ctx.now, turn.explanation, pool)
    if source is not None:
        lead.fields["sourced_by"] = source.name
    ctx.save(lead)
    explanation = f"{why}. {turn.explanation}" if why else turn.explanation
    ctx.tell_thread(
        lead, f"{lead.ref} handed from {ctx.mention(prospector)} to {turn.rep.mention} (qualifier)."
    )
    ctx.tell(
        turn.rep.id,
        f"{ctx.mention(prospector)} sourced {lead.ref} ({lead.title}) and passed it to you to "
        f"qualify. Claim it to start the clock (SLA {ctx.config.claim_sla_minutes} min). "
        f"{explanation}",
        lead,
    )
    return Outcome(
        f"{lead.ref} is now with {turn.rep.mention} to qualify; you stay its source. {explanation}",
        card=ctx.card(lead),
    )


def _handoff_context(lead: Lead, currency: str) -> str:
    parts = [f"Qualification: {lead.qualification.summary()}." if lead.qualification else ""]
    if lead.amount is not None:
        parts.append(f"Won at {format_money(lead.amount, currency)}.")
    return " ".join(p for p in parts if p)


def _handoff_target(ctx: Ctx, role: Role, target: UserRef | None, exclude: int | None) -> Turn:
    if target is None:
        return next_in(ctx, role.value, exclude={exclude} if exclude else ())
    rep = ctx.ensure_rep(ctx.actor.platform, target.user_id, target.name)
    if not ctx.in_role(rep, role):
        raise NotAllowed(
            f"{rep.mention} is not in the {role.label} pool, so they can't take this hand-off. "
            f"A manager can add them: `/rotation add @{rep.name} {role.value}`."
        )
    return Turn(rep, f"Handed to {rep.name} by name.")


def log_meeting(ctx: Ctx, lead_id: int) -> Outcome:
    return _step(
        ctx,
        lead_id,
        "log a meeting on {ref}",
        lambda lead, me: lead.log_meeting(me, ctx.now),
        "meeting logged",
    )


def log_proposal(ctx: Ctx, lead_id: int, status: str) -> Outcome:
    return _step(
        ctx,
        lead_id,
        "log a proposal on {ref}",
        lambda lead, me: lead.log_proposal(me, ctx.now, status),
        f"proposal {status}",
    )


def won(ctx: Ctx, lead_id: int, amount: Decimal) -> Outcome:
    outcome = _step(
        ctx,
        lead_id,
        "mark {ref} won",
        lambda lead, me: lead.win(me, ctx.now, amount),
        f"won at {format_money(amount, ctx.config.currency)} 🎉",
    )
    return Outcome(
        f"{outcome.reply} Hand the customer to an account manager: `/lead handoff L-{lead_id}`.",
        card=outcome.card,
    )


def lost(ctx: Ctx, lead_id: int, reason: str) -> Outcome:
    return _step(
        ctx,
        lead_id,
        "mark {ref} lost",
        lambda lead, me: lead.lose(me, ctx.now, reason),
        f"lost: {reason}",
    )


def expand(ctx: Ctx, lead_id: int, amount: Decimal) -> Outcome:
    return _step(
        ctx,
        lead_id,
        "log expansion on {ref}",
        lambda lead, me: lead.expand(me, ctx.now, amount),
        f"expanded by {format_money(amount, ctx.config.currency)}",
    )


def churn(ctx: Ctx, lead_id: int, reason: str | None) -> Outcome:
    said = f"churned: {reason}" if reason else "churned"
    return _step(
        ctx, lead_id, "mark {ref} churned", lambda lead, me: lead.churn(me, ctx.now, reason), said
    )


def _step(ctx: Ctx, lead_id: int, what: str, do: StepFn, said: str) -> Outcome:
    lead = ctx.lead(lead_id)
    ctx.require_owner_or_manager(lead, what.format(ref=lead.ref))
    do(lead, ctx.actor.id or 0)
    ctx.save(lead)
    ctx.tell_thread(lead, f"{lead.ref} {said} by {ctx.actor.mention}.")
    return Outcome(f"{lead.ref} {said}.", card=ctx.card(lead))


def reassign(ctx: Ctx, lead_id: int, target: UserRef) -> Outcome:
    ctx.require_manager("reassign leads")
    lead = ctx.lead(lead_id)
    rep = ctx.ensure_rep(ctx.actor.platform, target.user_id, target.name)
    role = owning_role(lead.stage, outbound=lead.prospecting)
    if role is not None and not ctx.in_role(rep, role):
        raise NotAllowed(
            f"{rep.mention} is not in the {role.label} pool, and {lead.ref} is "
            f"{lead.stage.label}: it needs {role.with_article}. Add them first: "
            f"`/rotation add @{rep.name} {role.value}`."
        )
    if lead.owner_id == rep.id:
        raise AlreadyDone(f"{lead.ref} is already {rep.mention}'s.")
    previous = lead.owner_id
    lead.reassign(ctx.actor.id or 0, rep.id or 0, ctx.now, f"reassigned by {ctx.actor.name}")
    ctx.save(lead)
    ctx.tell_thread(
        lead,
        f"{ctx.actor.mention} reassigned {lead.ref} from {ctx.mention(previous)} to {rep.mention}.",
    )
    context = _handoff_context(lead, ctx.config.currency)
    ctx.tell(rep.id, f"{ctx.actor.mention} gave you {lead.ref} ({lead.title}). {context}", lead)
    ctx.tell(previous, f"{ctx.actor.mention} moved {lead.ref} ({lead.title}) to {rep.mention}.")
    return Outcome(f"{lead.ref} is now {rep.mention}'s.", card=ctx.card(lead))
