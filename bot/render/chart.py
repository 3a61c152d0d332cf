"""The funnel chart: one row per step with this period's bar, the previous period's as a fainter
bar beneath it, the leads that dropped out at that step (disqualified, lost) stacked beside it,
and a label with the count, the conversion from the step above and the won value. A PNG for the
Slack upload, the Teams card and ``baton digest --chart``.

A step that kept every lead of the step above (12 leads, 12 claimed) draws no second bar of the
same length: its row says "all 12" instead. Bars are scaled so that the longest bar and its label
fill the width, whatever the labels' lengths.

Drawn with matplotlib's object API on the Agg canvas, never ``pyplot``: the outbox sender and the
scheduler run in threads, and pyplot's global figure registry is not thread-safe. The same report
always gives the same bytes (fixed size, fonts and no timestamp in the PNG metadata).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # before anything can pick an interactive backend

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.text import Annotation
from PIL import Image

from routing.chat.formatting import format_money
from routing.metrics import FunnelReport

__all__ = [
    "BAR_COLOUR",
    "DROP_COLOUR",
    "PREVIOUS_COLOUR",
    "FunnelBar",
    "funnel_bars",
    "funnel_chart_png",
    "funnel_figure",
    "png_bytes",
]

BAR_COLOUR = "#1f6fb2"
PREVIOUS_COLOUR = "#b9d3ea"
DROP_COLOUR = "#d9826f"
LABEL_COLOUR = "#222222"
QUIET_COLOUR = "#6b6b6b"
WIDTH_INCHES, DPI = 8.0, 100
ROW_INCHES = 0.62
BAR_HEIGHT, PREVIOUS_HEIGHT = 0.5, 0.2
LABEL_GAP_POINTS = 5
PALETTE = 128
STEP_NAMES = (
    "Leads",
    "Claimed",
    "Qualified",
    "Handed to closers",
    "Won",
    "Handed to account managers",
)
DROPS = {"Qualified": "disqualified", "Won": "lost"}
"""The steps where leads leave the funnel, and what the leaving is called."""


@dataclass(frozen=True)
class FunnelBar:
    """One row of the chart: the step, its count, the conversion from the step above, the
    previous period's count (``None``: no previous period given) and the leads that dropped out
    at this step."""

    name: str
    count: int
    rate: float | None
    previous: int | None = None
    dropped: int = 0
    dropped_as: str | None = None

    @property
    def same_as_above(self) -> bool:
        """Kept every lead of the step above: its bar would only repeat the one above it."""
        return self.rate == 1.0 and self.count > 0


def funnel_bars(report: FunnelReport, previous: FunnelReport | None = None) -> list[FunnelBar]:
    """The six funnel steps, top to bottom, with what the chart shows beside each."""
    before = [previous.leads, *(s.to_count for s in previous.conversions)] if previous else None
    counts = [report.leads, *(s.to_count for s in report.conversions)]
    rates: list[float | None] = [None, *(s.rate for s in report.conversions)]
    dropped = {"Qualified": report.disqualified, "Won": report.lost}
    return [
        FunnelBar(
            name=name,
            count=count,
            rate=rate,
            previous=before[i] if before is not None else None,
            dropped=dropped.get(name, 0),
            dropped_as=DROPS.get(name),
        )
        for i, (name, count, rate) in enumerate(zip(STEP_NAMES, counts, rates, strict=True))
    ]


def funnel_figure(
    report: FunnelReport, previous: FunnelReport | None = None, currency: str = ""
) -> Figure:
    """The chart as a figure, for tests that read the bars' geometry; amounts in ``currency``
    (an ISO code, as ``routing.chat.formatting.format_money`` takes it)."""
    bars = funnel_bars(report, previous)
    figure = Figure(figsize=(WIDTH_INCHES, 1.5 + ROW_INCHES * len(bars)), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(bars)))
    axes.set_ylim(len(bars) - 0.45, -0.55)  # the first step on top
    axes.set_yticks(positions, [bar.name for bar in bars], fontsize=10)
    axes.tick_params(axis="y", length=0, pad=8)
    axes.set_xticks([])
    for spine in ("top", "right", "bottom"):
        axes.spines[spine].set_visible(False)
    axes.spines["left"].set_color("#cccccc")
    _draw_bars(axes, bars)
    labels = [_label(axes, position, bar, report, currency) for position, bar in enumerate(bars)]
    for position, bar in enumerate(bars):
        _previous_label(axes, position, bar)
    quiet = all(bar.count == 0 and bar.dropped == 0 for bar in bars)
    _title(figure, report, previous, legend=not quiet or any(bar.previous for bar in bars))
    if quiet:
        axes.text(
            0.5, 0.5, "No leads in this period", transform=axes.transAxes,
            ha="center", va="center", color=QUIET_COLOUR, fontsize=12,
        )  # fmt: skip
    figure.tight_layout(rect=(0, 0, 1, 0.9))
    _fit_width(figure, axes, bars, labels)
    return figure


def _draw_bars(axes: Axes, bars: list[FunnelBar]) -> None:
    for position, bar in enumerate(bars):
        if bar.count and not bar.same_as_above:
            axes.barh(position, bar.count, height=BAR_HEIGHT, color=BAR_COLOUR)
        if bar.dropped:
            axes.barh(position, bar.dropped, left=bar.count, height=BAR_HEIGHT, color=DROP_COLOUR)
        if bar.previous:
            below = position + (BAR_HEIGHT + PREVIOUS_HEIGHT) / 2 + 0.02
            axes.barh(below, bar.previous, height=PREVIOUS_HEIGHT, color=PREVIOUS_COLOUR)


def _label(
    axes: Axes, position: int, bar: FunnelBar, report: FunnelReport, currency: str
) -> Annotation:
    """The row's words, just right of its bar: count, conversion, drop-off, won value.

    A row without a bar of its own (nothing in it, or every lead of the step above) is labelled
    from the axis, so the words never float in the middle of nowhere.
    """
    words = [f"all {bar.count:,}" if bar.same_as_above else f"{bar.count:,}"]
    if position and bar.rate is not None:
        words.append(f"{bar.rate:.0%} of {STEP_NAMES[position - 1].lower()}")
    if bar.dropped_as and bar.dropped:
        words.append(f"{bar.dropped:,} {bar.dropped_as}")
    if bar.name == "Won" and report.won_value:
        words.append(f"worth {format_money(report.won_value, currency)}")
    label = axes.annotate(
        " · ".join(words),
        xy=(_end(bar), position),
        xytext=(LABEL_GAP_POINTS, 0),
        textcoords="offset points",
        va="center",
        ha="left",
        color=LABEL_COLOUR if _end(bar) else QUIET_COLOUR,
        fontsize=10,
        fontweight="bold" if bar.name == "Won" and bar.count else "normal",
        annotation_clip=False,
    )
    label.set_in_layout(False)  # it moves when the bars are scaled to fit
    return label


def _previous_label(axes: Axes, position: int, bar: FunnelBar) -> Annotation | None:
    if not bar.previous:
        return None
    label = axes.annotate(
        f"{bar.previous:,}",
        xy=(bar.previous, position + (BAR_HEIGHT + PREVIOUS_HEIGHT) / 2 + 0.02),
        xytext=(3, 0),
        textcoords="offset points",
        va="center",
        ha="left",
        color=QUIET_COLOUR,
        fontsize=7.5,
        annotation_clip=False,
    )
    label.set_in_layout(False)
    return label


def _end(bar: FunnelBar) -> float:
    """Where the row's own bars end (its label starts there); 0 when it has none."""
    shown = 0 if bar.same_as_above else bar.count
    return shown + bar.dropped


def _title(
    figure: Figure, report: FunnelReport, previous: FunnelReport | None, *, legend: bool
) -> None:
    figure.suptitle(
        f"Funnel · {report.period.label}", x=0.02, y=0.975, ha="left", fontsize=13,
        fontweight="bold",
    )  # fmt: skip
    if not legend:
        return
    handles = [Patch(color=BAR_COLOUR, label="this period")]
    if previous is not None:
        quiet_before = previous.leads == 0 and not any(s.to_count for s in previous.conversions)
        before = f"before: {previous.period.label}" + (" (no leads)" if quiet_before else "")
        handles.append(Patch(color=PREVIOUS_COLOUR, label=before))
    handles.append(Patch(color=DROP_COLOUR, label="dropped out (disqualified, lost)"))
    figure.legend(
        handles=handles, loc="upper left", bbox_to_anchor=(0.02, 0.93), ncols=len(handles),
        frameon=False, fontsize=9, handlelength=1.2, columnspacing=1.4,
    )  # fmt: skip


def _fit_width(figure: Figure, axes: Axes, bars: list[FunnelBar], labels: list[Annotation]) -> None:
    """Scale the bars so that every bar and its label fit, and the widest one fills the axes.

    The previous period's bars count too, with room for their small numbers.
    """
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    width = axes.get_window_extent(renderer).width
    gap = LABEL_GAP_POINTS * figure.dpi / 72
    scale = float("inf")  # pixels per lead
    for bar, label in zip(bars, labels, strict=True):
        room = width - gap - label.get_window_extent(renderer).width - 4
        if _end(bar) > 0:
            scale = min(scale, max(room, width * 0.2) / _end(bar))
        if bar.previous:
            scale = min(scale, (width - 40) / bar.previous)
    axes.set_xlim(0, width / scale if scale != float("inf") else 1.0)


def funnel_chart_png(
    report: FunnelReport, previous: FunnelReport | None = None, dpi: int = DPI, currency: str = ""
) -> bytes:
    """The chart as PNG bytes."""
    return png_bytes(funnel_figure(report, previous, currency), dpi)


def png_bytes(figure: Figure, dpi: int = DPI) -> bytes:
    """``figure`` as a palette PNG: a few flat colours and anti-aliased text need no more than
    ``PALETTE`` colours, and the file is about a third of the full-colour one (Teams embeds the
    chart in a message of about 28 KB)."""
    full = io.BytesIO()
    figure.savefig(full, format="png", dpi=dpi, metadata={"Software": None})
    image = Image.open(io.BytesIO(full.getvalue())).convert("RGB")
    small = io.BytesIO()
    image.quantize(PALETTE, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(
        small, format="png", optimize=True
    )
    return small.getvalue()
