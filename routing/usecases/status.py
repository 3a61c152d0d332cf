"""A rep's chat status changed: away while it says out of office, back when it is cleared.

The status's away and return go through the same steps as `/rotation away` and `/rotation back`
(level return, queue drain). A status is acted on once: after a rep's own `/rotation back` the
same status (same text, emoji and expiration) does not send them away again; a new one does.
An away the rep set by hand is never ended by a status change.
"""

from __future__ import annotations

from routing.roles import Platform
from routing.status import AwayStatuses, ChatStatus, away_note
from routing.team import Rep
from routing.usecases.context import Ctx, Outcome
from routing.usecases.team import AWAY_INDEFINITELY, return_to_rotation


def status_changed(
    ctx: Ctx, platform: Platform, user_id: str, status: ChatStatus, away: AwayStatuses
) -> Outcome:
    rep = ctx.uow.reps.find(platform, user_id)
    if rep is None:
        return Outcome("Not in Baton's team.")
    until = status.expires_at()
    if away.means_away(status) and (until is None or until > ctx.now):
        return _away_by_status(ctx, rep, status)
    return _status_cleared(ctx, rep)


def _away_by_status(ctx: Ctx, rep: Rep, status: ChatStatus) -> Outcome:
    if rep.away_status == status.fingerprint:
        return Outcome(f"{rep.mention}'s status is unchanged.")
    if _away_by_hand(ctx, rep):
        rep.away_status = status.fingerprint
        ctx.uow.reps.save(rep)
        return Outcome(f"{rep.mention} is already away by their own `/rotation away`.")
    rep.away_until = status.expires_at() or AWAY_INDEFINITELY
    rep.away_note = away_note(status, rep.platform.value.capitalize())
    rep.away_status = status.fingerprint
    ctx.uow.reps.save(rep)
    return Outcome(f"{rep.mention} is away ({rep.away_note}): no new leads in the meantime.")


def _status_cleared(ctx: Ctx, rep: Rep) -> Outcome:
    if rep.away_status is None:
        return Outcome(f"{rep.mention}'s status doesn't concern Baton.")
    rep.away_status = None
    if rep.away_note is None or not _is_away(ctx, rep):
        ctx.uow.reps.save(rep)
        return Outcome(f"{rep.mention}'s status is cleared.")
    drained = return_to_rotation(ctx, rep)
    return Outcome(f"{rep.mention} is back: status cleared.{drained}")


def _is_away(ctx: Ctx, rep: Rep) -> bool:
    return rep.away_until is not None and rep.away_until > ctx.now


def _away_by_hand(ctx: Ctx, rep: Rep) -> bool:
    return _is_away(ctx, rep) and rep.away_note is None
