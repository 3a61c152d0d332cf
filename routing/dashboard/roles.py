"""The per-role tables: qualifiers, closers and account managers, one row per rep.

The columns the digest already has (assigned, claimed, median time to claim, qualified,
received vs fair share, skips; customers taken on, expansion, churn) are taken from the
digest's own :class:`routing.metrics.RepRow`; the others count the period's events the way the
digest's rep table does: an event belongs to its ``owner_id``, or to its actor when it has no
owner, and counts when its time is inside the period. Each column counts one kind of event, so
a column adds up to the team's figure of the same name (proposals requested and presented are
two columns, as they are two figures). An account manager's tenure is
:func:`routing.metrics.tenure_of` over the customers they own now, the overview's function.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from routing.events import EventType, LeadEvent
from routing.metrics import CustomerSpan, FunnelReport, Tenure, tenure_of
from routing.metrics.compute import event_amount
from routing.metrics.periods import Period


@dataclass(frozen=True)
class QualifierRow:
    rep_id: int
    name: str
    assigned: int
    claimed: int
    median_minutes_to_claim: float | None
    qualified: int
    disqualified: int
    received: int = 0
    fair_share: float = 0.0
    skipped: int = 0
    """Rotation turns that passed the rep over (away, outside hours, at a cap…)."""


@dataclass(frozen=True)
class CloserRow:
    rep_id: int
    name: str
    meetings: int
    proposals_requested: int
    proposals_presented: int
    won: int
    won_value: Decimal
    lost: int

    @property
    def win_rate(self) -> float | None:
        closed = self.won + self.lost
        return self.won / closed if closed else None


@dataclass(frozen=True)
class AccountManagerRow:
    rep_id: int
    name: str
    customers_taken_on: int
    expansion_value: Decimal
    churned: int
    tenure: Tenure
    """Of the customers they own now, as of the report's ``now``."""


@dataclass(frozen=True)
class RoleTables:
    qualifiers: tuple[QualifierRow, ...]
    closers: tuple[CloserRow, ...]
    account_managers: tuple[AccountManagerRow, ...]


@dataclass
class _Tally:
    counts: dict[EventType, int] = field(default_factory=lambda: defaultdict(int))
    won_value: Decimal = Decimal(0)


def role_tables(
    report: FunnelReport,
    events: Iterable[LeadEvent],
    roles: Mapping[str, Sequence[int]],
    names: Mapping[int, str],
    customers: Mapping[int, Sequence[CustomerSpan]],
) -> RoleTables:
    """Rows for the reps in each role (``roles``: role name → rep ids), from ``report``'s period;
    ``customers`` are each account manager's customers now."""
    tallies = _tallies(events, report.period)
    digest_rows = {row.rep_id: row for row in report.reps}

    def name(rep_id: int) -> str:
        return names.get(rep_id, f"rep {rep_id}")

    qualifiers = []
    for rep_id in roles.get("qualifier", ()):
        row, tally = digest_rows.get(rep_id), tallies[rep_id]
        qualifiers.append(
            QualifierRow(
                rep_id,
                name(rep_id),
                row.assigned if row else 0,
                row.claimed if row else 0,
                row.median_minutes_to_claim if row else None,
                row.qualified if row else 0,
                tally.counts[EventType.DISQUALIFIED],
                row.received if row else 0,
                row.fair_share if row else 0.0,
                sum(row.skipped.values()) if row else 0,
            )
        )
    closers = [_closer(rep_id, name(rep_id), tallies[rep_id]) for rep_id in roles.get("closer", ())]
    managers = [
        AccountManagerRow(
            rep_id,
            name(rep_id),
            customers_taken_on=row.customers_taken_on if row else 0,
            expansion_value=row.expansion_value if row else Decimal(0),
            churned=row.churned if row else 0,
            tenure=tenure_of(customers.get(rep_id, ()), report.period, report.now),
        )
        for rep_id, row in ((r, digest_rows.get(r)) for r in roles.get("account_manager", ()))
    ]
    return RoleTables(tuple(qualifiers), tuple(closers), tuple(managers))


def _tallies(events: Iterable[LeadEvent], period: Period) -> dict[int, _Tally]:
    tallies: dict[int, _Tally] = defaultdict(_Tally)
    for event in events:
        rep = event.owner_id if event.owner_id is not None else event.actor_id
        if rep is None or not period.contains(event.at):
            continue
        tally = tallies[rep]
        tally.counts[event.type] += 1
        if event.type is EventType.WON:
            tally.won_value += event_amount(event)
    return tallies


def _closer(rep_id: int, name: str, tally: _Tally) -> CloserRow:
    counts = tally.counts
    return CloserRow(
        rep_id,
        name,
        meetings=counts[EventType.MEETING],
        proposals_requested=counts[EventType.PROPOSAL_REQUESTED],
        proposals_presented=counts[EventType.PROPOSAL_PRESENTED],
        won=counts[EventType.WON],
        won_value=tally.won_value,
        lost=counts[EventType.LOST],
    )


def win_rate(report: FunnelReport) -> float | None:
    """Won ÷ (won + lost) of the period's closes; ``None`` when nothing closed."""
    closed = report.won + report.lost
    return report.won / closed if closed else None
