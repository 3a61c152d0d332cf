"""Charts as server-rendered SVG: no script, no request, readable with JavaScript off.

Colours and sizes are SVG presentation attributes rather than inline styles, so the page's
Content-Security-Policy can forbid inline style altogether.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from html import escape
from math import ceil

from markupsafe import Markup

from routing.chat.formatting import format_money
from routing.metrics import FunnelReport
from routing.usecases.dashboard import TrendPoint

INK, MUTED, BLUE, GREEN, ORANGE = "#1f2933", "#7b8794", "#2f6fdf", "#2f9e6b", "#d9822b"


def funnel_svg(report: FunnelReport) -> Markup:
    """Horizontal bars: leads → claimed → qualified → handed to closers → won → to AMs."""
    steps = [(report.conversions[0].from_step, report.conversions[0].from_count)] + [
        (c.to_step, c.to_count) for c in report.conversions
    ]
    top = max((count for _, count in steps), default=0) or 1
    row, bars_w = 26, 190
    label_w = label_width(label for label, _ in steps)
    width = label_w + bars_w + 40
    parts = [_svg_open(width, row * len(steps) + 8, "Funnel: leads through each step")]
    for i, (label, count) in enumerate(steps):
        y = i * row + 4
        bar = max(round(bars_w * count / top), 1 if count else 0)
        parts += [
            _text(0, y + 17, label.capitalize(), INK),
            f'<rect x="{label_w}" y="{y + 4}" width="{bar}" height="18" rx="3" fill="{BLUE}"/>',
            _text(label_w + bar + 6, y + 17, str(count), INK),
        ]
    parts.append("</svg>")
    return Markup("".join(parts))


CHAR_WIDTH = 7.2
"""The widest a character of the charts' 12 px system font runs (``W`` and ``m`` in most fonts
are about 0.6 em): what a label column is sized by, so no label runs under a bar."""


def label_width(labels: Iterable[str]) -> int:
    """The label column that holds the longest label (``Handed to account managers``)."""
    return max(150, ceil(CHAR_WIDTH * max((len(label) for label in labels), default=0)) + 10)


def trend_svg(points: Sequence[TrendPoint], currency: str = "") -> Markup:
    """12 weeks: inbound and qualified as bars, won value as a line on its own scale."""
    width, height, left, bottom, top_pad = 720, 240, 44, 36, 16
    plot_w, plot_h = width - left - 56, height - bottom - top_pad
    count_top = max((max(p.inbound, p.qualified) for p in points), default=0) or 1
    value_top = max((p.won_value for p in points), default=Decimal(0)) or Decimal(1)
    slot = plot_w / max(len(points), 1)
    parts = [_svg_open(width, height, "Last 12 weeks: inbound, qualified and won value")]
    base = top_pad + plot_h
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{left + plot_w}" y2="{base}" stroke="{MUTED}"/>'
    )
    parts.append(_text(2, top_pad + 10, str(count_top), MUTED))
    parts.append(_text(left + plot_w + 4, top_pad + 10, format_money(value_top, currency), GREEN))
    line = []
    for i, point in enumerate(points):
        x = left + i * slot
        for j, (value, colour) in enumerate(((point.inbound, BLUE), (point.qualified, ORANGE))):
            h = plot_h * value / count_top
            parts.append(
                f'<rect x="{x + 4 + j * slot * 0.4:.1f}" y="{base - h:.1f}" '
                f'width="{slot * 0.38:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(point.period.label)}: {value}</title></rect>"
            )
        y = base - float(plot_h * (point.won_value / value_top))
        line.append(f"{x + slot / 2:.1f},{y:.1f}")
        week = point.period.start.isocalendar().week
        parts.append(_text(x + slot / 2 - 8, height - 18, f"W{week}", MUTED))
    parts.append(
        f'<polyline points="{" ".join(line)}" fill="none" stroke="{GREEN}" stroke-width="2.5"/>'
    )
    for j, (label, colour) in enumerate(
        (("inbound", BLUE), ("qualified", ORANGE), ("won value", GREEN))
    ):
        x = left + j * 120
        parts.append(f'<rect x="{x}" y="{height - 12}" width="10" height="10" fill="{colour}"/>')
        parts.append(_text(x + 14, height - 3, label, INK))
    parts.append("</svg>")
    return Markup("".join(parts))


def _svg_open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart"><title>{escape(title)}</title>'
    )


def _text(x: float, y: float, text: str, colour: str) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" fill="{colour}" font-size="12" '
        f'font-family="system-ui, sans-serif">{escape(text)}</text>'
    )
