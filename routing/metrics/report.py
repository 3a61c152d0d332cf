"""The ``FunnelReport`` a digest shows and the dataclasses of its parts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from routing.metrics.periods import Period
from routing.stages import Stage


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    count: int


@dataclass(frozen=True)
class Conversion:
    """From one funnel step to the next: this period's counts and their ratio."""

    from_step: str
    to_step: str
    from_count: int
    to_count: int
    rate: float | None


@dataclass(frozen=True)
class SpeedBand:
    """Claims whose time to claim is in ``(low, high]`` minutes (``[0, high]`` for the first)."""

    label: str
    low_minutes: float
    high_minutes: float | None
    count: int
    share: float | None


@dataclass(frozen=True)
class SpeedToLead:
    """Minutes from ``created`` to the first ``claimed`` of inbound leads claimed in the period."""

    claims: int
    median_minutes: float | None
    p90_minutes: float | None
    bands: tuple[SpeedBand, ...]

    @property
    def share_within_5_minutes(self) -> float | None:
        return self.bands[0].share


class CustomerSpan(NamedTuple):
    """A won lead's dates, for tenure: when it was won, and when it churned (``None``: it didn't).

    Reading these from a repository (one row per customer) is much cheaper than replaying every
    customer's history, which is why :func:`funnel` accepts them. A tuple, not a dataclass, as a
    large team has tens of thousands of them.
    """

    lead_id: int
    won_at: datetime
    churned_at: datetime | None


MIN_TENURE_MONTHS = 1.0
"""Tenure is shown once some customer has been one this long: before that it measures nothing."""


@dataclass(frozen=True)
class Tenure:
    """Customers won before the period ended and not churned before it began, as of ``now``.

    Each one's tenure runs from ``won`` to ``churned``, or to ``now`` while still a customer.
    """

    customers: int
    median_months: float | None
    longest_months: float | None = None

    @property
    def measurable(self) -> bool:
        """Whether any customer is old enough for tenure to mean something (a month)."""
        longest = self.longest_months if self.longest_months is not None else self.median_months
        return longest is not None and longest >= MIN_TENURE_MONTHS


@dataclass(frozen=True)
class Bottleneck:
    """The open stage whose leads have waited longest (by median) since entering it."""

    stage: Stage
    open_leads: int
    median_wait: timedelta
    oldest_lead_id: int
    oldest_wait: timedelta


@dataclass(frozen=True)
class RepRow:
    """One rep's period: leads assigned to them, claimed, qualified, and won value as owner;
    their rotation turns; and, for account managers, customers taken on, expansion and churn.

    ``median_minutes_to_claim`` runs from the lead's latest assignment to the rep's claim; an
    outbound lead counts as assigned and claimed at once but has no time to claim.
    ``received``, ``fair_share`` and ``skipped`` (turns passed over, by reason: away, hours, cap,
    open_limit) come from the rotation's record of each turn (:mod:`routing.metrics.fairness`);
    ``fair_share`` is a fraction of leads, e.g. 4.5.
    """

    rep_id: int
    name: str
    assigned: int
    claimed: int
    median_minutes_to_claim: float | None
    qualified: int
    won_value: Decimal
    received: int = 0
    fair_share: float = 0.0
    skipped: Mapping[str, int] = field(default_factory=dict)
    customers_taken_on: int = 0
    expansion_value: Decimal = Decimal(0)
    churned: int = 0

    @property
    def sells(self) -> bool:
        """Whether the rep has anything for the sales columns (leads, turns, skips, wins)."""
        return bool(
            self.assigned
            or self.claimed
            or self.qualified
            or self.won_value
            or self.received
            or self.fair_share
            or self.skipped
        )

    @property
    def in_rotation(self) -> bool:
        """Whether any rotation turn in the period gave the rep a lead, a share or a skip."""
        return bool(self.received or self.fair_share or self.skipped)

    @property
    def manages_accounts(self) -> bool:
        """Whether the rep has anything for the account-manager columns."""
        return bool(self.customers_taken_on or self.expansion_value or self.churned)


@dataclass(frozen=True)
class SourceCost:
    """Leads created in the period from one source and what each cost (``None`` if unknown)."""

    source: str
    leads: int
    cost: Decimal | None
    cost_per_lead: Decimal | None


@dataclass(frozen=True)
class FunnelReport:
    """Everything the digest shows for one period. Money is ``Decimal``, rates are fractions."""

    period: Period
    now: datetime
    inbound: int
    outbound: int
    unparsed: int
    claimed: int
    qualified: int
    disqualified: int
    disqualified_reasons: tuple[ReasonCount, ...]
    handed_to_closers: int
    meetings: int
    proposals_requested: int
    proposals_presented: int
    won: int
    won_value: Decimal
    average_deal: Decimal | None
    lost: int
    lost_reasons: tuple[ReasonCount, ...]
    handed_to_account_managers: int
    expansion_value: Decimal
    churned: int
    tenure: Tenure
    conversions: tuple[Conversion, ...]
    speed_to_lead: SpeedToLead
    sla_misses: int
    reassignments: int
    queued: int
    queued_lead_ids: tuple[int, ...]
    bottleneck: Bottleneck | None
    reps: tuple[RepRow, ...]
    cost_per_lead: tuple[SourceCost, ...]

    @property
    def leads(self) -> int:
        return self.inbound + self.outbound
