"""Fair, explainable rotation within one pool: who gets the next lead, and why.

The decision is pure. Storage loads a pool's members, calls :func:`pick`, and writes back the
new credits in the same transaction, under a lock; that is what makes the rotation safe with
several replicas. Nothing here reads a clock: ``now`` is passed in.

- :mod:`routing.rotation.fairness` — the pick and the credit it settles;
- :mod:`routing.rotation.availability` — who can take a lead now, and why not;
- :mod:`routing.rotation.hours` — time zones and working hours;
- :mod:`routing.rotation.wording` — days, dates and times as chat shows them.
"""

from routing.rotation.availability import (
    SCALE,
    Candidate,
    SkipReason,
    skip_reason,
    unavailable_reason,
)
from routing.rotation.fairness import Pick, pick, returning_credit, shares
from routing.rotation.hours import (
    AWAY_FOREVER_YEAR,
    WorkingHours,
    local_midnight,
    local_now,
    rep_zone,
    zone_label,
)

__all__ = [
    "AWAY_FOREVER_YEAR",
    "SCALE",
    "Candidate",
    "Pick",
    "SkipReason",
    "WorkingHours",
    "local_midnight",
    "local_now",
    "pick",
    "rep_zone",
    "returning_credit",
    "shares",
    "skip_reason",
    "unavailable_reason",
    "zone_label",
]
