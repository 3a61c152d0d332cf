"""The funnel chart: one horizontal bar per step, with its count and the conversion from the step
before, as a PNG for the Slack upload, the Teams card and ``baton digest --chart``.

Drawn with matplotlib's object API on the Agg canvas, never ``pyplot``: the outbox sender and the
scheduler run in threads, and pyplot's global figure registry is not thread-safe. The same report
always gives the same bytes (fixed size, fonts and no timestamp in the PNG metadata).
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # before anything can pick an interactive backend

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from routing.metrics import FunnelReport

__all__ = ["BAR_COLOUR", "funnel_bars", "funnel_chart_png", "funnel_figure"]

BAR_COLOUR = "#1f6fb2"
LABEL_COLOUR = "#222222"
WIDTH_INCHES, DPI = 8.0, 100
ROW_INCHES = 0.55
STEP_NAMES = (
    "Leads",
    "Claimed",
    "Qualified",
    "Handed to closers",
    "Won",
    "Handed to AM",
)


def funnel_bars(report: FunnelReport) -> list[tuple[str, int, float | None]]:
    """(step, count, conversion from the step before) for the six funnel steps, top to bottom."""
    bars: list[tuple[str, int, float | None]] = [(STEP_NAMES[0], report.leads, None)]
    for name, step in zip(STEP_NAMES[1:], report.conversions, strict=True):
        bars.append((name, step.to_count, step.rate))
    return bars


def funnel_figure(report: FunnelReport) -> Figure:
    """The chart as a figure, for tests that read the bars' geometry."""
    bars = funnel_bars(report)
    figure = Figure(figsize=(WIDTH_INCHES, 1.2 + ROW_INCHES * len(bars)), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    names = [name for name, _count, _rate in bars]
    counts = [count for _name, count, _rate in bars]
    positions = list(range(len(bars)))
    axes.barh(positions, counts, height=0.62, color=BAR_COLOUR)
    top = max(counts) or 1
    axes.set_xlim(0, top * 1.45)  # room for the labels right of the longest bar
    axes.set_ylim(len(bars) - 0.5, -0.5)  # the first step on top
    axes.set_yticks(positions, names)
    axes.set_xticks([])
    for spine in ("top", "right", "bottom"):
        axes.spines[spine].set_visible(False)
    for position, (_name, count, rate) in enumerate(bars):
        label = f"{count:,}"
        if position:
            before = names[position - 1].lower()
            label += f" · {rate:.0%} of {before}" if rate is not None else " · –"
        axes.text(count + top * 0.02, position, label, va="center", ha="left", color=LABEL_COLOUR)
    axes.set_title(f"Funnel · {report.period.label}", loc="left", fontsize=11)
    figure.tight_layout()
    return figure


def funnel_chart_png(report: FunnelReport) -> bytes:
    """The chart as PNG bytes."""
    buffer = io.BytesIO()
    funnel_figure(report).savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
