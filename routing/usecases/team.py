"""Managing the rotations: who is in which pool, who is away, and their working hours."""

from __future__ import annotations

from datetime import date, datetime, time

from routing.clock import zone
from routing.commands import UserRef
from routing.errors import InvalidInput, NotAllowed, NotFound
from routing.roles import Platform, Role
from routing.rotation import AWAY_FOREVER_YEAR, WorkingHours, level_credit
from routing.team import Membership, Rep
from routing.usecases.assignment import announce_assignment, level_in_pools, next_in
from routing.usecases.context import Ctx, Outcome

AWAY_INDEFINITELY = datetime(AWAY_FOREVER_YEAR, 12, 31, tzinfo=zone("UTC"))
"""``away`` with no date: away until they say `/rotation back`."""


def add(
    ctx: Ctx, user: UserRef, role: Role, weight: int, cap: int | None, pool: str | None
) -> Outcome:
    ctx.require_manager("change the rotations")
    rep = ctx.ensure_rep(ctx.actor.platform, user.user_id, user.name)
    if role is Role.MANAGER:
        rep.is_manager = True
        ctx.uow.reps.save(rep)
        return Outcome(f"{rep.mention} is now a manager.")
    name = pool or role.value
    existing = ctx.uow.pools.get(name)
    if existing is not None and existing.role is not role:
        raise InvalidInput(f"The {name} pool is for {existing.role.label}s, not {role.label}s.")
    member, added = _seat(ctx, rep, name, role)
    member.weight, member.cap = weight, cap
    ctx.uow.pools.save_members([member])
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
    """``rep``'s membership of ``pool``, created level with the others if new (and say so)."""
    ctx.uow.pools.ensure(pool, role)
    ctx.uow.pools.lock(pool)
    members = ctx.uow.pools.members(pool)
    member = next((m for m in members if m.rep_id == rep.id), None)
    if member is not None:
        return member, False
    member = Membership(
        pool=pool,
        rep=rep,
        credit=level_credit([m.candidate() for m in members], ctx.now),
        position=max((m.position for m in members), default=-1) + 1,
    )
    ctx.uow.pools.add_member(member)
    return member, True


def remove(ctx: Ctx, user: UserRef, role: Role, pool: str | None) -> Outcome:
    ctx.require_manager("change the rotations")
    rep = ctx.ensure_rep(ctx.actor.platform, user.user_id, user.name)
    if role is Role.MANAGER:
        rep.is_manager = False
        ctx.uow.reps.save(rep)
        return Outcome(f"{rep.mention} is no longer a manager.")
    name = pool or role.value
    if not ctx.uow.pools.remove_member(name, rep.id or 0):
        raise NotFound(f"{rep.mention} is not in the {_label(name)} pool.")
    return Outcome(f"Removed {rep.mention} from the {_label(name)} pool.{_still_owns(ctx, rep)}")


def _still_owns(ctx: Ctx, rep: Rep) -> str:
    owned = ctx.uow.leads.owned_by(rep.id or 0)
    if not owned:
        return ""
    refs = ", ".join(lead.ref for lead in owned[:10])
    who = "You still own" if rep.id == ctx.actor.id else "They still own"
    return (
        f" {who} {len(owned)} open lead(s) ({refs}): a manager can `/lead reassign <id> @someone`."
    )


def join(ctx: Ctx, role: Role) -> Outcome:
    if role is Role.MANAGER:
        raise NotAllowed(
            "Only a manager can make someone a manager: `/rotation add @user manager`."
        )
    return add_self(ctx, role)


def add_self(ctx: Ctx, role: Role) -> Outcome:
    _member, added = _seat(ctx, ctx.actor, role.value, role)
    if not added:
        return Outcome(f"You're already in the {role.label} pool.")
    return Outcome(f"You joined the {role.label} pool.{drain(ctx, role.value)}")


def leave(ctx: Ctx, role: Role) -> Outcome:
    if not ctx.uow.pools.remove_member(role.value, ctx.actor.id or 0):
        raise NotFound(f"You're not in the {role.label} pool.")
    return Outcome(f"You left the {role.label} pool.{_still_owns(ctx, ctx.actor)}")


def away(ctx: Ctx, user: UserRef | None, until: date | None) -> Outcome:
    rep = _subject(ctx, user, "set someone else away")
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
    drained = return_to_rotation(ctx, rep)
    who = "Welcome back" if rep.id == ctx.actor.id else f"{rep.mention} is back"
    return Outcome(f"{who}: back in the rotation, level with the others.{drained}")


def return_to_rotation(ctx: Ctx, rep: Rep) -> str:
    """End ``rep``'s time away: level with the others, and drain what waited for them."""
    rep.away_until, rep.away_note = None, None
    ctx.uow.reps.save(rep)
    level_in_pools(ctx, rep)
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
        f"Working hours for {rep.mention}: {start:%H:%M}–{end:%H:%M} ({rep.timezone}).{drained}"
    )


def _subject(ctx: Ctx, user: UserRef | None, what: str) -> Rep:
    if user is None or user.user_id == ctx.actor.user_id:
        return ctx.actor
    ctx.require_manager(what)
    return ctx.ensure_rep(ctx.actor.platform, user.user_id, user.name)


def drain(ctx: Ctx, pool: str) -> str:
    """Assign queued leads of ``pool``, oldest first, while someone is available."""
    assigned = []
    for lead in ctx.uow.leads.queued(pool):
        turn = next_in(ctx, pool)
        if turn.rep is None:
            break
        lead.assign(turn.rep.id or 0, ctx.now, f"From the queue. {turn.explanation}")
        ctx.save(lead)
        announce_assignment(ctx, lead, turn)
        assigned.append(lead.ref)
    return f" Assigned from the queue: {', '.join(assigned)}." if assigned else ""


def _terms(member: Membership) -> str:
    cap = f", cap {member.cap}/day" if member.cap else ""
    return f"weight {member.weight}{cap}"


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
