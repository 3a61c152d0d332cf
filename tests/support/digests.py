"""Digests made by hand for rendering tests: an empty report with the figures under test filled in.

The figures themselves are tested in ``tests/routing/test_metrics.py``; these only need to be
plausible, and the same for every renderer, so that Slack, Teams and text can be compared.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from routing.metrics import (
    Bottleneck,
    Conversion,
    FunnelReport,
    RepRow,
    compare,
    funnel,
    period_for,
    previous,
)
from routing.stages import Stage
from routing.usecases.funnel import Digest

UTC_ZONE = ZoneInfo("UTC")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
PERIOD = period_for("day", NOW, UTC_ZONE, previous_complete=True)
"""Sun 22 Nov 2026, compared with Sat 21 Nov 2026."""
STEPS = ("leads", "claimed", "qualified", "handed to closers", "won", "handed to account managers")
COUNTS = (40, 30, 20, 10, 5, 2)


def rep(i: int, name: str | None = None) -> RepRow:
    """A selling rep whose figures follow from ``i``."""
    return RepRow(i, name or f"Rep {i}", i % 7, i % 5, 3.5 if i % 2 else None, i % 3, Decimal(i))


def all_round(i: int, name: str | None = None) -> RepRow:
    """A rep who sells, takes rotation turns (and is skipped) and manages accounts."""
    return replace(
        rep(i, name),
        received=i % 4,
        fair_share=i % 4 + 0.25,
        skipped={"away": i % 3, "open_limit": 1},
        customers_taken_on=i % 2,
        expansion_value=Decimal(i * 10),
        churned=i % 2,
    )


def empty_report(period: Any = PERIOD) -> FunnelReport:
    return funnel([], period, period.end, {})


def a_digest(**figures: Any) -> Digest:
    """36 inbound and 4 outbound leads, 5 won for 42,000, Ana and Ben, a bottleneck in working;
    the day before had 30 inbound and 4 won. ``figures`` replace any of the report's."""
    steps = list(zip(STEPS, COUNTS, strict=True))
    conversions = tuple(
        Conversion(a, b, x, y, y / x) for (a, x), (b, y) in itertools.pairwise(steps)
    )
    defaults: dict[str, Any] = {
        "inbound": 36,
        "outbound": 4,
        "claimed": 30,
        "qualified": 20,
        "won": 5,
        "won_value": Decimal("42000"),
        "conversions": conversions,
        "reps": (rep(1, "Ana"), rep(2, "Ben")),
        "bottleneck": Bottleneck(Stage.WORKING, 4, timedelta(hours=5), 17, timedelta(days=2)),
    }
    report = replace(empty_report(), **{**defaults, **figures})
    before = previous(PERIOD, UTC_ZONE)
    earlier = replace(empty_report(before), inbound=30, won=4)
    return Digest(report, earlier, compare(report, earlier))


def rebuilds_a_digest(_data: Mapping[str, Any]) -> Digest:
    """A digest source (``routing.usecases.digests.DigestSource``) for notifiers under test:
    :func:`a_digest`, whatever the notice names."""
    return a_digest()
