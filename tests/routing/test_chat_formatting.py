"""How a figure and its change are written in every chat (``routing.chat.formatting``)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from routing.chat.formatting import format_change, format_figure, format_minutes, format_wait
from routing.metrics import Delta


def test_changes_are_signed_with_points_for_shares_and_units_for_times() -> None:
    def delta(kind: str, current: float, before: float, percent: float | None) -> Delta:
        return Delta("k", "K", kind, current, before, current - before, percent)  # type: ignore[arg-type]

    assert format_change(delta("count", 3, 5, -40.0)) == "-2, -40%"
    assert format_change(delta("count", 2, 2, 0.0)) == "±0"
    assert format_change(delta("count", 1, 0, None)) == "+1"
    assert format_change(delta("share", 2 / 6, 0.5, None)) == "-17 pts"
    assert format_change(delta("minutes", 15.0, 16.0, -6.25)) == "-1 min, -6%"
    assert format_change(None) == ""
    assert format_figure(Decimal("1234567.5"), "money") == "1,234,567.50"
    assert format_figure(None, "minutes") == "–"


def test_times_are_written_in_their_two_largest_units() -> None:
    assert format_minutes(7.5) == "7.5 min"
    assert format_minutes(80) == "1 h 20 min"
    assert format_wait(timedelta(days=10, hours=22, minutes=58)) == "10 d 22 h"  # not rounded up
    assert format_wait(timedelta(hours=3, minutes=5)) == "3 h 05 min"
