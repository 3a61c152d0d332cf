"""A person's chat profile changed: the rep Baton keeps for them takes the new name and timezone.

Slack sends ``user_change`` for everyone in the workspace whenever they edit their profile; a rep
renamed there is then named anew everywhere Baton names them (thread replies, lists, digests, the
dashboard, CSV). Only people already in Baton's team are touched: a profile edit never adds anyone.
Names and timezones enter by the one rule for outside text (:func:`routing.limits.fitted_text`),
as an adapter's :class:`~routing.usecases.context.Actor` does.
"""

from __future__ import annotations

from routing import limits
from routing.roles import Platform
from routing.status import AwayStatuses, ChatStatus
from routing.usecases.context import Ctx, Outcome
from routing.usecases.status import status_changed

NOT_IN_TEAM = "Not in Baton's team."


def profile_changed(
    ctx: Ctx, platform: Platform, user_id: str, name: str | None, timezone: str | None = None
) -> Outcome:
    """Store a rep's new name (and timezone) as their chat shows it now."""
    rep = ctx.uow.reps.find(platform, user_id)
    if rep is None:
        return Outcome(NOT_IN_TEAM)
    fitted = limits.fitted_text(name, limits.REP_NAME).strip() if name else ""
    zone = timezone if timezone and len(timezone) <= limits.TIMEZONE else None
    before = rep.name
    changed = False
    if fitted and fitted != rep.name:
        rep.name, changed = fitted, True
    if zone and zone != rep.timezone:
        rep.timezone, changed = zone, True
    if not changed:
        return Outcome(f"{rep.mention}'s profile is unchanged.")
    ctx.uow.reps.save(rep)
    if rep.name != before:
        return Outcome(f"{before} is now named {rep.name}.")
    return Outcome(f"{rep.mention}'s timezone is now {rep.timezone}.")


def user_changed(
    ctx: Ctx,
    platform: Platform,
    user_id: str,
    name: str | None,
    timezone: str | None,
    status: ChatStatus,
    away: AwayStatuses,
) -> Outcome:
    """One profile edit: the name and timezone, then the status (away or back), together."""
    if ctx.uow.reps.find(platform, user_id) is None:
        return Outcome(NOT_IN_TEAM)
    renamed = profile_changed(ctx, platform, user_id, name, timezone)
    status_outcome = status_changed(ctx, platform, user_id, status, away)
    return Outcome(f"{renamed.reply} {status_outcome.reply}")
