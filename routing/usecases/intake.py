"""New leads, arrived or from `/lead new`, and the matching and routing they go through.

Every source hands the same :class:`~routing.arrival.Arrival` to :func:`ingest`, made and read
before its transaction (:mod:`routing.arrival`): a post in an intake channel, a webhook call, a
row of an imported spreadsheet. What differs by source is only what a person is told.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from routing.arrival import Arrival, ImportRow, WebhookCall
from routing.commands import NewLead
from routing.errors import InvalidInput, NotAllowed
from routing.lead import Lead, Origin, SourceRef
from routing.lead_post import ParsedLead, Unparsed, email_domain, parse_lead_post
from routing.privacy import erased_key
from routing.roles import Platform, Role
from routing.stages import Stage
from routing.team import Rep
from routing.usecases.assignment import Turn, announce_assignment, assign_from_pool, give
from routing.usecases.context import Ctx, Outcome
from routing.usecases.matching import PassedOver, crm_owner_turn, match_owner

EXAMPLE_POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"

DUPLICATE = "duplicate"
"""``Outcome.data`` key: this arrival was taken before; nothing was created."""
SKIPPED = "skipped"
"""``Outcome.data`` key: an imported row skipped as a duplicate of an owned open lead."""
STAGE = "stage"
"""``Outcome.data`` key: the new lead's stage."""
MATCHED = "matched"
"""``Outcome.data`` key: the new lead went to the owner of the same contact."""


def ingest(ctx: Ctx, arrival: Arrival) -> Outcome:
    """Store a lead that arrived, routed, or kept unparsed for a human, once however often it
    is delivered; a retry changes nothing."""
    keys = arrival.keys
    erased = erased_keys(ctx, keys)
    if erased and ctx.uow.intake.known(erased):
        return _already(ctx, arrival, erased)
    if not ctx.uow.intake.claim(keys, ctx.now):
        return _already(ctx, arrival, keys)
    if isinstance(arrival.lead, Unparsed):
        lead = _keep_unparsed(ctx, arrival, arrival.lead)
    else:
        lead = lead_from(arrival.lead, arrival.thread, arrival.source)
        lead.raw_text = arrival.raw
        if _skips(ctx, arrival, lead):
            return Outcome("Skipped as a duplicate.", data={SKIPPED: True})
        importing = isinstance(arrival.came_from, ImportRow)
        lead.imported = importing
        prospector = _owner(ctx, arrival)
        create_and_route(
            ctx,
            lead,
            prospector=prospector,
            quiet=importing,
            via=arrival.came_from.via,
            crm_owner=arrival.crm_owner,
        )
    ctx.uow.intake.attach(keys, lead.id or 0)  # a retry is answered with it; an erasure finds it
    data = {STAGE: lead.stage, MATCHED: "matched_lead" in lead.fields}
    return Outcome(f"Logged {lead.ref}.", card=ctx.card(lead), lead_id=lead.id, data=data)


def erased_keys(ctx: Ctx, keys: list[str]) -> list[str]:
    """``keys`` as an erased contact's are kept (salted hashes): a redelivery or re-import of
    an erased contact's post is recognised, and stays erased."""
    salt = ctx.config.erasure_salt
    return [erased_key(salt(), key) for key in keys] if salt is not None and keys else []


def _already(ctx: Ctx, arrival: Arrival, keys: list[str]) -> Outcome:
    """A webhook's sender is told which lead its first call made."""
    earlier = ctx.uow.intake.lead_for(keys) if isinstance(arrival.came_from, WebhookCall) else None
    return Outcome(
        f"Already have this {arrival.came_from.noun}.", lead_id=earlier, data={DUPLICATE: True}
    )


def _keep_unparsed(ctx: Ctx, arrival: Arrival, why: Unparsed) -> Lead:
    """Store what could not be read with its raw text, and ask a human to look; a spreadsheet
    row is refused instead, since the import's summary lists it for whoever imports."""
    came_from = arrival.came_from
    if isinstance(came_from, ImportRow):
        raise InvalidInput(why.reason)
    lead = Lead(company=None, email=None, source=arrival.thread, raw_text=arrival.raw)
    if arrival.source:
        lead.fields["source"] = arrival.source
    lead.stage = Stage.UNPARSED
    lead.record_creation(ctx.now, ctx.actor.id, reason=why.reason)
    ctx.uow.leads.add(lead)
    if isinstance(came_from, WebhookCall):
        ctx.refresh_card(
            lead,
            f"{lead.ref} came from {came_from.source} but I couldn't read a lead in it "
            f"({why.reason}). I kept the payload for a manager.",
        )
        ctx.tell_managers(
            f"{lead.ref} from {came_from.source} needs a human: {why.reason}. "
            f"`/lead show {lead.ref}` shows what was sent. {_ways_out(lead)}"
        )
        return lead
    ctx.tell_thread(
        lead,
        f"I couldn't read a lead in this post ({why.reason}). I kept it as {lead.ref} for a "
        f"manager. To log it yourself: `/lead new <company> <email> [name]`, or post it again "
        f"like `{EXAMPLE_POST}`.",
    )
    ctx.tell_managers(
        f"{lead.ref} is an unparsed post that needs a human: {why.reason}. {_ways_out(lead)}"
    )
    return lead


def _ways_out(lead: Lead) -> str:
    return (
        f"Fix it with `/lead fix {lead.ref} email=… company=…` or disqualify it with "
        f"`/lead disqualify {lead.ref} <reason>`."
    )


def _skips(ctx: Ctx, arrival: Arrival, lead: Lead) -> bool:
    """An import with ``--skip-duplicates`` skips a row whose contact is already owned, or that
    repeats an earlier row of the file."""
    row = arrival.came_from
    if not isinstance(row, ImportRow) or not row.skip_duplicates:
        return False
    return row.duplicate_of is not None or owned_match(ctx, lead) is not None


def owned_match(ctx: Ctx, lead: Lead) -> Lead | None:
    """The open lead or customer with ``lead``'s email or company domain, when someone owns it."""
    other = ctx.uow.leads.find_open_match(lead.email, lead.email_domain)
    return other if other is not None and other.owner_id is not None else None


def _owner(ctx: Ctx, arrival: Arrival) -> Rep | None:
    row = arrival.came_from
    return prospector(ctx, row.owner) if isinstance(row, ImportRow) else None


def prospector(ctx: Ctx, owner: tuple[Platform, str] | None) -> Rep | None:
    """The prospector whose outbound leads imported rows become (``--as``); refused for
    someone who is not a prospector."""
    if owner is None:
        return None
    rep = ctx.ensure_rep(*owner)
    if not ctx.in_role(rep, Role.PROSPECTOR):
        raise NotAllowed(
            f"{rep.mention} is not a prospector, so the rows can't be their outbound leads. "
            f"A manager can add them: `/rotation add @{rep.name} prospector`."
        )
    return rep


def lead_from(parsed: ParsedLead, thread: SourceRef | None, source: str | None = None) -> Lead:
    """A new lead as read; ``source`` is its ``source`` field when it names none itself."""
    fields = dict(parsed.fields)
    if source:
        fields.setdefault("source", source)
    return Lead(
        company=parsed.company,
        email=parsed.email,
        name=parsed.name,
        phone=parsed.phone,
        fields=fields,
        source=thread,
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
    ctx: Ctx,
    lead: Lead,
    *,
    prospector: Rep | None = None,
    quiet: bool = False,
    via: str = "command",
    crm_owner: tuple[Platform, str] | None = None,
) -> str:
    """Record a new lead's creation and route it; ``prospector`` makes it their outbound lead,
    ``via`` says how it came in (``post``, ``webhook``, ``import`` or ``command``).

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
    extra: dict[str, object] = {"via": via}
    if sourced_by is not None:
        extra["sourced_by"] = sourced_by
    if lead.source is not None and lead.source.message_id:  # posted in an intake channel
        extra["channel"] = lead.source.channel  # its source when the post names none
    lead.record_creation(ctx.now, ctx.actor.id, source=lead.fields.get("source"), **extra)
    return _route_new(ctx, lead, prospector=prospector, quiet=quiet, crm_owner=crm_owner)


def _route_new(
    ctx: Ctx,
    lead: Lead,
    *,
    prospector: Rep | None = None,
    quiet: bool = False,
    crm_owner: tuple[Platform, str] | None = None,
) -> str:
    """Match, route and store a new lead, and tell the people concerned (its card, in its
    thread, carries the first word).

    ``quiet`` (bulk imports): the assignee still gets their message, but a queued lead does not
    page the managers one by one; the import tells them once, in its summary.
    """
    turn = _route(ctx, lead, prospector, crm_owner)
    ctx.uow.leads.add(lead)
    if turn is None:
        mine = prospector is None or prospector.id == ctx.actor.id
        owner = "your" if mine or prospector is None else f"{prospector.name}'s"
        return (
            f"Logged {lead.ref} ({lead.title}) as {owner} outbound lead. When it's qualified: "
            f"`/lead qualify {lead.ref} budget=… authority=… need=… timeline=…`."
        )
    return announce_assignment(ctx, lead, turn, first=True, quiet=quiet)


def _route(
    ctx: Ctx,
    lead: Lead,
    prospector: Rep | None = None,
    crm_owner: tuple[Platform, str] | None = None,
) -> Turn | None:
    """Give a new lead its owner: its owner in the CRM when that is a rep in a rotation, the
    contact's owner, the rotation of the pool the rules pick, or (``None``) the ``prospector``
    whose outbound lead it is. The one path intake, import and preview share."""
    crm_turn = crm_owner_turn(ctx, lead, crm_owner)
    if crm_turn is not None:
        return crm_turn
    pool, why = pool_for(ctx, lead)
    matched = match_owner(ctx, lead, pool)
    if isinstance(matched, Turn):
        if matched.rep is None:  # it waits for its contact's owner
            give(ctx, lead, matched)
        return matched
    if prospector is not None:
        lead.pool = Role.PROSPECTOR.value
        lead.start_working(prospector.id or 0, ctx.now)
        return None
    passed = f"{matched.why} " if isinstance(matched, PassedOver) else ""
    turn = assign_from_pool(ctx, lead, pool, prefix=passed)
    notes = [matched.why] if isinstance(matched, PassedOver) else []
    notes += [f"{why}."] if why else []
    return replace(turn, explanation=" ".join([*notes, turn.explanation])) if notes else turn


def preview(ctx: Ctx, text: str) -> Outcome:
    """Who would get a lead posted as ``text`` now, and why; the relay rolls the turn back."""
    ctx.require_reader("preview the rotation")
    parsed = parse_lead_post(text, phones=ctx.config.phones)
    if isinstance(parsed, Unparsed):
        return Outcome(
            f"Preview: I couldn't read a lead in that ({parsed.reason}), so it would be kept as "
            f"unparsed for a manager. A lead looks like `{EXAMPLE_POST}`."
        )
    lead = lead_from(parsed, None)
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


def route_fixed(ctx: Ctx, lead: Lead) -> str:
    """Route a lead a manager has just fixed (:meth:`Lead.fix`) as a parsed post is routed:
    the contact's owner, else the pool the rules pick; its card is already in its thread."""
    turn = _route(ctx, lead)
    assert turn is not None  # no prospector: a fixed post is inbound
    ctx.save(lead)
    return announce_assignment(ctx, lead, turn)
