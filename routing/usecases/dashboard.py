"""The dashboard's use cases: a personal link, and what each page shows to whom.

Figures come from the digest's own functions: :func:`routing.usecases.funnel.digest_from` over
the digest's inputs for the period, so the dashboard and the digest never disagree for the same
period. A rep's overview is the digest of their share of those inputs and their rows are the
team's rows for them (the rule is :mod:`routing.dashboard.scope`'s).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from routing.audit import MAX_PAGE as MAX_AUDIT_PAGE
from routing.audit import PAGE_SIZE as AUDIT_PAGE_SIZE
from routing.audit import AuditEntry
from routing.chat.timeline import event_sentence
from routing.clock import zone
from routing.crm.outbox import CrmBacklog
from routing.dashboard.filters import PAGE_SIZE, LeadFilters
from routing.dashboard.links import subject_of
from routing.dashboard.periods import PeriodChoice, period_of, trend_weeks
from routing.dashboard.ports import DashboardReads, LeadRow
from routing.dashboard.roles import RoleTables, role_tables
from routing.dashboard.scope import (
    Viewer,
    is_theirs,
    may_see_lead,
    owned_since,
    scoped_events,
    scoped_filters,
    viewer_for,
)
from routing.errors import InvalidInput, NotFound
from routing.events import LeadEvent
from routing.lead import Lead, format_lead_id
from routing.metrics import (
    CustomerSpan,
    FunnelReport,
    Period,
    headline,
    open_bottleneck,
    previous,
)
from routing.metrics.numbers import Numbers
from routing.team import Rep
from routing.usecases.context import Ctx, Outcome
from routing.usecases.funnel import Digest, digest_from, digest_inputs
from routing.usecases.numbers import numbers_for
from routing.usecases.views import original_post

NOT_SET_UP = "The dashboard is not set up on this server."


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    inbound: int
    qualified: int
    won_value: Decimal


@dataclass(frozen=True)
class Overview:
    viewer: Viewer
    digest: Digest
    tables: RoleTables
    trend: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class LeadsPage:
    viewer: Viewer
    filters: LeadFilters
    period: Period | None
    rows: tuple[LeadRow, ...]
    has_next: bool
    owners: dict[int, str]


@dataclass(frozen=True)
class LeadDetail:
    lead: Lead
    events: tuple[LeadEvent, ...]
    owners: dict[int, str]
    original_post: str | None = None
    """What was posted, for an unparsed lead (as `/lead show` quotes it)."""
    timeline: tuple[tuple[LeadEvent, str], ...] = ()
    """Each event with its sentence, as `/lead show` writes it (:mod:`routing.chat.timeline`)."""


def link(ctx: Ctx) -> Outcome:
    """``/funnel link``: a personal link valid 24 hours, answered only to the one who asked."""
    links = ctx.config.dashboard
    if links is None:
        return Outcome(NOT_SET_UP)
    viewer = viewer_of(ctx, ctx.actor)
    url = links.link_for(subject_of(ctx.actor), ctx.now)
    what = "the whole team" if viewer.sees_all else "your own leads and numbers"
    return Outcome(
        f"Your dashboard link, just for you and valid for 24 hours ({what}):\n{url}",
        data={"private": True, "url": url},
    )


def viewer_of(ctx: Ctx, rep: Rep) -> Viewer:
    """Who ``rep`` is on the dashboard; :class:`NotAllowed` for people in no rotation."""
    in_rotation = bool(ctx.uow.pools.memberships_of(rep.id or 0))
    return viewer_for(
        rep.id or 0, rep.name, is_manager=ctx.is_manager(rep), in_rotation=in_rotation
    )


def period_for_choice(
    ctx: Ctx, choice: PeriodChoice, first: date | None = None, last: date | None = None
) -> Period:
    return period_of(choice, ctx.now, zone(ctx.config.timezone), first, last)


def overview(
    ctx: Ctx,
    reads: DashboardReads,
    viewer: Viewer,
    period: Period,
    trend_cache: MutableMapping[tuple[int | None, datetime], TrendPoint] | None = None,
) -> Overview:
    """The digest of ``period`` (the viewer's share of it), role tables and a 12-week trend.

    ``trend_cache`` keeps the trend's complete weeks between calls: events are stamped when they
    happen, so a week that has ended never changes.
    """
    events, spans = digest_inputs(ctx, period)
    team = digest_from(ctx, period, events, spans)
    digest = team if viewer.sees_all else _their_digest(ctx, viewer, team, events, spans)
    roles = _roles(ctx, viewer)
    customers = _customers(reads, viewer, spans) if roles.get("account_manager") else {}
    tables = role_tables(team.report, events, roles, _names(ctx), customers)
    trend = _trend(ctx, reads, viewer, {} if trend_cache is None else trend_cache)
    return Overview(viewer, digest, tables, trend)


def _their_digest(
    ctx: Ctx,
    viewer: Viewer,
    team: Digest,
    events: Sequence[LeadEvent],
    spans: Sequence[CustomerSpan],
) -> Digest:
    """A rep's overview: the digest of their events, their row as the team's report has it,
    the bottleneck of the open leads they hold, and no queue (a queued lead has no owner)."""
    period = team.report.period
    held = owned_since(viewer.rep_id, events)
    theirs_only = [c for c in spans if c.lead_id in held]
    mine = digest_from(ctx, period, _share(ctx, viewer, events, period), theirs_only, scoped=True)

    def theirs(report: FunnelReport, whole: FunnelReport) -> FunnelReport:
        return replace(
            report,
            reps=tuple(row for row in whole.reps if row.rep_id == viewer.rep_id),
            queued=0,
            queued_lead_ids=(),
            bottleneck=open_bottleneck(events, report.now, viewer.rep_id),
        )

    return replace(
        mine,
        report=theirs(mine.report, team.report),
        previous=theirs(mine.previous, team.previous),
    )


def _share(
    ctx: Ctx, viewer: Viewer, events: Sequence[LeadEvent], period: Period
) -> list[LeadEvent]:
    """The rep's share of the digest's inputs for ``period`` and the period before it."""
    return scoped_events(viewer, events, [period, previous(period, zone(ctx.config.timezone))])


def numbers_of(ctx: Ctx, viewer: Viewer, period: Period) -> Numbers:
    """The manager's numbers of ``period`` as the overview shows them (the CSV export's)."""
    events, _spans = digest_inputs(ctx, period)
    if not viewer.sees_all:
        events = _share(ctx, viewer, events, period)
    return numbers_for(ctx, period, events, scoped=not viewer.sees_all)


def leads_page(ctx: Ctx, reads: DashboardReads, viewer: Viewer, filters: LeadFilters) -> LeadsPage:
    filters = scoped_filters(viewer, filters)
    period = (
        period_for_choice(ctx, filters.period, filters.first, filters.last)
        if filters.period
        else None
    )
    rows = reads.leads_page(filters, period, PAGE_SIZE + 1, (filters.page - 1) * PAGE_SIZE)
    return LeadsPage(
        viewer, filters, period, tuple(rows[:PAGE_SIZE]), len(rows) > PAGE_SIZE, _names(ctx)
    )


def lead_detail(ctx: Ctx, viewer: Viewer, lead_id: int) -> LeadDetail:
    """A lead and its timeline; another rep's lead is "not found", as a missing one is."""
    try:
        lead = ctx.lead(lead_id, lock=False)
    except NotFound:
        lead = None
    events = tuple(ctx.uow.leads.events(lead_id)) if lead is not None else ()
    if lead is None or not may_see_lead(viewer, events):
        raise NotFound(f"No lead {format_lead_id(lead_id)} that you can see.")
    names = _names(ctx)
    currency = ctx.config.currency
    timeline = tuple((e, event_sentence(e, names.get, currency)) for e in events)
    return LeadDetail(lead, events, names, original_post(lead), timeline)


def owner_choices(ctx: Ctx) -> dict[int, str]:
    """Who the leads page's Owner filter offers: reps in a rotation and reps who own a lead,
    never Baton itself, a form app or anyone else who only ever posted or asked."""
    members = {m.rep_id for pool in ctx.uow.pools.all() for m in ctx.uow.pools.members(pool.name)}
    owners = members | ctx.uow.dashboard.owner_ids()
    return {rep_id: name for rep_id, name in _names(ctx).items() if rep_id in owners}


@dataclass(frozen=True)
class AuditPage:
    entries: tuple[AuditEntry, ...]
    page: int
    has_next: bool


def audit_page(ctx: Ctx, viewer: Viewer, page: int) -> AuditPage:
    """The audit trail, newest first, for managers; a rep is told there is no such page, as
    for another rep's lead."""
    if not viewer.sees_all:
        raise NotFound("There is no such page.")
    if not 1 <= page <= MAX_AUDIT_PAGE:
        raise InvalidInput(f"The page must be a number from 1 to {MAX_AUDIT_PAGE:,}.")
    offset = (page - 1) * AUDIT_PAGE_SIZE
    found = ctx.uow.audit.page(offset, AUDIT_PAGE_SIZE + 1)
    return AuditPage(tuple(found[:AUDIT_PAGE_SIZE]), page, len(found) > AUDIT_PAGE_SIZE)


CRM_FAILURES_SHOWN = 50
"""Failed CRM writes the dashboard lists (the counts above them are of all)."""


def crm_backlog(ctx: Ctx, viewer: Viewer) -> CrmBacklog:
    """The CRM's waiting and failed writes, for managers while CRM sync is on; anyone else,
    or a server without a CRM, is told there is no such page (as a rep is for the audit)."""
    if not viewer.sees_all or not ctx.config.crm_sync:
        raise NotFound("There is no such page.")
    return ctx.uow.crm_backlog.backlog(CRM_FAILURES_SHOWN)


def _names(ctx: Ctx) -> dict[int, str]:
    return {rep.id or 0: rep.name for rep in ctx.uow.reps.all()}


def _roles(ctx: Ctx, viewer: Viewer) -> dict[str, list[int]]:
    """Rep ids by role, from the pools; a rep sees only their own rows."""
    roles: dict[str, list[int]] = {}
    for pool in ctx.uow.pools.all():
        ids = roles.setdefault(pool.role.value, [])
        for member in ctx.uow.pools.members(pool.name):
            rep_id = member.rep.id or 0
            if rep_id not in ids and (viewer.sees_all or rep_id == viewer.rep_id):
                ids.append(rep_id)
    names = _names(ctx)
    return {
        role: sorted(ids, key=lambda i: names.get(i, "").casefold()) for role, ids in roles.items()
    }


def _customers(
    reads: DashboardReads, viewer: Viewer, spans: Sequence[CustomerSpan]
) -> dict[int, list[CustomerSpan]]:
    """Each account manager's customers now, by owner (from the digest's customer spans)."""
    won = {span.lead_id: span for span in spans}
    mine: dict[int, list[CustomerSpan]] = {}
    for lead_id, owner in reads.customer_owners().items():
        if lead_id in won and (viewer.sees_all or owner == viewer.rep_id):
            mine.setdefault(owner, []).append(won[lead_id])
    return mine


def _trend(
    ctx: Ctx,
    reads: DashboardReads,
    viewer: Viewer,
    cache: MutableMapping[tuple[int | None, datetime], TrendPoint],
) -> tuple[TrendPoint, ...]:
    """Inbound, qualified and won value per week, by the funnel's own :func:`headline`."""
    weeks = trend_weeks(ctx.now, zone(ctx.config.timezone))
    missing = [w for w in weeks if (viewer.own_id, w.start) not in cache or w is weeks[-1]]
    points: dict[datetime, TrendPoint] = {}
    if missing:
        start, end = missing[0].start, missing[-1].end
        held = None if viewer.sees_all else reads.held_since(viewer.rep_id, start, end)
        events = reads.trend_events(start, end, None if held is None else set(held))
        for week, inside in zip(missing, _by_week(events, missing), strict=True):
            if held is not None:  # the overview's rule, week by week
                inside = [e for e in inside if is_theirs(viewer.rep_id, e, held, [week])]
            inbound, qualified, won_value = headline(inside)
            points[week.start] = TrendPoint(week, inbound, qualified, won_value)
            if week is not weeks[-1]:
                cache[(viewer.own_id, week.start)] = points[week.start]
    return tuple(points.get(w.start) or cache[(viewer.own_id, w.start)] for w in weeks)


def _by_week(events: Sequence[LeadEvent], weeks: Sequence[Period]) -> list[list[LeadEvent]]:
    """Each week's events, in one pass: a week's boundaries are its own ``[start, end)``."""
    inside: list[list[LeadEvent]] = [[] for _ in weeks]
    starts = [week.start for week in weeks]
    for event in events:
        at = bisect_right(starts, event.at) - 1
        if at >= 0 and weeks[at].contains(event.at):
            inside[at].append(event)
    return inside
