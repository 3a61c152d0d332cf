"""A pool driven by random churn through the real :func:`routing.rotation.pick`, with an
independent ledger of fair shares, for the property tests and the fairness measurement script.

The ledger knows only who could take each turn (the turn's ``eligible`` record) and the one rule
for coming back: a rep who sat the previous turn out returns level when they were behind.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction

from routing.rotation import SCALE, Candidate, pick

NOW = datetime(2025, 11, 19, 12, 0, tzinfo=UTC)
FAR = NOW + timedelta(days=30)

Op = tuple[str, int, int]
"""(kind, rep, value): ``lead``, ``away``, ``back``, ``join``, ``leave``, ``weight``, ``cap``."""


@dataclass
class Ledger:
    """Fair share, independently: each turn splits one lead among its eligible reps by weight."""

    lag: dict[int, Fraction] = field(default_factory=dict)
    last_turn: frozenset[int] = frozenset()

    def turn(self, eligible: dict[int, int], chosen: int) -> dict[int, Fraction]:
        """Settle one turn; return the lags the turn was decided on (shares in, none paid)."""
        total = sum(eligible.values())
        for rep in eligible:
            lag = self.lag.get(rep, Fraction(0))
            if rep not in self.last_turn:
                lag = min(lag, Fraction(0))
            self.lag[rep] = lag + Fraction(eligible[rep], total)
        decided = {rep: self.lag[rep] for rep in eligible}
        self.lag[chosen] -= 1
        self.last_turn = frozenset(eligible)
        return decided

    def nobody(self) -> None:
        self.last_turn = frozenset()


@dataclass
class Sim:
    """Members by rep id; ``received`` counts today's leads for the cap."""

    members: dict[int, Candidate] = field(default_factory=dict)
    received: dict[int, int] = field(default_factory=dict)
    ledger: Ledger = field(default_factory=Ledger)
    picks: list[tuple[int, dict[int, int], dict[int, Fraction]]] = field(default_factory=list)
    tick: int = 0

    @classmethod
    def of(cls, weights: list[int]) -> Sim:
        sim = cls()
        for rep, weight in enumerate(weights, start=1):
            sim.apply(("join", rep, weight))
        return sim

    def apply(self, op: Op) -> None:
        kind, rep, value = op
        member = self.members.get(rep)
        if kind == "lead":
            self.lead()
        elif kind == "join" and member is None:
            self.join(rep, value)
        elif kind == "leave" and member is not None and len(self.members) > 1:
            del self.members[rep]
            self.ledger.lag.pop(rep, None)
        elif member is not None:
            self.members[rep] = _changed(member, kind, value)

    def join(self, rep: int, weight: int) -> None:
        position = max((c.position for c in self.members.values()), default=-1) + 1
        self.members[rep] = Candidate(rep, f"r{rep}", weight, 0, position, "UTC", seated=False)
        self.ledger.lag[rep] = Fraction(0)

    def lead(self) -> int | None:
        candidates = [
            replace(c, received_today=self.received.get(c.rep_id, 0)) for c in self.members.values()
        ]
        result = pick(candidates, NOW)
        self.tick += 1
        for c in self.members.values():
            self.members[c.rep_id] = replace(
                c,
                credit=result.credits[c.rep_id],
                seated=result.seated[c.rep_id],
                held=result.held[c.rep_id],
            )
        if result.chosen is None:
            self.ledger.nobody()
            return None
        chosen = result.chosen.rep_id
        at = NOW + timedelta(seconds=self.tick)
        self.members[chosen] = replace(self.members[chosen], last_assigned_at=at)
        self.received[chosen] = self.received.get(chosen, 0) + 1
        decided = self.ledger.turn(dict(result.eligible), chosen)
        self.picks.append((chosen, dict(result.eligible), decided))
        return chosen

    def available(self) -> dict[int, int]:
        return {
            c.rep_id: c.weight
            for c in self.members.values()
            if c.away_until is None and (c.cap is None or self.received.get(c.rep_id, 0) < c.cap)
        }


def _changed(member: Candidate, kind: str, value: int) -> Candidate:
    if kind == "away":
        return replace(member, away_until=FAR)
    if kind == "back":
        return replace(member, away_until=None)
    if kind == "weight":
        return replace(member, weight=value)
    if kind == "cap":
        return replace(member, cap=value or None)
    return member


def credit_scale() -> Fraction:
    """How far the rotation's integer credit may sit from the ledger's exact one (rounding)."""
    return Fraction(8, SCALE)
