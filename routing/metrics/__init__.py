"""Funnel metrics: pure functions of the event log, a period and ``now``.

The digest, ``/funnel`` and ``baton digest --print`` all read a :class:`FunnelReport`. Flow figures
(how many leads were claimed, qualified, won…) count the events whose time falls inside the
period's half-open interval ``[start, end)``; state figures (the queue, the bottleneck, customer
tenure) describe the leads as of ``now``. Callers pass the events in the window plus whatever
those need from before it: a claimed lead's ``created`` event, and enough of each open lead's
history to replay its current stage; customer tenure comes from the customers' histories, or
from their dates alone (``customers=``, one :class:`CustomerSpan` each), which is much cheaper.

Choices worth knowing when reading the numbers:

- Percentiles (speed to lead, medians everywhere) use linear interpolation; see :func:`percentile`.
- Conversion rates divide this period's counts of neighbouring steps (claimed this period ÷ leads
  created this period, …). They describe flow, not a cohort, so a rate can exceed 1 when leads
  created earlier are claimed now. ``None`` when the earlier step counted 0.
- Speed-to-lead bands include their upper bound: a claim at exactly 5:00 is "within 5 minutes".
- A rep's fair share, received leads and skips come from the rotation's record of each turn;
  see :mod:`routing.metrics.fairness`.
- Averages of money (average deal, cost per lead) are rounded half up to whole currency units.
- Customer tenure is shown once a customer has been one for a month (``Tenure.measurable``).
- Customer tenure is the *median* in months, a month being the mean Gregorian month of
  30.436875 days (365.2425 / 12), so tenures never depend on which months they span.
- The bottleneck is the open stage whose leads have the longest *median* wait, so that one
  forgotten lead does not decide it alone; the report still names that stage's oldest lead.
"""

from __future__ import annotations

from routing.metrics.comparison import Delta, compare
from routing.metrics.comparison import DeltaKind as DeltaKind
from routing.metrics.comparison import Figure as Figure
from routing.metrics.compute import CENT as CENT
from routing.metrics.compute import DAYS_PER_MONTH as DAYS_PER_MONTH
from routing.metrics.compute import NO_REASON as NO_REASON
from routing.metrics.compute import SPEED_BANDS as SPEED_BANDS
from routing.metrics.compute import TOP_REASONS as TOP_REASONS
from routing.metrics.compute import UNKNOWN_SOURCE as UNKNOWN_SOURCE
from routing.metrics.compute import funnel, funnels
from routing.metrics.compute import headline as headline
from routing.metrics.compute import open_bottleneck as open_bottleneck
from routing.metrics.compute import tenure_of as tenure_of
from routing.metrics.fairness import SKIP_REASONS as SKIP_REASONS
from routing.metrics.fairness import RotationTally, RotationTurn, rotation_tallies, rotation_turn
from routing.metrics.periods import TICK as TICK
from routing.metrics.periods import Period, period_for, previous
from routing.metrics.periods import PeriodKind as PeriodKind
from routing.metrics.periods import PeriodUnit as PeriodUnit
from routing.metrics.quantiles import percentile
from routing.metrics.report import MIN_TENURE_MONTHS as MIN_TENURE_MONTHS
from routing.metrics.report import (
    Bottleneck,
    Conversion,
    CustomerSpan,
    FunnelReport,
    ReasonCount,
    RepRow,
    SourceCost,
    SpeedBand,
    SpeedToLead,
    Tenure,
)

__all__ = [
    "Bottleneck",
    "Conversion",
    "CustomerSpan",
    "Delta",
    "FunnelReport",
    "Period",
    "ReasonCount",
    "RepRow",
    "RotationTally",
    "RotationTurn",
    "SourceCost",
    "SpeedBand",
    "SpeedToLead",
    "Tenure",
    "compare",
    "funnel",
    "funnels",
    "percentile",
    "period_for",
    "previous",
    "rotation_tallies",
    "rotation_turn",
]
