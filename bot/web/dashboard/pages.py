"""What each dashboard page shows, rendered in the worker thread inside the read snapshot."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment

from bot.web.dashboard.collector import collector_paused
from routing.chat.digest_numbers import numbers_view
from routing.clock import zone
from routing.dashboard.filters import LeadFilters, parse_filters
from routing.dashboard.numbers_export import numbers_csv
from routing.dashboard.ports import DashboardReads
from routing.dashboard.roles import win_rate
from routing.dashboard.scope import Viewer, scoped_filters
from routing.metrics import Period
from routing.usecases.context import Ctx
from routing.usecases.dashboard import (
    TrendPoint,
    lead_detail,
    leads_page,
    numbers_of,
    overview,
    period_for_choice,
)

TrendCache = MutableMapping[tuple[int | None, datetime], TrendPoint]
MAX_CACHED_WEEKS = 10_000
"""Complete weeks of the trend kept per viewer; past that the cache starts afresh."""

NINE: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("Prospectors", (("outbound", "Outbound leads"),)),
    (
        "Qualifiers",
        (
            ("inbound", "Inbound leads"),
            ("claimed", "Claimed"),
            ("qualified", "Qualified"),
            ("disqualified", "Disqualified"),
            ("handed_to_closers", "Qualified leads handed to closers"),
        ),
    ),
    (
        "Closers",
        (
            ("meetings", "Face-to-face meetings"),
            ("proposals_requested", "Proposals requested"),
            ("proposals_presented", "Proposals presented"),
            ("won", "Sales closed"),
            ("won_value", "Value of sales"),
            ("average_deal", "Average deal"),
        ),
    ),
    (
        "Account managers",
        (
            ("handed_to_account_managers", "Customers handed over"),
            ("expansion_value", "Value customers were enlarged by"),
            ("churned", "Churned"),
            ("tenure", "Customer tenure"),
        ),
    ),
)
"""The nine numbers of the articles Baton grew from, grouped by the role that moves them."""


@dataclass(frozen=True)
class Export:
    """An export the viewer may run: their filters (a rep's pinned to them) and names."""

    filters: LeadFilters
    period: Period | None
    names: dict[int, str]
    currency: str = ""


def overview_page(
    env: Environment,
    ctx: Ctx,
    viewer: Viewer,
    reads: DashboardReads,
    query: Mapping[str, str],
    trend_cache: TrendCache,
) -> str:
    parsed = parse_filters(query, default_period=True)
    assert parsed.period is not None
    period = period_for_choice(ctx, parsed.period, parsed.first, parsed.last)
    if len(trend_cache) > MAX_CACHED_WEEKS:
        trend_cache.clear()
    with collector_paused():  # tens of thousands of events, none in a cycle (collector.py)
        shown = overview(ctx, reads, viewer, period, trend_cache)
    period_only = LeadFilters(period=parsed.period, first=parsed.first, last=parsed.last)
    return env.get_template("overview.html").render(
        page="overview",
        viewer=viewer,
        filters=period_only,
        period_query=period_only.query(),
        report=shown.digest.report,
        previous=shown.digest.previous,
        deltas={d.key: d for d in shown.digest.deltas},
        nine=NINE,
        tables=shown.tables,
        trend=shown.trend,
        win_rate=win_rate,
        timezone=ctx.config.timezone,
        numbers=(
            numbers_view(shown.digest.numbers, shown.digest.currency, full=True)
            if shown.digest.numbers
            else None
        ),
    )


def leads_list_page(
    env: Environment, ctx: Ctx, viewer: Viewer, reads: DashboardReads, query: Mapping[str, str]
) -> str:
    page = leads_page(ctx, reads, viewer, parse_filters(query))
    owners = sorted(page.owners.items(), key=lambda item: item[1].casefold())
    return env.get_template("leads.html").render(
        page="leads",
        viewer=viewer,
        filters=page.filters,
        period_query="",
        page_data=page,
        owner_choices=owners,
        pools=sorted(pool.name for pool in ctx.uow.pools.all()),
        tz=zone(ctx.config.timezone),
    )


def lead_page(env: Environment, ctx: Ctx, viewer: Viewer, lead_id: int) -> str:
    detail = lead_detail(ctx, viewer, lead_id)
    return env.get_template("lead.html").render(
        page="leads",
        viewer=viewer,
        period_query="",
        lead=detail.lead,
        events=detail.events,
        owners=detail.owners,
        tz=zone(ctx.config.timezone),
    )


def numbers_export(ctx: Ctx, viewer: Viewer, query: Mapping[str, str]) -> str:
    """The manager's numbers of the page's period as CSV text (``numbers.csv``)."""
    parsed = parse_filters(query, default_period=True)
    assert parsed.period is not None
    period = period_for_choice(ctx, parsed.period, parsed.first, parsed.last)
    with collector_paused():
        return numbers_csv(numbers_of(ctx, viewer, period))


def export_of(ctx: Ctx, viewer: Viewer, query: Mapping[str, str]) -> Export:
    filters = scoped_filters(viewer, parse_filters(query))
    period = (
        period_for_choice(ctx, filters.period, filters.first, filters.last)
        if filters.period
        else None
    )
    names = {rep.id or 0: rep.name for rep in ctx.uow.reps.all()}
    return Export(filters, period, names, ctx.config.currency)
