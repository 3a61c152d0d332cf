"""Read-only answers: a lead, my leads, the rotations."""

from __future__ import annotations

from itertools import groupby

from routing.clock import short_datetime
from routing.events import LeadEvent
from routing.roles import Role
from routing.rotation import unavailable_reason
from routing.stages import Stage
from routing.team import Membership, Pool
from routing.usecases.assignment import candidate_of, evaluate
from routing.usecases.context import Ctx, Outcome
from routing.usecases.pipeline import claim_mode_of


def show(ctx: Ctx, lead_id: int) -> Outcome:
    ctx.require_reader("read leads")
    lead = ctx.lead(lead_id, lock=False)
    history = [_history_line(ctx, e) for e in ctx.uow.leads.events(lead_id)[-12:]]
    text = "\n".join([f"*{lead.ref}* — {lead.title} · {lead.stage.label}", *history])
    if lead.raw_text and lead.stage is Stage.UNPARSED:
        text += f"\nOriginal post:\n> {lead.raw_text[:500]}"
    return Outcome(text, card=ctx.card(lead))


def _history_line(ctx: Ctx, event: LeadEvent) -> str:
    who = ctx.rep(event.actor_id)
    by = f" by {who.name}" if who else ""
    owner = ctx.rep(event.owner_id)
    to = (
        f" → {owner.name}"
        if owner and event.type.value in {"assigned", "handed_off", "reassigned"}
        else ""
    )
    detail = event.payload.get("reason") or event.payload.get("amount") or ""
    detail = f" ({detail})" if detail else ""
    when = short_datetime(event.at, ctx.actor.timezone)
    return f"• {when} {event.type.value.replace('_', ' ')}{by}{to}{detail}"


MAX_LISTED = 50
"""Leads listed by `/lead mine` and the home tab; more would not fit a chat message anyway."""


def mine(ctx: Ctx) -> Outcome:
    leads = ctx.uow.leads.owned_by(ctx.actor.id or 0)
    if not leads:
        return Outcome("You have no open leads right now.", data={"leads": []})
    order = list(Stage)
    leads.sort(key=lambda lead: (order.index(lead.stage), lead.id or 0))
    shown = leads[:MAX_LISTED]
    lines = [f"You have {len(leads)} open lead(s):"]
    for stage, group in groupby(shown, key=lambda lead: lead.stage):
        lines.append(f"*{stage.label.capitalize()}*")
        lines.extend(f"• {lead.ref} {lead.title}" for lead in group)
    if len(leads) > len(shown):
        lines.append(f"…and {len(leads) - len(shown)} more: `/lead show <id>` for any of them.")
    return Outcome("\n".join(lines), data={"leads": [ctx.card(lead) for lead in shown]})


def rotation(ctx: Ctx, role: Role | None) -> Outcome:
    pools = [p for p in ctx.uow.pools.all() if role is None or p.role is role]
    if not pools:
        return Outcome("No rotations yet. A manager starts one: `/rotation add @user qualifier`.")
    return Outcome("\n\n".join(_pool_text(ctx, pool) for pool in pools))


def _pool_text(ctx: Ctx, pool: Pool) -> str:
    members = ctx.uow.pools.members(pool.name)
    queued = len(ctx.uow.leads.queued(pool.name))
    mode = claim_mode_of(ctx, pool.name).value
    header = f"*{pool.name.replace('_', ' ').capitalize()}* ({pool.role.label}s, {mode} claims)"
    if not members:
        return f"{header}: nobody yet."
    nxt = evaluate(ctx, members).chosen
    lines = [header + (f" — {queued} lead(s) waiting in the queue" if queued else "")]
    lines += [_member_line(ctx, m, nxt is not None and nxt.rep_id == m.rep_id) for m in members]
    return "\n".join(lines)


def _member_line(ctx: Ctx, member: Membership, is_next: bool) -> str:
    status = unavailable_reason(candidate_of(ctx, member), ctx.now) or "available"
    cap = f", cap {member.cap}" if member.cap else ""
    busy = f", max {member.max_open} open" if member.max_open is not None else ""
    note = f" ({member.note})" if member.note else ""
    flag = " ← next" if is_next else ""
    return f"• {member.rep.mention} weight {member.weight}{cap}{busy}: {status}{note}{flag}"
