"""The funnel chart is read back from its PNG: one bar per non-empty step, lengths in proportion,
the previous period and the drop-off in their own colours."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from matplotlib import colors
from matplotlib import image as mpimg

from bot.render.chart import (
    BAR_COLOUR,
    DROP_COLOUR,
    PREVIOUS_COLOUR,
    FunnelBar,
    funnel_bars,
    funnel_chart_png,
    funnel_figure,
    png_bytes,
)
from routing.metrics import Conversion, FunnelReport, funnel, period_for

LEGEND_SHARE = 0.12
"""The top of the chart that holds its title and legend."""
STEPS = ("leads", "claimed", "qualified", "handed to closers", "won", "handed to account managers")


def report(*counts: int, day: int = 23, **figures: Any) -> FunnelReport:
    """A report whose funnel steps have ``counts``: leads (all inbound), claimed, qualified…"""
    period = period_for(
        "day", datetime(2026, 11, day, 8, tzinfo=UTC), ZoneInfo("UTC"), previous_complete=True
    )
    conversions = tuple(
        Conversion(a, b, x, y, y / x if x else None)
        for (a, x), (b, y) in pairwise(zip(STEPS, counts, strict=True))
    )
    empty = funnel([], period, period.end, {})
    return replace(empty, inbound=counts[0], conversions=conversions, **figures)


def bars_in(png: bytes, colour: str = BAR_COLOUR) -> list[int]:
    """The length in pixels of each horizontal band of ``colour``, top to bottom, below the title
    and legend (whose swatches share the bars' colours)."""
    pixels = mpimg.imread(io.BytesIO(png), format="png")[:, :, :3]
    pixels = pixels[int(pixels.shape[0] * LEGEND_SHARE) :]
    target = np.array(colors.to_rgb(colour))
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


def test_a_step_with_nothing_in_it_draws_no_bar_nor_one_that_keeps_every_lead_above() -> None:
    lengths = bars_in(funnel_chart_png(report(12, 12, 6, 0, 0, 0)))
    assert len(lengths) == 2, "leads, then qualified: claimed (all 12) repeats no bar"
    assert abs(lengths[1] / lengths[0] - 0.5) < 0.02
    axes = funnel_figure(report(12, 12, 6, 0, 0, 0)).axes[0]
    assert [t.get_text() for t in axes.texts][:2] == ["12", "all 12 · 100% of leads"]


def test_the_previous_period_is_a_fainter_bar_under_each_step_on_the_same_scale() -> None:
    now, before = report(40, 30, 20, 10, 5, 2), report(20, 15, 10, 5, 0, 0, day=22)
    png = funnel_chart_png(now, before)
    current, previous = bars_in(png), bars_in(png, PREVIOUS_COLOUR)
    assert len(current) == 6
    assert len(previous) == 4, "no faint bar for the steps that had nothing before"
    for length, was in zip(current, previous, strict=False):
        assert abs(was / length - 0.5) < 0.03, (current, previous)


def test_disqualified_and_lost_leads_stand_beside_the_step_they_left() -> None:
    counts = (40, 30, 20, 10, 5, 2)
    png = funnel_chart_png(report(*counts, disqualified=10, lost=5))
    current, dropped = bars_in(png), bars_in(png, DROP_COLOUR)
    assert len(dropped) == 2
    assert abs(dropped[0] / current[0] - 10 / 40) < 0.02, "disqualified, on the leads' scale"
    assert abs(dropped[1] / current[0] - 5 / 40) < 0.02, "lost"
    labels = [t.get_text() for t in funnel_figure(report(*counts, disqualified=10)).axes[0].texts]
    assert labels[2] == "20 · 67% of claimed · 10 disqualified"


def test_the_won_step_says_what_was_won() -> None:
    axes = funnel_figure(report(40, 30, 20, 10, 5, 2, won_value=Decimal("42000"))).axes[0]
    assert [t.get_text() for t in axes.texts][4] == "5 · 50% of handed to closers · worth 42,000"


def test_the_widest_row_and_its_label_fill_the_width() -> None:
    """Bars are scaled to the labels they carry, so the right of the chart is not left empty."""
    figure = funnel_figure(report(412, 377, 198, 121, 47, 41, disqualified=96, lost=38))
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    right = figure.bbox.width
    ends = [text.get_window_extent(renderer).x1 for text in figure.axes[0].texts]
    assert max(ends) <= right
    assert max(ends) > 0.9 * right, (max(ends), right)


def test_an_empty_period_still_gives_a_chart() -> None:
    png = funnel_chart_png(report(0, 0, 0, 0, 0, 0))
    assert png.startswith(b"\x89PNG")
    assert bars_in(png) == []


def test_the_same_report_always_gives_the_same_bytes() -> None:
    assert funnel_chart_png(report(9, 7, 3, 2, 1, 1)) == funnel_chart_png(report(9, 7, 3, 2, 1, 1))


def test_each_bar_is_labelled_with_its_count_and_the_conversion_from_the_step_before() -> None:
    assert funnel_bars(report(40, 30, 0, 0, 0, 0)) == [
        FunnelBar("Leads", 40, None),
        FunnelBar("Claimed", 30, 0.75),
        FunnelBar("Qualified", 0, 0.0, dropped_as="disqualified"),
        FunnelBar("Handed to closers", 0, None),
        FunnelBar("Won", 0, None, dropped_as="lost"),
        FunnelBar("Handed to account managers", 0, None),
    ]
    axes = funnel_figure(report(40, 30, 20, 10, 5, 2)).axes[0]
    labels = [text.get_text() for text in axes.texts]
    assert labels[:3] == ["40", "30 · 75% of leads", "20 · 67% of claimed"]
    ticks = [tick.get_text() for tick in axes.get_yticklabels()]
    assert ticks[0] == "Leads"
    assert ticks[-1] == "Handed to account managers"


def test_an_empty_period_says_so_on_the_chart() -> None:
    texts = [t.get_text() for t in funnel_figure(report(0, 0, 0, 0, 0, 0)).axes[0].texts]
    assert "No leads in this period" in texts
    assert texts[:6] == ["0"] * 6, "no dashes or zero drop-offs cluttering an empty day"


def test_the_figure_can_be_saved_smaller_for_a_teams_card() -> None:
    """Teams embeds the chart in the card itself (about 28 KB for everything), at a lower dpi."""
    figure = funnel_figure(
        report(1234, 999, 450, 300, 120, 80, disqualified=300, lost=60),
        report(1100, 950, 400, 290, 110, 70, day=22),
    )
    png = png_bytes(figure, dpi=60)
    assert len(png) < 10_000
    assert len(bars_in(png)) == 6
    assert len(bars_in(png, PREVIOUS_COLOUR)) == 6
