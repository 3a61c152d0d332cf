"""The funnel on demand (`/funnel`) and the digest's content: metrics from the event log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from routing.chat.digest import digest_view
from routing.chat.digest_text import digest_text
from routing.clock import zone
from routing.commands import Funnel
from routing.events import LeadEvent
from routing.metrics import (
    CustomerSpan,
    Delta,
    FunnelReport,
    Period,
    compare,
    funnels,
    period_for,
    previous,
)
from routing.metrics.numbers import Numbers
from routing.usecases.context import Ctx, Outcome
from routing.usecases.numbers import numbers_for


@dataclass(frozen=True)
class Digest:
    """A period's report, the report of the period before, and the changes between them."""

    report: FunnelReport
    previous: FunnelReport
    deltas: list[Delta]
    numbers: Numbers | None = None
    """The manager's numbers of the same period (:mod:`routing.metrics.numbers`)."""

    @property
    def text(self) -> str:
        """The digest as plain text (:mod:`routing.chat.digest_text`)."""
        return digest_text(digest_view(self))


def build_digest(ctx: Ctx, period: Period) -> Digest:
    """The report for ``period`` and the comparison with the period before it."""
    events, customers = digest_inputs(ctx, period)
    return digest_from(ctx, period, events, customers)


def digest_inputs(ctx: Ctx, period: Period) -> tuple[list[LeadEvent], list[CustomerSpan]]:
    """What :func:`digest_from` reads for ``period`` and the period before it."""
    before = previous(period, zone(ctx.config.timezone))
    events = ctx.uow.leads.events_for_report(before.start, period.end)
    return events, ctx.uow.leads.customer_spans(period.end)


def digest_from(
    ctx: Ctx,
    period: Period,
    events: Sequence[LeadEvent],
    customers: Sequence[CustomerSpan],
    *,
    scoped: bool = False,
) -> Digest:
    """The digest of ``period`` from its inputs (the dashboard passes a rep's share of them,
    ``scoped``)."""
    tz = zone(ctx.config.timezone)
    before = previous(period, tz)
    names = {rep.id or 0: rep.name for rep in ctx.uow.reps.all()}
    as_of = [(period, min(ctx.now, period.end)), (before, before.end)]
    report, earlier = funnels(events, as_of, names, customers=customers)
    numbers = numbers_for(ctx, period, events, scoped=scoped)
    return Digest(report, earlier, compare(report, earlier), numbers)


def period_of(cmd: Funnel, now: datetime, tz_name: str) -> Period:
    kind = "today" if cmd.period == "today" else cmd.period
    return period_for(kind, now, zone(tz_name), cmd.days)


def on_demand(ctx: Ctx, cmd: Funnel) -> Outcome:
    """The funnel for whoever asks: managers see every rep's row, a rep the team's totals and
    their own row, and someone in no rotation nothing."""
    ctx.require_reader("see the funnel")
    digest = build_digest(ctx, period_of(cmd, ctx.now, ctx.config.timezone))
    if not ctx.is_manager():
        digest = _own_rows(digest, ctx.actor.id or 0)
    return Outcome(digest.text, data={"digest": digest})


def _own_rows(digest: Digest, rep_id: int) -> Digest:
    def mine(report: FunnelReport) -> FunnelReport:
        return replace(report, reps=tuple(row for row in report.reps if row.rep_id == rep_id))

    numbers = digest.numbers
    if numbers is not None:
        numbers = replace(
            numbers,
            stalls=tuple(s for s in numbers.stalls if s.owner_id == rep_id),
            closer_win_rates=tuple(w for w in numbers.closer_win_rates if w.rep_id == rep_id),
            focus=tuple(f for f in numbers.focus if f.rep_id == rep_id),
        )
    return Digest(mine(digest.report), mine(digest.previous), digest.deltas, numbers)
