"""What each dashboard page shows, rendered in the worker thread inside the read snapshot.

Filters that break a rule (a date out of range, a NUL in a search) are a 400 page that says
what was wrong above the page's own form, so the fix is one edit away.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from datetime import datetime

from jinja2 import Environment

from bot.web.dashboard.collector import collector_paused
from routing.audit import MAX_PAGE as AUDIT_PAGES
from routing.chat.digest_numbers import numbers_view
from routing.clock import zone
from routing.dashboard.filters import LeadFilters, parse_filters
from routing.dashboard.numbers_export import numbers_csv
from routing.dashboard.ports import DashboardReads
from routing.dashboard.roles import win_rate
from routing.dashboard.scope import Viewer, scoped_filters
from routing.errors import InvalidInput
from routing.metrics import Period
from routing.usecases.context import Ctx
from routing.usecases.dashboard import (
    AuditPage,
    TrendPoint,
    crm_backlog,
    lead_detail,
    leads_page,
    numbers_of,
    overview,
    owner_choices,
    period_for_choice,
)
from routing.usecases.dashboard import (
    audit_page as audit_of,
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
class Page:
    """A rendered page and its status."""

    html: str
    status: int = 200


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
) -> Page:
    try:
        parsed, period = _overview_period(ctx, query)
    except InvalidInput as refused:
        return refused_filters(env, ctx, viewer, "overview", refused)
    if len(trend_cache) > MAX_CACHED_WEEKS:
        trend_cache.clear()
    with collector_paused():  # tens of thousands of events, none in a cycle (collector.py)
        shown = overview(ctx, reads, viewer, period, trend_cache)
    period_only = LeadFilters(period=parsed.period, first=parsed.first, last=parsed.last)
    html = env.get_template("overview.html").render(
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
    return Page(html)


def leads_list_page(
    env: Environment, ctx: Ctx, viewer: Viewer, reads: DashboardReads, query: Mapping[str, str]
) -> Page:
    try:
        page = leads_page(ctx, reads, viewer, parse_filters(query))
    except InvalidInput as refused:
        return refused_filters(env, ctx, viewer, "leads", refused)
    html = env.get_template("leads.html").render(
        page="leads",
        viewer=viewer,
        filters=page.filters,
        period_query="",
        page_data=page,
        tz=zone(ctx.config.timezone),
        **_leads_form_choices(ctx),
    )
    return Page(html)


def refused_filters(
    env: Environment, ctx: Ctx, viewer: Viewer, page: str, refused: InvalidInput
) -> Page:
    """400: what was wrong with the filters, above the form of the ``page`` they were for
    (``overview`` or ``leads``), cleared so that it works as it is."""
    choices = _leads_form_choices(ctx) if page == "leads" else {}
    html = env.get_template("filters_refused.html").render(
        page=page,
        viewer=viewer,
        message=refused.message,
        filters=LeadFilters(),
        period_query="",
        **choices,
    )
    return Page(html, 400)


def _leads_form_choices(ctx: Ctx) -> dict[str, object]:
    """The owners (reps in a rotation or owning a lead) and pools the leads form offers."""
    owners = owner_choices(ctx)
    return {
        "owner_choices": sorted(owners.items(), key=lambda item: item[1].casefold()),
        "pools": sorted(pool.name for pool in ctx.uow.pools.all()),
    }


def lead_page(env: Environment, ctx: Ctx, viewer: Viewer, lead_id: int) -> Page:
    detail = lead_detail(ctx, viewer, lead_id)
    html = env.get_template("lead.html").render(
        page="leads",
        viewer=viewer,
        period_query="",
        lead=detail.lead,
        events=detail.events,
        owners=detail.owners,
        original_post=detail.original_post,
        timeline=detail.timeline,
        tz=zone(ctx.config.timezone),
    )
    return Page(html)


def audit_page(env: Environment, ctx: Ctx, viewer: Viewer, query: Mapping[str, str]) -> Page:
    """Managers' Audit page: who changed what, when, newest first, paged. A page that is not
    a number in range is a 400 that says so above the page's own form (a rep is told there is
    no such page first, whatever they ask)."""
    raw = query.get("page", "1")
    try:
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 6):
            audit_of(ctx, viewer, 1)  # a rep: "not found" before anything else
            raise InvalidInput(f"The page must be a number from 1 to {AUDIT_PAGES:,}, like page=2.")
        shown, refused = audit_of(ctx, viewer, int(raw)), None
    except InvalidInput as error:
        shown, refused = AuditPage((), 1, has_next=False), error.message
    html = env.get_template("audit.html").render(
        page="audit",
        viewer=viewer,
        audit=shown,
        refused=refused,
        tz=zone(ctx.config.timezone),
        period_query="",
    )
    return Page(html, 400 if refused else 200)


def crm_page(env: Environment, ctx: Ctx, viewer: Viewer) -> Page:
    """Managers' CRM page: writes waiting, and writes HubSpot refused with its message (a rep,
    or a server without HubSpot, is told there is no such page)."""
    html = env.get_template("crm.html").render(
        page="crm",
        viewer=viewer,
        backlog=crm_backlog(ctx, viewer),
        tz=zone(ctx.config.timezone),
        period_query="",
    )
    return Page(html)


def numbers_export(
    env: Environment, ctx: Ctx, viewer: Viewer, query: Mapping[str, str]
) -> str | Page:
    """The manager's numbers of the page's period as CSV text (``numbers.csv``), or the
    overview's 400 when its period breaks a rule."""
    try:
        _parsed, period = _overview_period(ctx, query)
    except InvalidInput as refused:
        return refused_filters(env, ctx, viewer, "overview", refused)
    with collector_paused():
        return numbers_csv(numbers_of(ctx, viewer, period))


def _overview_period(ctx: Ctx, query: Mapping[str, str]) -> tuple[LeadFilters, Period]:
    """The overview's period (this week when none is chosen); ``InvalidInput`` for one that
    breaks a rule."""
    parsed = parse_filters(query, default_period=True)
    assert parsed.period is not None
    return parsed, period_for_choice(ctx, parsed.period, parsed.first, parsed.last)


def export_of(
    env: Environment, ctx: Ctx, viewer: Viewer, query: Mapping[str, str]
) -> Export | Page:
    """The export the query asks for, or the leads page's 400 when its filters break a rule."""
    try:
        filters = scoped_filters(viewer, parse_filters(query))
        period = (
            period_for_choice(ctx, filters.period, filters.first, filters.last)
            if filters.period
            else None
        )
    except InvalidInput as refused:
        return refused_filters(env, ctx, viewer, "leads", refused)
    names = {rep.id or 0: rep.name for rep in ctx.uow.reps.all()}
    return Export(filters, period, names, ctx.config.currency)
