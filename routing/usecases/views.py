"""Read-only answers: a lead, my leads, the rotations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby

from routing.chat.formatting import format_minutes, format_money, plural
from routing.chat.timeline import Names, event_sentence
from routing.clock import short_datetime
from routing.errors import NotFound
from routing.events import EventType, LeadEvent
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
        original_post=original_post(lead),
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
        if k not in {"domain", "source", "notes"}
    }
    pairs: list[tuple[str, str | None]] = [
        ("Company", lead.company),
        ("Contact", lead.name),
        ("Email", lead.email),
        ("Phone", lead.phone),
        ("Source", _source(lead, events)),
        ("Stage", lead.stage.label),
        ("Owner", owner.mention if owner else "nobody yet"),
        ("Age", _age(ctx, lead, events)),
        ("Budget", q.budget),
        ("Authority", q.authority),
        ("Need", q.need),
        ("Timeline", q.timeline),
        ("Notes", _notes(lead, q)),
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


_CAME_IN = {
    "post": "inbound post",
    "webhook": "webhook",
    "import": "import",
    "command": "logged with /lead new",
}
"""How an inbound lead came in, by its ``created`` event's ``via``."""


def _source(lead: Lead, events: Sequence[LeadEvent]) -> str:
    """``LinkedIn (inbound post)``, ``website (webhook)``, ``leads.csv (import)``."""
    given = lead.fields.get("source")
    if lead.origin is Origin.OUTBOUND:
        came_in = "outbound (logged by a rep)"
    else:
        created = next((e for e in events if e.type is EventType.CREATED), None)
        via = str(created.payload.get("via", "")) if created else ""
        posted = lead.source is not None and bool(lead.source.message_id)
        came_in = _CAME_IN.get(via) or ("inbound post" if posted else "inbound")
    return f"{given} ({came_in})" if given else came_in


def _notes(lead: Lead, q: Qualification) -> str | None:
    """One line: what the post said, then what was learnt when it was qualified."""
    posted, learnt = lead.fields.get("notes"), q.notes
    if posted and learnt:
        return f"{posted} · at qualification: {learnt}"
    return posted or learnt


def _age(ctx: Ctx, lead: Lead, events: Sequence[LeadEvent]) -> str | None:
    created = lead.created_at or (events[0].at if events else None)
    if created is None:
        return None
    minutes = max((ctx.now - created).total_seconds() / 60, 0.0)
    return f"{format_minutes(round(minutes))} (since {short_datetime(created, ctx.actor.timezone)})"


def original_post(lead: Lead) -> str | None:
    """What was posted, for a lead kept unparsed: what a manager reads to fix or disqualify it
    (`/lead show`, the dashboard's lead page); the first :data:`ORIGINAL_SHOWN` characters."""
    if lead.raw_text and lead.stage is Stage.UNPARSED:
        return lead.raw_text[:ORIGINAL_SHOWN]
    return None


def _history_line(ctx: Ctx, event: LeadEvent) -> str:
    when = short_datetime(event.at, ctx.actor.timezone)
    return f"• {when} {event_sentence(event, rep_names(ctx), ctx.config.currency)}"


def rep_names(ctx: Ctx) -> Names:
    """Reps' names by id for a timeline's sentences (None for an id Baton does not know)."""

    def name(rep_id: int) -> str | None:
        try:
            rep = ctx.rep(rep_id)
        except NotFound:
            return None
        return rep.name if rep else None

    return name


MAX_LISTED = 50
"""Leads listed by `/lead mine` and the home tab; more would not fit a chat message anyway."""


def mine(ctx: Ctx) -> Outcome:
    leads = ctx.uow.leads.owned_by(ctx.actor.id or 0)
    if not leads:
        return Outcome("You have no open leads right now.", data={"leads": []})
    order = list(Stage)
    leads.sort(key=lambda lead: (order.index(lead.stage), lead.id or 0))
    shown = leads[:MAX_LISTED]
    lines = [f"You have {plural(len(leads), 'open lead')}:"]
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
    waiting = f" — {plural(queued, 'lead')} waiting in the queue" if queued else ""
    lines = [header + waiting]
    lines += [_member_line(ctx, m, nxt is not None and nxt.rep_id == m.rep_id) for m in members]
    return "\n".join(lines)


def _member_line(ctx: Ctx, member: Membership, is_next: bool) -> str:
    status = unavailable_reason(candidate_of(ctx, member), ctx.now) or "available"
    cap = f", cap {member.cap}" if member.cap else ""
    busy = f", max {member.max_open} open" if member.max_open is not None else ""
    note = f" ({member.note})" if member.note else ""
    flag = " ← next" if is_next else ""
    crm = ""
    if ctx.config.crm_sync and not ctx.uow.crm_owners.owner_of(member.rep_id or 0):
        crm = " (no HubSpot owner)"
    feed = _calendar_words(ctx, member.rep)
    return (
        f"• {member.rep.mention} weight {member.weight}{cap}{busy}{crm}: {status}{note}{feed}{flag}"
    )


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
    return f", calendar as of {as_of(rep, calendar, ctx.now)}{stale}"
