"""The pick: which available rep gets the next lead, so that everyone gets their fair share.

Fair share is counted lead by lead. At each turn the reps who can take it share that one lead
by weight (weights 1 and 3 present: a quarter and three quarters), and the share is added to
each one's *credit*, their lag behind what is fair; the rep who gets the lead pays one whole
lead. Credit is therefore in leads whoever is away: a rep's share of a turn they sit out is
nobody's debt, and a heavy rep leaving changes the others' shares, never their scale.

Of the reps who are not ahead of the pool (credit at least the mean), the one whose next whole
lead falls due soonest wins — the earliest-eligible-virtual-deadline rule (EEVDF). It keeps
every rep within about one lead of their share and spreads a heavy rep's turns: weights 2, 1, 1
give A, B, A, C. Equal deadlines go to the heavier rep, then to whoever was assigned least
recently, then to pool position.

Nothing a rep does between two turns changes the pick: ``seated`` (could take the last turn)
is written only by a turn. A rep who sat turns out comes back level when they were behind
(positive credit, earned before they left, is dropped, except what a manager granted) and keeps
their place when ahead, so a long absence neither floods nor starves them, and leaving and
coming back never gains anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from types import MappingProxyType

from routing.rotation.availability import SCALE, Candidate, SkipReason, skip_reason

__all__ = ["Pick", "pick", "returning_credit", "shares"]


def _pool_words(pool: str) -> str:
    return pool.replace("_", " ")


@dataclass(frozen=True)
class Pick:
    """The outcome of one turn: who (if anyone), the new rotation state, and who sat out why.

    ``chosen`` is the candidate as passed in; ``credits``/``seated``/``held`` hold every
    candidate's new values (skipped reps keep their credit and are no longer seated).
    ``eligible`` maps each available rep to their weight, ``skips`` each skipped rep to the kind
    of reason; both are what the digest's fair-share figures are computed from.
    """

    chosen: Candidate | None
    credits: Mapping[int, int]
    skipped: tuple[tuple[str, str], ...]
    seated: Mapping[int, bool] = field(default_factory=dict)
    held: Mapping[int, int] = field(default_factory=dict)
    eligible: Mapping[int, int] = field(default_factory=dict)
    skips: Mapping[int, SkipReason] = field(default_factory=dict)

    def explanation(self, pool: str) -> str:
        """One or two sentences for chat saying why this rep, or why nobody."""
        rotation = f"the {_pool_words(pool)} rotation"
        reasons = "; ".join(f"{name}: {reason}" for name, reason in self.skipped)
        if self.chosen is None and not self.skipped:
            return f"Nobody is in {rotation}; the lead waits in the queue until someone joins."
        if self.chosen is None:
            return (
                f"Nobody in {rotation} is available ({reasons}); the lead waits in the queue "
                "and goes to the first rep who becomes available."
            )
        note = f"; {self.chosen.note}" if self.chosen.note else ""
        text = f"{self.chosen.name} is next in {rotation} (weight {self.chosen.weight}{note})."
        return f"{text} Skipped: {reasons}." if reasons else text

    def record(self, pool: str) -> dict[str, object]:
        """The turn as JSON-safe data for the ``assigned`` event's ``rotation`` payload."""
        return {
            "pool": pool,
            "eligible": {str(rep): weight for rep, weight in self.eligible.items()},
            "skipped": {str(rep): kind.value for rep, kind in self.skips.items()},
        }


def shares(weights: Mapping[int, int]) -> dict[int, int]:
    """One lead (``SCALE``) split by weight; the remainders go by largest fraction, then order,
    so the shares always add up to exactly one lead and credit never drifts."""
    total = sum(weights.values())
    exact = {rep: SCALE * weight for rep, weight in weights.items()}
    base = {rep: value // total for rep, value in exact.items()}
    short = SCALE - sum(base.values())
    order = sorted(weights, key=lambda rep: -(exact[rep] % total))
    for rep in order[:short]:
        base[rep] += 1
    return base


def returning_credit(candidate: Candidate) -> int:
    """The credit a rep takes a turn with: level (at most what a manager granted) when they
    sat the last turn out and were behind, their own otherwise."""
    if candidate.seated:
        return candidate.credit
    return min(candidate.credit, max(candidate.held, 0))


def _in_pool_order(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Sorted by position (rep id breaks a tie, for determinism); duplicate reps are a bug."""
    ordered = sorted(candidates, key=lambda c: (c.position, c.rep_id))
    if len({c.rep_id for c in ordered}) != len(ordered):
        raise ValueError("pick() got the same rep twice")
    return ordered


def pick(candidates: Sequence[Candidate], now: datetime) -> Pick:
    """Choose the next rep among the available candidates and settle everyone's credit."""
    ordered = _in_pool_order(candidates)
    found = {c.rep_id: skip_reason(c, now) for c in ordered}
    available = [c for c in ordered if found[c.rep_id] is None]
    skips = {rep: reason[0] for rep, reason in found.items() if reason is not None}
    skipped = tuple((c.name, reason[1]) for c in ordered if (reason := found[c.rep_id]))
    credits = {c.rep_id: c.credit for c in ordered}
    held = {c.rep_id: c.held for c in ordered}
    seated = {c.rep_id: found[c.rep_id] is None for c in ordered}
    eligible = {c.rep_id: c.weight for c in available}
    if not available:
        return Pick(None, MappingProxyType(credits), skipped, seated, held, eligible, skips)
    for c, share in zip(available, shares(eligible).values(), strict=True):
        credits[c.rep_id] = returning_credit(c) + share
    winner = _earliest_due(available, credits)
    credits[winner.rep_id] -= SCALE
    held[winner.rep_id] = min(winner.held, max(credits[winner.rep_id], 0))
    return Pick(winner, MappingProxyType(credits), skipped, seated, held, eligible, skips)


def _earliest_due(available: Sequence[Candidate], credits: Mapping[int, int]) -> Candidate:
    """Lag is measured from the available reps' mean credit, so only differences matter and
    someone is always eligible; ``× count`` keeps the arithmetic in integers."""
    count = len(available)
    total = sum(credits[c.rep_id] for c in available)
    lag = {c.rep_id: credits[c.rep_id] * count - total for c in available}
    eligible = [c for c in available if lag[c.rep_id] >= 0]

    def due(c: Candidate) -> tuple[Fraction, int, float, int, int]:
        last = c.last_assigned_at.timestamp() if c.last_assigned_at else float("-inf")
        deadline = Fraction(SCALE * count - lag[c.rep_id], c.weight)
        return (deadline, -c.weight, last, c.position, c.rep_id)

    return min(eligible, key=due)
