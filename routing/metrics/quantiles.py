"""``percentile``: the quantile by linear interpolation that every median and p90 uses."""

from __future__ import annotations

import math
from collections.abc import Iterable


def percentile(values: Iterable[float], fraction: float) -> float | None:
    """The ``fraction`` quantile of ``values`` (0.5 the median, 0.9 the 90th percentile).

    Method: linear interpolation between closest ranks (Hyndman & Fan type 7: numpy's default and
    ``statistics.quantiles(..., method="inclusive")``). Sort the n values x₀ ≤ … ≤ xₙ₋₁, take
    h = (n − 1) · fraction and return x⌊h⌋ + (h − ⌊h⌋) · (x⌊h⌋₊₁ − x⌊h⌋). The median is thus the
    usual one (the mean of the two middle values when n is even), a single value is every
    percentile of itself, and ``None`` stands for no values at all.
    """
    ordered = sorted(values)
    if not ordered:
        return None
    if not 0 <= fraction <= 1:
        raise ValueError(f"a quantile is a fraction between 0 and 1, not {fraction}")
    position = (len(ordered) - 1) * fraction
    below = math.floor(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (position - below) * (ordered[above] - ordered[below])
