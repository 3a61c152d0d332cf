"""New leads, from a channel post or `/lead new`, and the matching and routing they go through."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from routing.commands import NewLead
from routing.errors import InvalidInput
from routing.inbound import InboundLead
from routing.lead import Lead, Origin, SourceRef
from routing.lead_post import ParsedLead, Unparsed, email_domain, parse_lead_post
from routing.roles import Platform, Role
from routing.stages import Stage
from routing.usecases.assignment import Turn, announce_assignment, assign_from_pool
from routing.usecases.context import Ctx, Outcome
from routing.usecases.matching import match_owner

EXAMPLE_POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"


@dataclass(frozen=True)
class InboundPost:
    """A message in an intake channel, as an adapter extracted it."""

    platform: Platform
    channel: str
    message_id: str
    text: str
    pairs: tuple[tuple[str, str], ...] = ()
    field_texts: tuple[str, ...] = ()
    event_id: str | None = None


def delivery_keys(post: InboundPost) -> list[str]:
    """Keys that identify one channel message however often, and under whatever id, it arrives."""
    keys = [f"{post.platform.value}:msg:{post.channel}:{post.message_id}"]
    if post.event_id:
        keys.append(f"{post.platform.value}:event:{post.event_id}")
    return keys


def ingest_post(ctx: Ctx, post: InboundPost) -> Outcome:
    keys = delivery_keys(post)
    if not ctx.uow.intake.claim(keys, ctx.now):
        return Outcome("Already have this post.", data={"duplicate": True})
    parsed = parse_lead_post(post.text, post.pairs, post.field_texts)
    source = SourceRef(post.platform.value, post.channel, post.message_id)
    if isinstance(parsed, Unparsed):
        lead = _keep_unparsed(ctx, post, source, parsed)
    else:
        lead = _lead_from(parsed, source=source)
        lead.record_creation(ctx.now, ctx.actor.id, source=lead.fields.get("source"))
        _route_new(ctx, lead, first=True)
    return Outcome(f"Logged {lead.ref}.", card=ctx.card(lead), lead_id=lead.id)


def ingest_inbound(ctx: Ctx, inbound: InboundLead, intake: SourceRef | None) -> Outcome:
    """A lead another system delivered (a webhook): routed like a post, its card posted fresh.

    ``intake`` is the channel its card goes to; with no message to reply under, the card is
    the first message (``message_id`` empty) and becomes the lead's thread. A retry under the
    same key answers with the lead the first delivery created.
    """
    keys = inbound.delivery_keys()
    if not ctx.uow.intake.claim(keys, ctx.now):
        earlier = ctx.uow.intake.lead_for(keys)
        return Outcome("Already have this lead.", lead_id=earlier, data={"duplicate": True})
    parsed = inbound.parsed
    if isinstance(parsed, Unparsed):
        lead = _keep_unparsed_delivery(ctx, inbound, intake, parsed)
    else:
        lead = _lead_from(parsed, source=intake)
        lead.fields.setdefault("source", inbound.source)
        lead.record_creation(ctx.now, ctx.actor.id, source=lead.fields["source"])
        _route_new(ctx, lead, first=True)
    ctx.uow.intake.attach(keys, lead.id or 0)
    return Outcome(
        f"Logged {lead.ref}.", card=ctx.card(lead), lead_id=lead.id, data={"stage": lead.stage}
    )


def _keep_unparsed_delivery(
    ctx: Ctx, inbound: InboundLead, intake: SourceRef | None, why: Unparsed
) -> Lead:
    lead = Lead(company=None, email=None, source=intake, raw_text=inbound.raw)
    lead.fields["source"] = inbound.source
    lead.stage = Stage.UNPARSED
    lead.record_creation(ctx.now, ctx.actor.id, reason=why.reason)
    ctx.uow.leads.add(lead)
    ctx.refresh_card(
        lead,
        f"{lead.ref} came from {inbound.source} but I couldn't read a lead in it ({why.reason}). "
        "I kept the payload for a manager.",
    )
    ctx.tell_managers(
        f"{lead.ref} from {inbound.source} needs a human: {why.reason}. `/lead show {lead.ref}` "
        "shows what was sent."
    )
    return lead


def _keep_unparsed(ctx: Ctx, post: InboundPost, source: SourceRef, why: Unparsed) -> Lead:
    lead = Lead(company=None, email=None, source=source, raw_text=post.text)
    lead.stage = Stage.UNPARSED
    lead.record_creation(ctx.now, ctx.actor.id, reason=why.reason)
    ctx.uow.leads.add(lead)
    ctx.tell_thread(
        lead,
        f"I couldn't read a lead in this post ({why.reason}). I kept it as {lead.ref} for a "
        f"manager. To log it yourself: `/lead new <company> <email> [name]`, or post it again "
        f"like `{EXAMPLE_POST}`.",
    )
    ctx.tell_managers(f"{lead.ref} is an unparsed post that needs a human: {why.reason}.")
    return lead


def _lead_from(parsed: ParsedLead, source: SourceRef | None) -> Lead:
    return Lead(
        company=parsed.company,
        email=parsed.email,
        name=parsed.name,
        phone=parsed.phone,
        fields=dict(parsed.fields),
        source=source,
    )


def new_lead(ctx: Ctx, cmd: NewLead) -> Outcome:
    if "@" not in cmd.email:
        raise InvalidInput(f"`{cmd.email}` is not an email address.")
    fields = dict(cmd.fields)
    domain = email_domain(cmd.email)
    if domain:
        fields.setdefault("domain", domain)
    lead = Lead(company=cmd.company, email=cmd.email.lower(), name=cmd.name, fields=fields)
    if ctx.in_role(ctx.actor, Role.PROSPECTOR):
        lead.origin = Origin.OUTBOUND
    lead.record_creation(ctx.now, ctx.actor.id, source=fields.get("source"))
    line = _route_new(ctx, lead)
    return Outcome(line, card=ctx.card(lead), lead_id=lead.id)


def _route_new(ctx: Ctx, lead: Lead, *, first: bool = False) -> str:
    """Match, route and store a new lead, and tell the people concerned."""
    turn = _route(ctx, lead)
    ctx.uow.leads.add(lead)
    if turn is None:
        return (
            f"Logged {lead.ref} ({lead.title}) as your outbound lead. When it's qualified: "
            f"`/lead qualify {lead.ref} budget=… authority=… need=… timeline=…`."
        )
    return announce_assignment(ctx, lead, turn, first=first)


def _route(ctx: Ctx, lead: Lead) -> Turn | None:
    """Give a new lead its owner: the contact's owner, the rotation of the pool the rules pick,
    or (outbound, ``None``) the prospector who logged it. The one path intake and preview share."""
    matched = match_owner(ctx, lead)
    if matched is not None:
        return matched
    if lead.origin is Origin.OUTBOUND:
        lead.pool = Role.PROSPECTOR.value
        lead.start_working(ctx.actor.id or 0, ctx.now)
        return None
    pool, why = _pool_for(ctx, lead)
    turn = assign_from_pool(ctx, lead, pool)
    return replace(turn, explanation=f"{why}. {turn.explanation}") if why else turn


def preview(ctx: Ctx, text: str) -> Outcome:
    """Who would get a lead posted as ``text`` now, and why; the relay rolls the turn back."""
    ctx.require_reader("preview the rotation")
    parsed = parse_lead_post(text)
    if isinstance(parsed, Unparsed):
        return Outcome(
            f"Preview: I couldn't read a lead in that ({parsed.reason}), so it would be kept as "
            f"unparsed for a manager. A lead looks like `{EXAMPLE_POST}`."
        )
    lead = _lead_from(parsed, source=None)
    lead.record_creation(ctx.now, ctx.actor.id)
    turn = _route(ctx, lead)
    if turn is None:
        return Outcome(f"Preview: {lead.title} would be your outbound lead. Nothing changed.")
    if turn.rep is None:
        return Outcome(f"Preview: {lead.title} would wait in the queue. {turn.explanation}")
    return Outcome(
        f"Preview: {lead.title} would go to {turn.rep.mention}. {turn.explanation} Nothing changed."
    )


def _pool_for(ctx: Ctx, lead: Lead) -> tuple[str, str | None]:
    """The pool the rules send ``lead`` to; a rule's pool that does not exist or has nobody in
    it falls back to the default pool, and the reason says so."""
    rules = ctx.config.rules
    pool, why = rules.route(_routing_fields(lead))
    if pool == rules.default_pool:
        return pool, None
    default = rules.default_pool.replace("_", " ")
    if ctx.uow.pools.get(pool) is None:
        return (
            rules.default_pool,
            f"{why}, but there is no {pool} pool yet, so it goes to {default}",
        )
    if not ctx.uow.pools.members(pool):
        return (
            rules.default_pool,
            f"{why}, but nobody is in the {pool} pool, so it goes to {default}",
        )
    return pool, why[:1].upper() + why[1:]


def _routing_fields(lead: Lead) -> Mapping[str, str]:
    core = {"company": lead.company, "email": lead.email, "name": lead.name, "phone": lead.phone}
    return {**{k: v for k, v in core.items() if v}, **lead.fields}
