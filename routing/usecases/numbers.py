"""The manager's numbers as use cases: entering costs, a deal's amount, the numbers of a period
(for the digest, ``/funnel`` and the dashboard alike), and nudging the owners of stalled leads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from routing.chat.formatting import format_money, format_wait, plural
from routing.clock import zone
from routing.commands import FunnelCost, FunnelSpend
from routing.events import LeadEvent
from routing.metrics.costs import RoleCost, Spend, month_key, month_name, period_months
from routing.metrics.numbers import Numbers, NumbersInputs, manager_numbers
from routing.metrics.periods import Period
from routing.metrics.pipeline import stalls
from routing.metrics.sources import written_source
from routing.roles import Role
from routing.usecases.context import Ctx, Outcome

__all__ = [
    "SpendRow",
    "import_spend",
    "nudge_stalled",
    "numbers_for",
    "rep_roles",
    "set_amount",
    "set_role_cost",
    "set_spend",
]


def rep_roles(ctx: Ctx) -> dict[int, frozenset[str]]:
    """Each rep's roles, from the pools they are in today."""
    roles: dict[int, set[str]] = {}
    for pool in ctx.uow.pools.all():
        for member in ctx.uow.pools.members(pool.name):
            roles.setdefault(member.rep.id or 0, set()).add(pool.role.value)
    return {rep: frozenset(found) for rep, found in roles.items()}


def numbers_for(
    ctx: Ctx, period: Period, events: Sequence[LeadEvent], *, scoped: bool = False
) -> Numbers:
    """The numbers of ``period`` from the digest's ``events``, as of the report's now.

    ``scoped``: ``events`` are one rep's share (the dashboard's rep view): open deals are read
    for their leads only, and costs, which are the team's, are left out. Meetings booked at
    hand-off are those of the hand-offs among ``events``, so a rep's are their hand-offs'.
    """
    as_of = min(ctx.now, period.end)
    deals = ctx.uow.numbers.open_deal_events(as_of)
    if scoped:
        theirs = {e.lead_id for e in events}
        deals = [e for e in deals if e.lead_id in theirs]
    months = [month for month, _share in period_months(period, zone(ctx.config.timezone))]
    inputs = NumbersInputs(
        spend=ctx.uow.numbers.spend(months),
        role_costs=ctx.uow.numbers.role_costs(),
        rep_roles=rep_roles(ctx),
        settings=ctx.config.rules.numbers,
        stalled_days=ctx.config.stalled_days,
        timezone=ctx.config.timezone,
        with_costs=not scoped,
    )
    names = {rep.id or 0: rep.name for rep in ctx.uow.reps.all()}
    meetings = ctx.uow.meetings.after_handoffs_between(period.start, period.end)
    return manager_numbers(events, period, as_of, names, inputs, deals, meetings)


# --- entering costs ------------------------------------------------------------------------------


def _this_month(ctx: Ctx) -> str:
    return month_key(ctx.now.astimezone(zone(ctx.config.timezone)).date())


def set_spend(ctx: Ctx, cmd: FunnelSpend) -> Outcome:
    """``/funnel spend``: managers enter a source's spend; alone, anyone who reads lists it."""
    if cmd.source is None or cmd.amount is None:
        return list_spend(ctx)
    ctx.require_manager("enter spend")
    spend = Spend(written_source(cmd.source), cmd.month or _this_month(ctx), cmd.amount)
    ctx.uow.numbers.set_spend(spend, ctx.actor.id, ctx.now)
    return Outcome(
        f"Spend for '{spend.source}' in {month_name(spend.month)}: {format_money(spend.amount)}."
        " It counts in cost per lead from now on (`/funnel spend` lists all)."
    )


def list_spend(ctx: Ctx) -> Outcome:
    ctx.require_reader("see spend")
    rows = ctx.uow.numbers.spend()
    if not rows:
        return Outcome(
            "No spend entered yet. Managers: `/funnel spend <source> <amount> [YYYY-MM]`, "
            "or `baton spend import spend.csv`."
        )
    lines = [f"{month_name(r.month)} · {r.source}: {format_money(r.amount)}" for r in rows]
    return Outcome("Spend by month and source:\n" + "\n".join(lines))


def set_role_cost(ctx: Ctx, cmd: FunnelCost) -> Outcome:
    """``/funnel cost``: the loaded cost of one rep of a role a month, from a month on."""
    if cmd.role is None or cmd.amount is None:
        return list_role_costs(ctx)
    ctx.require_manager("enter a role's cost")
    cost = RoleCost(cmd.role, cmd.month or _this_month(ctx), cmd.amount)
    ctx.uow.numbers.set_role_cost(cost, ctx.actor.id, ctx.now)
    role = Role(cost.role).value.replace("_", " ")
    return Outcome(
        f"A {role} costs {format_money(cost.amount)} a month from {month_name(cost.month)} on:"
        " their time is spread over the leads they work, in cost per lead."
    )


def list_role_costs(ctx: Ctx) -> Outcome:
    ctx.require_reader("see role costs")
    rows = ctx.uow.numbers.role_costs()
    if not rows:
        return Outcome("No role costs entered yet. Managers: `/funnel cost <role> <amount>/month`.")
    lines = [
        f"{r.role.replace('_', ' ')}: {format_money(r.amount)} a month from {month_name(r.month)}"
        for r in rows
    ]
    return Outcome("Loaded cost of one rep a month:\n" + "\n".join(lines))


@dataclass(frozen=True)
class SpendRow:
    """A spend row read from a spreadsheet (``baton spend import``)."""

    line: int
    source: str
    month: str
    amount: Decimal


def import_spend(ctx: Ctx, rows: Sequence[SpendRow]) -> Outcome:
    """Enter every row (a later row for the same source and month replaces an earlier one)."""
    for row in rows:
        spend = Spend(written_source(row.source), row.month, row.amount)
        ctx.uow.numbers.set_spend(spend, ctx.actor.id, ctx.now)
    return Outcome(f"{len(rows):,} spend rows entered.")


# --- a deal's amount ------------------------------------------------------------------------------


def set_amount(ctx: Ctx, lead_id: int, amount: Decimal) -> Outcome:
    """``/lead amount L-7 40k``: the lead's owner (its closer) or a manager."""
    lead = ctx.lead(lead_id)
    ctx.require_owner_or_manager(lead, "set its deal amount")
    lead.set_amount(ctx.actor.id or 0, ctx.now, amount)
    ctx.save(lead)
    return Outcome(
        f"{lead.ref}'s deal amount is {format_money(amount)}: it counts in the open pipeline.",
        lead_id=lead.id,
    )


# --- stalled leads --------------------------------------------------------------------------------


def nudge_stalled(ctx: Ctx) -> Outcome:
    """DM the owner of each lead stalled for the stalled days, once per stall: the stall is the
    lead's latest event, claimed in the same transaction as the message."""
    days = ctx.config.stalled_days
    latest = ctx.uow.numbers.latest_of_open_leads(ctx.now)
    nudged = 0
    for stall in stalls([[event] for event in latest], ctx.now, days):
        if stall.last_event_id is None:
            continue
        if not ctx.uow.numbers.claim_nudge(stall.lead_id, stall.last_event_id, ctx.now):
            continue
        lead = ctx.lead(stall.lead_id, lock=False)
        ctx.tell(
            stall.owner_id,
            f"{lead.ref} ({lead.title}) has had no update for {format_wait(stall.idle)}"
            f" ({stall.stage.label}). Log the next step, or hand it on.",
            lead,
        )
        nudged += 1
    return Outcome(f"Nudged {plural(nudged, 'owner')} of stalled leads.", data={"nudged": nudged})
