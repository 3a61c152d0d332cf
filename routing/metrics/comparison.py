"""``Delta`` and ``compare``: a report's headline figures against the previous period's."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from routing.metrics.report import FunnelReport

DeltaKind = Literal["count", "money", "minutes", "share"]
Figure = int | float | Decimal | None


@dataclass(frozen=True)
class Delta:
    """One headline figure now and in the previous period.

    ``change`` is current − previous; ``percent`` is that change as a percentage of the previous
    value (``None`` when the previous value is 0 or either is missing). For shares (fractions)
    ``change`` is in fractions too, i.e. percentage points ÷ 100.
    """

    key: str
    label: str
    kind: DeltaKind
    current: Figure
    previous: Figure
    change: Figure
    percent: float | None
    higher_is_better: bool = True


def compare(current: FunnelReport, previous: FunnelReport) -> list[Delta]:
    """The headline figures of ``current`` with their absolute and percentage change."""
    now_speed, then_speed = current.speed_to_lead, previous.speed_to_lead
    counts = [
        ("inbound", "Inbound leads", current.inbound, previous.inbound, True),
        ("outbound", "Outbound leads", current.outbound, previous.outbound, True),
        ("claimed", "Claimed", current.claimed, previous.claimed, True),
        ("qualified", "Qualified", current.qualified, previous.qualified, True),
        ("disqualified", "Disqualified", current.disqualified, previous.disqualified, False),
        (
            "handed_to_closers",
            "Handed to closers",
            current.handed_to_closers,
            previous.handed_to_closers,
            True,
        ),
        ("meetings", "Meetings", current.meetings, previous.meetings, True),
        (
            "proposals_requested",
            "Proposals requested",
            current.proposals_requested,
            previous.proposals_requested,
            True,
        ),
        (
            "proposals_presented",
            "Proposals presented",
            current.proposals_presented,
            previous.proposals_presented,
            True,
        ),
        ("won", "Won", current.won, previous.won, True),
        ("lost", "Lost", current.lost, previous.lost, False),
        (
            "handed_to_account_managers",
            "Handed to account managers",
            current.handed_to_account_managers,
            previous.handed_to_account_managers,
            True,
        ),
        ("churned", "Churned", current.churned, previous.churned, False),
        ("sla_misses", "SLA misses", current.sla_misses, previous.sla_misses, False),
        ("reassignments", "Reassignments", current.reassignments, previous.reassignments, False),
    ]
    money = [
        ("won_value", "Won value", current.won_value, previous.won_value),
        ("average_deal", "Average deal", current.average_deal, previous.average_deal),
        ("expansion_value", "Expansion", current.expansion_value, previous.expansion_value),
    ]
    return [
        *(_count_delta(key, label, a, b, better) for key, label, a, b, better in counts),
        *(_money_delta(key, label, a, b) for key, label, a, b in money),
        _float_delta(
            "speed_median",
            "Median speed to lead",
            "minutes",
            now_speed.median_minutes,
            then_speed.median_minutes,
            False,
        ),
        _float_delta(
            "speed_p90",
            "90th percentile speed to lead",
            "minutes",
            now_speed.p90_minutes,
            then_speed.p90_minutes,
            False,
        ),
        _float_delta(
            "within_5_minutes",
            "Claimed within 5 minutes",
            "share",
            now_speed.share_within_5_minutes,
            then_speed.share_within_5_minutes,
            True,
        ),
    ]


def _count_delta(key: str, label: str, current: int, before: int, better: bool) -> Delta:
    change = current - before
    percent = change / before * 100 if before else None
    return Delta(key, label, "count", current, before, change, percent, better)


def _money_delta(key: str, label: str, current: Decimal | None, before: Decimal | None) -> Delta:
    if current is None or before is None:
        return Delta(key, label, "money", current, before, None, None)
    change = current - before
    percent = float(change / before * 100) if before else None
    return Delta(key, label, "money", current, before, change, percent)


def _float_delta(
    key: str,
    label: str,
    kind: DeltaKind,
    current: float | None,
    before: float | None,
    better: bool,
) -> Delta:
    if current is None or before is None:
        return Delta(key, label, kind, current, before, None, None, better)
    change = current - before
    percent = change / before * 100 if before else None
    return Delta(key, label, kind, current, before, change, percent, better)
