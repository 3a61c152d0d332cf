"""Jinja2 templates (package data, autoescaped) and the filters that format figures for them.

Figures are written by the formatters every chat uses (``routing.chat.formatting``) and the
sentences are the digest's own (``routing.chat.digest``), so a number reads the same in the digest
and on the dashboard.
"""

from __future__ import annotations

from decimal import Decimal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from bot.web.dashboard.charts import funnel_svg, trend_svg
from routing.chat.digest import bottleneck
from routing.chat.formatting import (
    NOTHING,
    format_change,
    format_figure,
    format_minutes,
    format_money,
    format_reasons,
    format_share,
    format_tenure,
)
from routing.dashboard.periods import CHOICES
from routing.lead import format_lead_id
from routing.metrics import Delta
from routing.stages import Stage


def environment(currency: str = "") -> Environment:
    """The templates, amounts written in ``currency`` (``BATON_CURRENCY``)."""
    env = Environment(
        loader=PackageLoader("bot.web.dashboard", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        money=lambda amount: NOTHING if amount is None else format_money(Decimal(amount), currency),
        minutes=lambda m: NOTHING if m is None else format_minutes(float(m)),
        share=format_share,
        change=lambda delta: format_change(delta, currency),
        figure=lambda value, kind: format_figure(value, kind, currency),
        lead_ref=format_lead_id,
        reasons=format_reasons,
        tenure=format_tenure,
        stamp=lambda moment, tz: (
            "" if moment is None else f"{moment.astimezone(tz):%Y-%m-%d %H:%M}"
        ),
    )
    env.globals.update(
        period_choices=CHOICES,
        stages=list(Stage),
        bottleneck=bottleneck,
        funnel_svg=funnel_svg,
        trend_svg=lambda points: trend_svg(points, currency),
        tone=tone,
        crm_on=False,
    )
    return env


def tone(delta: Delta | None) -> str:
    """``better``, ``worse`` or ``same``: the CSS class of a change."""
    if delta is None or delta.change is None or delta.change == 0:
        return "same"
    up = delta.change > 0
    return "better" if up == delta.higher_is_better else "worse"
