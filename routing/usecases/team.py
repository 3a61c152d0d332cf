"""Managing the rotations: who is in which pool, who is away, and their working hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time

from routing.audit import AuditKind
from routing.calendars import CALENDAR_NOTE
from routing.chat.formatting import plural
from routing.clock import zone
from routing.commands import UserRef
from routing.errors import InvalidInput, NotAllowed, NotFound
from routing.roles import Platform, Role
from routing.rotation import AWAY_FOREVER_YEAR, SCALE, WorkingHours
from routing.team import ClaimMode, Membership, Rep, RotationEvent
from routing.usecases.assignment import Turn, announce_assignment, give, next_in
from routing.usecases.context import Ctx, Outcome
from routing.usecases.matching import PassedOver, match_owner
from routing.usecases.rep_emails import learn_email

AWAY_INDEFINITELY = datetime(AWAY_FOREVER_YEAR, 12, 31, tzinfo=zone("UTC"))
"""``away`` with no date: away until they say `/rotation back`."""


def add(
    ctx: Ctx,
    user: UserRef,
    role: Role,
    weight: int,
    cap: int | None,
    pool: str | None,
    max_open: int | None = None,
    email: str | None = None,
) -> Outcome:
    ctx.require_manager("change the rotations")
    rep = ctx.ensure_rep(ctx.actor.platform, user.user_id, user.name)
    if email:
        learn_email(ctx.uow, rep.id or 0, email.lower())
    if role is Role.MANAGER:
        rep.is_manager = True
        ctx.uow.reps.save(rep)
        ctx.audit(AuditKind.ROTATION_ADD, rep.name, role="manager")
        return Outcome(f"{rep.mention} is now a manager.")
    name = pool or role.value
    existing = ctx.uow.pools.get(name)
    if existing is not None and existing.role is not role:
        raise InvalidInput(f"The {name} pool is for {existing.role.label}s, not {role.label}s.")
    member, added = _seat(ctx, rep, name, role)
    member.weight, member.cap, member.max_open = weight, cap, max_open
    ctx.uow.pools.save_members([member])
    change = "added" if added else "updated"
    ctx.audit(AuditKind.ROTATION_ADD, rep.name, pool=name, terms=_terms(member), change=change)
    if not added:
        drained = drain(ctx, name)
        return Outcome(
            f"Updated {rep.mention} in the {_label(name)} pool: {_terms(member)}.{drained}"
        )
    ctx.tell(
        rep.id, f"{ctx.actor.mention} added you to the {_label(name)} rotation ({_terms(member)})."
    )
    drained = drain(ctx, name)
    return Outcome(f"Added {rep.mention} to the {_label(name)} pool: {_terms(member)}.{drained}")


def _seat(ctx: Ctx, rep: Rep, pool: str, role: Role) -> tuple[Membership, bool]:
    """``rep``'s membership of ``pool``, created level (no credit) if new (and say so)."""
    ctx.uow.pools.ensure(pool, role)
    ctx.uow.pools.lock(pool)
    members = ctx.uow.pools.members(pool)
    member = next((m for m in members if m.rep_id == rep.id), None)
    if member is not None:
        return member, False
    member = Membership(
        pool=pool, rep=rep, position=max((m.position for m in members), default=-1) + 1
    )
    ctx.uow.pools.add_member(member)
    return member, True


def remove(ctx: Ctx, user: UserRef, role: Role, pool: str | None) -> Outcome:
    ctx.require_manager("change the rotations")
    rep = ctx.ensure_rep(ctx.actor.platform, user.user_id, user.name)
    if role is Role.MANAGER:
        rep.is_manager = False
        ctx.uow.reps.save(rep)
        ctx.audit(AuditKind.ROTATION_REMOVE, rep.name, role="manager")
        return Outcome(f"{rep.mention} is no longer a manager.")
    name = pool or role.value
    if not ctx.uow.pools.remove_member(name, rep.id or 0):
        raise NotFound(f"{rep.mention} is not in the {_label(name)} pool.")
    ctx.audit(AuditKind.ROTATION_REMOVE, rep.name, pool=name)
    return Outcome(f"Removed {rep.mention} from the {_label(name)} pool.{_still_owns(ctx, rep)}")


def _still_owns(ctx: Ctx, rep: Rep) -> str:
    owned = ctx.uow.leads.owned_by(rep.id or 0)
    if not owned:
        return ""
    refs = ", ".join(lead.ref for lead in owned[:10])
    who = "You still own" if rep.id == ctx.actor.id else "They still own"
    return (
        f" {who} {plural(len(owned), 'open lead')} ({refs}): "
        "a manager can `/lead reassign <id> @someone`."
    )


def join(ctx: Ctx, role: Role) -> Outcome:
    if role is Role.MANAGER:
        raise NotAllowed(
            "Only a manager can make someone a manager: `/rotation add @user manager`."
        )
    if role.value in ctx.config.self_join or ctx.is_manager():
        return add_self(ctx, role)
    if any(m.rep_id == ctx.actor.id for m in ctx.uow.pools.members(role.value)):
        return Outcome(f"You're already in the {role.label} pool.")
    return _refuse_join(ctx, role)


def _refuse_join(ctx: Ctx, role: Role) -> Outcome:
    """Self-service joining is off for ``role`` (``BATON_SELF_JOIN``): a rotation's members read
    every lead, so a manager decides. The managers hear of the ask once, with the command that
    grants it; the answer is an outcome, not an error, so that message is kept."""
    managers = ctx.managers()
    ctx.tell_managers(
        f"{ctx.actor.mention} asked to join the {role.label} rotation. Joining it yourself is "
        f"off, so nothing changed; to add them: `/rotation add @{ctx.actor.name} {role.value}`."
    )
    told = "I've told the managers you asked." if managers else ctx.managers_line()
    return Outcome(
        f"Joining the {role.label} rotation yourself is off here: a manager adds reps. {told}"
    )


def add_self(ctx: Ctx, role: Role) -> Outcome:
    _member, added = _seat(ctx, ctx.actor, role.value, role)
    if not added:
        return Outcome(f"You're already in the {role.label} pool.")
    ctx.audit(AuditKind.ROTATION_ADD, ctx.actor.name, pool=role.value, joined="themselves")
    return Outcome(f"You joined the {role.label} pool.{drain(ctx, role.value)}")


def leave(ctx: Ctx, role: Role) -> Outcome:
    if not ctx.uow.pools.remove_member(role.value, ctx.actor.id or 0):
        raise NotFound(f"You're not in the {role.label} pool.")
    ctx.audit(AuditKind.ROTATION_REMOVE, ctx.actor.name, pool=role.value, left="themselves")
    return Outcome(f"You left the {role.label} pool.{_still_owns(ctx, ctx.actor)}")


def away(ctx: Ctx, user: UserRef | None, until: date | None) -> Outcome:
    rep = _subject(ctx, user, "set someone else away")
    _require_in_a_rotation(ctx, rep)
    tz = zone(rep.timezone)
    rep.away_until = (
        datetime.combine(until, time(0), tz) if until is not None else AWAY_INDEFINITELY
    )
    if rep.away_until <= ctx.now:
        raise InvalidInput("That date is already past; pick a day after today.")
    rep.away_note = None
    ctx.uow.reps.save(rep)
    when = f"until {until:%a %d %b}" if until else "until `/rotation back`"
    who = "You are" if rep.id == ctx.actor.id else f"{rep.mention} is"
    return Outcome(f"{who} away {when}: no new leads in the meantime.{_still_owns(ctx, rep)}")


def back(ctx: Ctx, user: UserRef | None) -> Outcome:
    rep = _subject(ctx, user, "bring someone else back")
    _override_calendar(ctx, rep)
    drained = return_to_rotation(ctx, rep)
    who = "Welcome back" if rep.id == ctx.actor.id else f"{rep.mention} is back"
    return Outcome(f"{who}: back in the rotation, level with the others.{drained}")


def _override_calendar(ctx: Ctx, rep: Rep) -> None:
    """A `/rotation back` during a calendar's away period wins for the rest of that period."""
    if rep.away_note != CALENDAR_NOTE:
        return
    calendar = ctx.uow.calendars.get(rep.id or 0)
    if calendar is not None:
        calendar.overridden_key = calendar.applied_key
        ctx.uow.calendars.save(calendar)


def return_to_rotation(ctx: Ctx, rep: Rep) -> str:
    """End ``rep``'s time away (their credit is as they left it) and drain what waited."""
    rep.away_until, rep.away_note = None, None
    ctx.uow.reps.save(rep)
    return "".join(drain(ctx, pool.name) for pool, _m in ctx.uow.pools.memberships_of(rep.id or 0))


def hours(
    ctx: Ctx, user: UserRef | None, start: time | None, end: time | None, days: frozenset[int]
) -> Outcome:
    rep = _subject(ctx, user, "set someone else's hours")
    rep.hours = WorkingHours(start, end, days) if start and end else None
    ctx.uow.reps.save(rep)
    drained = "".join(
        drain(ctx, pool.name) for pool, _m in ctx.uow.pools.memberships_of(rep.id or 0)
    )
    if rep.hours is None:
        return Outcome(f"Working hours cleared for {rep.mention}: available any time.{drained}")
    return Outcome(
        f"Working hours for {rep.mention}: {rep.hours.describe()} ({rep.timezone}).{drained}"
    )


def _require_in_a_rotation(ctx: Ctx, rep: Rep) -> None:
    """Away only skips a rep's rotation turns: for someone in no rotation it would change
    nothing, so nothing is changed and they are said to be in none."""
    if ctx.uow.pools.memberships_of(rep.id or 0):
        return
    who = "You're" if rep.id == ctx.actor.id else f"{rep.mention} is"
    raise InvalidInput(
        f"{who} in no rotation, so there is nothing to be away from: nothing changed. "
        f"A manager adds someone to one with `/rotation add @{rep.name} qualifier`."
    )


def subject(ctx: Ctx, user: UserRef | None, what: str) -> Rep:
    """The rep a command is about: the actor, or (managers only) the one mentioned."""
    return _subject(ctx, user, what)


def _subject(ctx: Ctx, user: UserRef | None, what: str) -> Rep:
    if user is None or user.user_id == ctx.actor.user_id:
        return ctx.actor
    ctx.require_manager(what)
    return ctx.ensure_rep(ctx.actor.platform, user.user_id, user.name)


def drain(ctx: Ctx, pool: str) -> str:
    """Assign queued leads of ``pool``, oldest first, while someone is available.

    Each lead is matched again first: a contact that found an owner while it waited (its twin
    left the queue a moment ago) goes to that owner, whatever the rotation says.
    """
    assigned = []
    for lead in ctx.uow.leads.queued(pool):
        matched = match_owner(ctx, lead, pool, prefix="From the queue. ")
        if isinstance(matched, Turn) and matched.rep is None:
            continue  # still waiting for its contact's owner
        if isinstance(matched, Turn):
            turn = matched
        else:
            turn = next_in(ctx, pool)
            if turn.rep is None:
                break
            passed = f"{matched.why} " if isinstance(matched, PassedOver) else ""
            give(ctx, lead, turn, prefix=f"From the queue. {passed}")
            turn = replace(turn, explanation=f"{passed}{turn.explanation}")
        ctx.save(lead)
        announce_assignment(ctx, lead, turn)
        assigned.append(lead.ref)
    return f" Assigned from the queue: {', '.join(assigned)}." if assigned else ""


def set_mode(ctx: Ctx, pool: str, mode: ClaimMode) -> Outcome:
    """`/rotation mode <pool> assigned|open`: who may claim an unclaimed lead in ``pool``."""
    ctx.require_manager("change a pool's claim mode")
    if ctx.uow.pools.get(pool) is None:
        raise NotFound(f"There is no {_label(pool)} pool. `/rotation show` lists them.")
    ctx.uow.pools.set_claim_mode(pool, mode)
    ctx.audit(AuditKind.CLAIM_MODE, f"pool {pool}", mode=mode.value)
    who = (
        "any rep in the pool may claim an unclaimed lead; the first to claim wins"
        if mode is ClaimMode.OPEN
        else "only the assignee (or a manager) may claim a lead"
    )
    return Outcome(f"The {_label(pool)} pool is now in {mode.value} mode: {who}.")


def credit(ctx: Ctx, user: UserRef, leads: int, reason: str, pool: str | None) -> Outcome:
    """`/rotation credit @user +N|-N <reason>`: move a rep's place by ``leads`` leads (+ sooner)."""
    ctx.require_manager("credit reps in the rotation")
    if not reason.strip():
        raise InvalidInput(
            "Say why, so the team can see it: `/rotation credit @user +1 junk lead`."
        )
    rep = ctx.ensure_rep(ctx.actor.platform, user.user_id, user.name)
    pools = [p for p, _m in ctx.uow.pools.memberships_of(rep.id or 0) if pool in (None, p.name)]
    if not pools:
        raise NotFound(f"{rep.mention} is not in {'the ' + _label(pool) if pool else 'any'} pool.")
    if pool is None and len(pools) > 1:
        names = ", ".join(p.name for p in pools)
        raise InvalidInput(f"{rep.mention} is in several pools ({names}): add `pool=<name>`.")
    name = pools[0].name
    ctx.uow.pools.lock(name)
    member = next(m for m in ctx.uow.pools.members(name) if m.rep_id == rep.id)
    signed = f"{leads:+d} {'lead' if abs(leads) == 1 else 'leads'}"  # +1 lead, -2 leads
    member.credit += leads * SCALE
    member.held = max(0, min(member.held + leads * SCALE, member.credit))
    member.note = f"credit {leads:+d} by {ctx.actor.name}: {reason.strip()}"
    ctx.uow.pools.save_members([member])
    ctx.uow.pools.record(
        RotationEvent(name, rep.id or 0, ctx.now, ctx.actor.id, "credit", leads, reason.strip())
    )
    sooner = "sooner" if leads > 0 else "later"
    ctx.tell(
        rep.id,
        f"{ctx.actor.mention} moved your place in the {_label(name)} rotation "
        f"by {signed} ({reason.strip()}): your next lead comes {sooner}.",
    )
    return Outcome(
        f"{rep.mention} moves {signed} in the {_label(name)} rotation: {reason.strip()}."
        f"{drain(ctx, name)}"
    )


def _terms(member: Membership) -> str:
    cap = f", cap {member.cap}/day" if member.cap else ""
    busy = f", at most {member.max_open} open" if member.max_open is not None else ""
    return f"weight {member.weight}{cap}{busy}"


def _label(pool: str) -> str:
    return pool.replace("_", " ")


def seed_managers(ctx: Ctx) -> Outcome:
    """Give the managers named in ``BATON_MANAGERS`` a rep, so they hear about queued and
    unparsed leads before they have ever spoken to Baton."""
    seeded = []
    for platform, user_id in sorted(ctx.config.managers):
        if platform not in {p.value for p in Platform}:
            continue
        rep = ctx.ensure_rep(Platform(platform), user_id)
        if not rep.is_manager:
            rep.is_manager = True
            ctx.uow.reps.save(rep)
            seeded.append(rep.name)
    return Outcome(f"Managers: {', '.join(seeded) or 'unchanged'}.")


def set_crm_owner(ctx: Ctx, user: UserRef, owner: str) -> Outcome:
    """``/rotation owner @user <owner id or email>``: the rep's owner in the CRM. An id is used
    as it is; an email is looked up in the CRM when Baton next writes for them."""
    ctx.require_manager("set a rep's CRM owner")
    rep = ctx.ensure_rep(ctx.actor.platform, user.user_id, user.name)
    if "@" in owner:
        learn_email(ctx.uow, rep.id or 0, owner.lower())  # the rep's email: their owner's
        ctx.uow.crm_owners.set(rep.id or 0, owner_id="")
        return Outcome(
            f"{rep.mention}'s HubSpot owner is the one with email {owner.lower()}: Baton looks "
            "it up when it next writes for them (`baton crm check` shows the match)."
        )
    ctx.uow.crm_owners.set(rep.id or 0, owner_id=owner)
    return Outcome(f"{rep.mention}'s HubSpot owner is {owner}.")
