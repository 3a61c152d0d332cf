"""The funnel chart is read back from its PNG: one bar per non-empty step, lengths in proportion."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import numpy as np
from matplotlib import colors
from matplotlib import image as mpimg

from bot.chart import BAR_COLOUR, funnel_bars, funnel_chart_png, funnel_figure
from routing.metrics import Conversion, FunnelReport, funnel, period_for

STEPS = ("leads", "claimed", "qualified", "handed to closers", "won", "handed to account managers")


def report(*counts: int) -> FunnelReport:
    """A report whose funnel steps have ``counts``: leads (all inbound), claimed, qualified…"""
    period = period_for(
        "day", datetime(2026, 11, 23, 8, tzinfo=UTC), ZoneInfo("UTC"), previous_complete=True
    )
    conversions = tuple(
        Conversion(a, b, x, y, y / x if x else None)
        for (a, x), (b, y) in pairwise(zip(STEPS, counts, strict=True))
    )
    return replace(funnel([], period, period.end, {}), inbound=counts[0], conversions=conversions)


def bars_in(png: bytes) -> list[int]:
    """The length in pixels of each bar-coloured horizontal band, top to bottom."""
    pixels = mpimg.imread(io.BytesIO(png), format="png")[:, :, :3]
    target = np.array(colors.to_rgb(BAR_COLOUR))
    is_bar = np.abs(pixels - target).max(axis=2) < 0.02
    rows = is_bar.sum(axis=1)
    lengths: list[int] = []
    inside = False
    for width in rows:
        if width and not inside:
            lengths.append(0)
        if width:
            lengths[-1] = max(lengths[-1], int(width))
        inside = bool(width)
    return lengths


def test_the_chart_is_a_png_with_one_bar_per_step_in_proportion_to_its_count() -> None:
    counts = (40, 30, 20, 10, 5, 2)
    lengths = bars_in(funnel_chart_png(report(*counts)))
    assert len(lengths) == 6
    assert lengths == sorted(lengths, reverse=True), "leads on top, narrowing down"
    for length, count in zip(lengths, counts, strict=True):
        assert abs(length / lengths[0] - count / counts[0]) < 0.02, (lengths, counts)


def test_a_step_with_nothing_in_it_draws_no_bar() -> None:
    lengths = bars_in(funnel_chart_png(report(12, 12, 6, 0, 0, 0)))
    assert len(lengths) == 3
    assert abs(lengths[2] / lengths[0] - 0.5) < 0.02
    assert abs(lengths[1] - lengths[0]) <= 1


def test_an_empty_period_still_gives_a_chart() -> None:
    png = funnel_chart_png(report(0, 0, 0, 0, 0, 0))
    assert png.startswith(b"\x89PNG")
    assert bars_in(png) == []


def test_the_same_report_always_gives_the_same_bytes() -> None:
    assert funnel_chart_png(report(9, 7, 3, 2, 1, 1)) == funnel_chart_png(report(9, 7, 3, 2, 1, 1))


def test_each_bar_is_labelled_with_its_count_and_the_conversion_from_the_step_before() -> None:
    assert funnel_bars(report(40, 30, 0, 0, 0, 0)) == [
        ("Leads", 40, None),
        ("Claimed", 30, 0.75),
        ("Qualified", 0, 0.0),
        ("Handed to closers", 0, None),
        ("Won", 0, None),
        ("Handed to AM", 0, None),
    ]
    axes = funnel_figure(report(40, 30, 20, 10, 5, 2)).axes[0]
    labels = [text.get_text() for text in axes.texts]
    assert labels[:3] == ["40", "30 · 75% of leads", "20 · 67% of claimed"]
    assert next(tick.get_text() for tick in axes.get_yticklabels()) == "Leads"


def test_the_figure_can_be_saved_smaller_for_a_teams_card() -> None:
    """Teams embeds the chart in the card itself (about 28 KB for everything), at a lower dpi."""
    buffer = io.BytesIO()
    figure = funnel_figure(report(1234, 999, 450, 300, 120, 80))
    figure.savefig(buffer, format="png", dpi=60, metadata={"Software": None})
    assert len(buffer.getvalue()) < 15_000
    assert len(bars_in(buffer.getvalue())) == 6
