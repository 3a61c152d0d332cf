"""One owner per contact: a lead whose buyer already has an open lead or is a customer goes to
that owner, whether it is new or leaving the queue.

When the owner is away or off shift, the lead waits for them in the queue of the pool the rules
pick, for as long as that pool waits (``pools: <pool>: {wait_for_owner_hours: N}`` in the rules
file, 24 h by default): it goes to the owner as soon as they are back, and to the rotation once
the wait is over. An owner known to be gone past the end of the wait (away until a later date)
is not waited for: the lead goes to the rotation at once. Every case says why, in the thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from routing.chat import owners
from routing.clock import short_datetime
from routing.lead import Lead
from routing.roles import Platform
from routing.rotation import AWAY_FOREVER_YEAR, Candidate, unavailable_reason
from routing.rotation.shifts import next_working_moment
from routing.team import Rep
from routing.usecases.assignment import Turn
from routing.usecases.context import Ctx


@dataclass(frozen=True)
class PassedOver:
    """The contact has an owner who can't take the lead and is not waited for: the lead goes
    to the rotation, and ``why`` says so."""

    why: str


def match_owner(
    ctx: Ctx, lead: Lead, pool: str | None = None, prefix: str = ""
) -> Turn | PassedOver | None:
    """The owner of an open lead or customer with the same email or company domain, and why.

    A :class:`Turn` to the owner assigns ``lead`` to them; a :class:`Turn` to nobody that
    ``waits_for`` them leaves it for the caller to queue in ``pool`` (nothing recorded here);
    :class:`PassedOver` sends it to ``pool``'s rotation; ``None``: no owned match.
    """
    other = ctx.uow.leads.find_open_match(lead.email, lead.email_domain)
    if other is None or other.owner_id is None or other.id == lead.id:
        return None
    owner = ctx.uow.reps.get(other.owner_id)
    by = "email" if other.email and other.email == lead.email else f"domain {lead.email_domain}"
    contact = owners.same_contact(by, other.ref, other.title, other.stage.label)
    absent = _absent(owner, ctx.now)
    if absent is None:
        why = owners.goes_to_owner(contact, owner.name)
        lead.pool = other.pool
        lead.assign(owner.id or 0, ctx.now, f"{prefix}{why}", how="match")
        lead.fields["matched_lead"] = other.ref
        return Turn(owner, why)
    return _while_absent(ctx, lead, pool or other.pool or "qualifier", owner, contact, absent)


def _while_absent(
    ctx: Ctx, lead: Lead, pool: str, owner: Rep, contact: str, absent: str
) -> Turn | PassedOver:
    """Wait for an absent owner while the pool's wait lasts and they may be back within it."""
    hours = ctx.config.rules.wait_for_owner_hours(pool)
    rule = owners.pool_wait(hours, pool)
    ends = (lead.created_at or ctx.now) + timedelta(hours=hours)
    back = back_at(owner, ctx.now)
    if ctx.now < ends and (back is None or back <= ends):
        lead.pool = pool
        until = short_datetime(ends, ctx.config.timezone)
        why = owners.waits_for_owner(contact, owner.name, absent, until, rule)
        return Turn(None, why, waits_for=owner)
    waited = lead.created_at is not None and ctx.now >= ends and hours > 0
    return PassedOver(owners.owner_passed_over(contact, owner.name, absent, rule, waited=waited))


def _absent(rep: Rep, now: datetime) -> str | None:
    """Why the owner can't take a lead now (away, off shift), in words; ``None`` when they can.
    Their caps and limits are the rotation's business, not an account's."""
    as_member = Candidate(
        rep.id or 0, rep.name, 1, 0, 0, rep.timezone, rep.away_until, rep.away_note, rep.hours
    )
    return unavailable_reason(as_member, now)


def back_at(rep: Rep, now: datetime) -> datetime | None:
    """When the rep can next take a lead: the end of their time away (if it has a date), then
    the start of their next shift; ``None`` when nobody knows (away until they're back)."""
    moment = now
    if rep.away_until is not None and rep.away_until > now:
        if rep.away_until.year >= AWAY_FOREVER_YEAR:
            return None
        moment = rep.away_until
    return next_working_moment(moment, rep.hours, rep.timezone)


def crm_owner_turn(ctx: Ctx, lead: Lead, owner: tuple[Platform, str] | None) -> Turn | None:
    """Assign ``lead`` to the rep who owns its contact in the CRM, when that rep is in a
    rotation (the CRM is the system of record); ``None`` otherwise, and the rotation picks (an
    owner Baton does not know is replaced)."""
    if owner is None:
        return None
    rep = ctx.uow.reps.find(*owner)
    pools = ctx.uow.pools.memberships_of(rep.id or 0) if rep is not None else []
    if rep is None or not pools:
        return None
    why = f"{rep.name} owns this contact in the CRM, so it stays with them."
    lead.pool = pools[0][0].name
    lead.assign(rep.id or 0, ctx.now, why, how="crm")
    return Turn(rep, why)
