"""Read-only answers: a lead, my leads, the rotations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from routing.chat.formatting import format_minutes, format_money
from routing.clock import short_datetime
from routing.events import LeadEvent
from routing.lead import Lead, Origin, Qualification
from routing.roles import Role
from routing.rotation import unavailable_reason
from routing.stages import Stage
from routing.team import Membership, Pool, Rep
from routing.usecases.assignment import candidate_of, evaluate
from routing.usecases.calendars import as_of
from routing.usecases.context import Ctx, Outcome
from routing.usecases.pipeline import claim_mode_of

HISTORY_SHOWN = 12
"""Events shown by `/lead show`: the latest ones, enough to read how the lead got here."""
ORIGINAL_SHOWN = 500


@dataclass(frozen=True)
class LeadView:
    """`/lead show` as data: the lead's own facts first, then its latest history.

    ``facts`` are (label, value) pairs in reading order, only those with a value; every adapter
    renders them in this order, and :meth:`text` is the plain rendering (console, fallbacks).
    """

    ref: str
    title: str
    facts: tuple[tuple[str, str], ...]
    history: tuple[str, ...]
    earlier_events: int
    original_post: str | None

    def text(self) -> str:
        lines = [f"*{self.ref}* — {self.title}"]
        lines += [f"{label}: {value}" for label, value in self.facts]
        if self.original_post:
            lines.append(f"Original post:\n> {self.original_post}")
        total = len(self.history) + self.earlier_events
        lines.append(
            "History" + (f" (latest {len(self.history)} of {total})" if self.earlier_events else "")
        )
        lines += self.history
        return "\n".join(lines)


def show(ctx: Ctx, lead_id: int) -> Outcome:
    ctx.require_reader("read leads")
    lead = ctx.lead(lead_id, lock=False)
    events = ctx.uow.leads.events(lead_id)
    shown = events[-HISTORY_SHOWN:]
    view = LeadView(
        ref=lead.ref,
        title=lead.title,
        facts=lead_facts(ctx, lead, events),
        history=tuple(_history_line(ctx, e) for e in shown),
        earlier_events=len(events) - len(shown),
        original_post=_original(lead),
    )
    return Outcome(view.text(), card=ctx.card(lead), data={"lead_view": view})


def lead_facts(ctx: Ctx, lead: Lead, events: Sequence[LeadEvent]) -> tuple[tuple[str, str], ...]:
    """Who the lead is, where it stands, what was learnt about it, and what it is worth."""
    owner = ctx.rep(lead.owner_id)
    currency = ctx.config.currency
    q = lead.qualification or Qualification()
    extra = {
        k.replace("_", " ").capitalize(): v
        for k, v in lead.fields.items()
        if k not in {"domain", "source"}
    }
    pairs: list[tuple[str, str | None]] = [
        ("Company", lead.company),
        ("Contact", lead.name),
        ("Email", lead.email),
        ("Phone", lead.phone),
        ("Source", _source(lead)),
        ("Stage", lead.stage.label),
        ("Owner", owner.mention if owner else "nobody yet"),
        ("Age", _age(ctx, lead, events)),
        ("Budget", q.budget),
        ("Authority", q.authority),
        ("Need", q.need),
        ("Timeline", q.timeline),
        ("Notes", q.notes),
        ("Won amount", format_money(lead.amount, currency) if lead.amount is not None else None),
        (
            "Expansion total",
            format_money(lead.expansion_total, currency) if lead.expansion_total else None,
        ),
        ("Reason", lead.reason if lead.stage in _CLOSED_WITH_REASON else None),
        *extra.items(),
    ]
    return tuple((label, value) for label, value in pairs if value)


_CLOSED_WITH_REASON = {Stage.DISQUALIFIED, Stage.LOST, Stage.CHURNED}


def _source(lead: Lead) -> str:
    given = lead.fields.get("source")
    origin = "outbound (logged by a rep)" if lead.origin is Origin.OUTBOUND else "inbound post"
    return f"{given} ({origin})" if given else origin


def _age(ctx: Ctx, lead: Lead, events: Sequence[LeadEvent]) -> str | None:
    created = lead.created_at or (events[0].at if events else None)
    if created is None:
        return None
    minutes = max((ctx.now - created).total_seconds() / 60, 0.0)
    return f"{format_minutes(round(minutes))} (since {short_datetime(created, ctx.actor.timezone)})"


def _original(lead: Lead) -> str | None:
    if lead.raw_text and lead.stage is Stage.UNPARSED:
        return lead.raw_text[:ORIGINAL_SHOWN]
    return None


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
    feed = _calendar_words(ctx, member.rep)
    return f"• {member.rep.mention} weight {member.weight}{cap}{busy}: {status}{note}{feed}{flag}"


def _calendar_words(ctx: Ctx, rep: Rep) -> str:
    """``, calendar as of 09:15`` for a rep with a feed; its age says how much it counts."""
    calendar = ctx.uow.calendars.get(rep.id or 0)
    if calendar is None or calendar.url is None:
        return ""
    if calendar.fetched_at is None:
        return (
            ", calendar not read yet" if calendar.failing_since is None else ", calendar unreadable"
        )
    stale = " (unreadable for 24 h: not counted)" if calendar.unknown(ctx.now) else ""
    return f", calendar as of {as_of(rep, calendar)}{stale}"
