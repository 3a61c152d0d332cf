"""The ``FunnelReport`` a digest shows and the dataclasses of its parts."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Tenure:
    """Customers won before the period ended and not churned before it began, as of ``now``.

    Each one's tenure runs from ``won`` to ``churned``, or to ``now`` while still a customer.
    """

    customers: int
    median_months: float | None


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
    """One rep's period: leads assigned to them, claimed, qualified, and won value as owner.

    ``median_minutes_to_claim`` runs from the lead's latest assignment to the rep's claim; an
    outbound lead counts as assigned and claimed at once but has no time to claim.
    """

    rep_id: int
    name: str
    assigned: int
    claimed: int
    median_minutes_to_claim: float | None
    qualified: int
    won_value: Decimal


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
