"""New leads, from a channel post or `/lead new`, and the matching and routing they go through.

A post is made storable and read *before* its transaction (:func:`read_post`): parsing a long
post never holds the write lock, and whatever the post holds fits the columns: each field is cut
to its limit with a marker, and the raw post is kept beside the lead.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType

from routing import limits
from routing.commands import NewLead
from routing.errors import InvalidInput
from routing.inbound import InboundLead
from routing.lead import Lead, Origin, SourceRef
from routing.lead_post import ParsedLead, Unparsed, email_domain, parse_lead_post
from routing.roles import Platform, Role
from routing.stages import Stage
from routing.team import Rep
from routing.text import storable
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


@dataclass(frozen=True)
class ReadPost:
    """A post made storable and parsed, ready for its transaction."""

    post: InboundPost
    parsed: ParsedLead | Unparsed
    cut: bool = False
    """Some field was cut to its limit, so the raw post is kept with the lead."""


def delivery_keys(post: InboundPost) -> list[str]:
    """Keys that identify one channel message however often, and under whatever id, it arrives.

    A key too long to store is kept as a digest of itself, so it still identifies its message.
    """
    keys = [f"{post.platform.value}:msg:{post.channel}:{post.message_id}"]
    if post.event_id:
        keys.append(f"{post.platform.value}:event:{post.event_id}")
    return [_storable_key(post, key) for key in keys]


def _storable_key(post: InboundPost, key: str) -> str:
    if len(key) <= limits.DELIVERY_KEY:
        return key
    return f"{post.platform.value}:sha256:{hashlib.sha256(key.encode()).hexdigest()}"


def read_post(post: InboundPost) -> ReadPost:
    """The post with storable text, bounded, and what it says; no transaction needed."""
    storable_post = _storable_post(post)
    parsed = parse_lead_post(storable_post.text, storable_post.pairs, storable_post.field_texts)
    if isinstance(parsed, Unparsed):
        return ReadPost(storable_post, parsed)
    bounded = bounded_lead(parsed)
    text = storable_post.text
    cut = bounded != parsed or text != storable(post.text) or text.count("\n") >= limits.POST_LINES
    return ReadPost(storable_post, bounded, cut=cut)


def _storable_post(post: InboundPost) -> InboundPost:
    """Text any database takes, each piece within the limit intake reads (marked where cut)."""
    return replace(
        post,
        channel=storable(post.channel),
        message_id=storable(post.message_id),
        event_id=storable(post.event_id) if post.event_id else post.event_id,
        text=_bound(post.text, limits.RAW_TEXT),
        pairs=tuple(
            (_bound(label, limits.FIELD_VALUE), _bound(value, limits.NOTES))
            for label, value in post.pairs[: limits.FIELDS]
        ),
        field_texts=tuple(_bound(text, limits.NOTES) for text in post.field_texts[: limits.FIELDS]),
    )


def _bound(text: str, limit: int) -> str:
    return limits.truncate(storable(text), limit)


_FIELD_LIMITS = {
    "notes": limits.NOTES,
    "source": limits.SOURCE,
    "domain": limits.EMAIL_DOMAIN,
}


def bounded_lead(parsed: ParsedLead) -> ParsedLead:
    """Every part of a parsed lead cut to its limit, so no post is lost to a column's size."""
    fields = {
        limits.truncate(key, limits.FIELD_KEY): limits.truncate(
            value, _FIELD_LIMITS.get(key, limits.FIELD_VALUE)
        )
        for key, value in list(parsed.fields.items())[: limits.FIELDS]
    }
    if "domain" in parsed.fields:
        fields.setdefault("domain", limits.truncate(parsed.fields["domain"], limits.EMAIL_DOMAIN))
    return ParsedLead(
        email=_cut(parsed.email, limits.EMAIL),
        phone=_cut(parsed.phone, limits.PHONE),
        name=_cut(parsed.name, limits.PERSON_NAME),
        company=_cut(parsed.company, limits.COMPANY),
        fields=MappingProxyType(fields),
    )


def _cut(value: str | None, limit: int) -> str | None:
    return limits.truncate(value, limit) if value is not None else None


def ingest_post(ctx: Ctx, post: InboundPost | ReadPost) -> Outcome:
    """Store a post as a lead (or an unparsed lead) once, however often it is delivered."""
    read = post if isinstance(post, ReadPost) else read_post(post)
    post = read.post
    if not ctx.uow.intake.claim(delivery_keys(post), ctx.now):
        return Outcome("Already have this post.", data={"duplicate": True})
    source = SourceRef(
        post.platform.value,
        limits.truncate(post.channel, limits.CHANNEL_ID),
        limits.truncate(post.message_id, limits.MESSAGE_ID),
    )
    if isinstance(read.parsed, Unparsed):
        lead = _keep_unparsed(ctx, post, source, read.parsed)
    else:
        lead = _lead_from(read.parsed, source=source)
        lead.raw_text = post.text if read.cut else None
        lead.record_creation(
            ctx.now, ctx.actor.id, source=lead.fields.get("source"), channel=source.channel
        )
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
    prospector = ctx.actor if ctx.in_role(ctx.actor, Role.PROSPECTOR) else None
    line = create_and_route(ctx, lead, prospector=prospector)
    return Outcome(line, card=ctx.card(lead), lead_id=lead.id)


def create_and_route(
    ctx: Ctx, lead: Lead, *, prospector: Rep | None = None, quiet: bool = False
) -> str:
    """Record a new lead's creation and route it; ``prospector`` makes it their outbound lead.

    A prospector whose outbound leads go to the qualifiers (``BATON_OUTBOUND_TO_QUALIFIERS`` or
    their pool's ``outbound_to_qualifiers``) is recorded as the lead's source, and the lead goes
    through the qualifier rotation like an inbound one; it stays outbound in the digest.
    """
    sourced_by = None
    if prospector is not None:
        lead.origin = Origin.OUTBOUND
        if ctx.outbound_to_qualifiers(prospector):
            sourced_by = prospector.id
            lead.fields["sourced_by"] = prospector.name
            prospector = None
    extra = {"sourced_by": sourced_by} if sourced_by is not None else {}
    lead.record_creation(ctx.now, ctx.actor.id, source=lead.fields.get("source"), **extra)
    return _route_new(ctx, lead, prospector=prospector, quiet=quiet)


def _route_new(
    ctx: Ctx,
    lead: Lead,
    *,
    first: bool = False,
    prospector: Rep | None = None,
    quiet: bool = False,
) -> str:
    """Match, route and store a new lead, and tell the people concerned.

    ``quiet`` (bulk imports): the assignee still gets their message, but a queued lead does not
    page the managers one by one; the import tells them once, in its summary.
    """
    turn = _route(ctx, lead, prospector)
    ctx.uow.leads.add(lead)
    if turn is None:
        mine = prospector is None or prospector.id == ctx.actor.id
        owner = "your" if mine or prospector is None else f"{prospector.name}'s"
        return (
            f"Logged {lead.ref} ({lead.title}) as {owner} outbound lead. When it's qualified: "
            f"`/lead qualify {lead.ref} budget=… authority=… need=… timeline=…`."
        )
    return announce_assignment(ctx, lead, turn, first=first, quiet=quiet)


def _route(ctx: Ctx, lead: Lead, prospector: Rep | None = None) -> Turn | None:
    """Give a new lead its owner: the contact's owner, the rotation of the pool the rules pick,
    or (``None``) the ``prospector`` whose outbound lead it is. The one path intake, import and
    preview share."""
    matched = match_owner(ctx, lead)
    if matched is not None:
        return matched
    if prospector is not None:
        lead.pool = Role.PROSPECTOR.value
        lead.start_working(prospector.id or 0, ctx.now)
        return None
    pool, why = pool_for(ctx, lead)
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


def pool_for(ctx: Ctx, lead: Lead) -> tuple[str, str | None]:
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
