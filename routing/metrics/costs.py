"""What leads cost: spend per source and month, and the loaded cost of people's time.

- **Spend** (``/funnel spend webinar 2k 2026-11``) is per source and calendar month, in the team's
  timezone. A period gets each month's spend in proportion to how much of that month it covers
  (a week inside November gets 7/30 of November's spend).
- **People** (``/funnel cost prospector 6k/month``): the loaded cost of one rep of a role for a
  month (salary and overhead), from that month on until a later entry changes it. Each rep in
  the role costs it, for the share of each month the period covers (a rep in two roles costs
  the dearer one), and that cost is spread evenly over the leads they logged work on in the
  period (:func:`routing.metrics.focus.work_kind`), each lead's share going to its source. So
  outbound leads carry their prospector's time, and inbound ones their qualifiers' and closers'.
  A rep's cost with no lead worked is "not spread".
- A source's cost is spend plus people. It is **unknown** — never 0 — when its own cost was not
  entered: an inbound source without spend for a month the period covers, an outbound lead's
  prospector without a role cost. A missing role cost for other roles leaves their time out of
  the costs, and says so.
- Per lead, per SQL, per opportunity and per won deal divide the cost by the period's counts of
  :mod:`routing.metrics.lifecycle`; return is won value ÷ cost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from routing.events import LeadEvent
from routing.metrics.focus import ROLE_WORK, work_kind
from routing.metrics.lifecycle import SourceFlow
from routing.metrics.periods import Period
from routing.metrics.sources import Origin, source_key

__all__ = [
    "CostReport",
    "CostRow",
    "RoleCost",
    "Spend",
    "cost_report",
    "month_key",
    "month_name",
    "period_months",
]

UNIT = Decimal(1)
CENT = Decimal("0.01")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Spend:
    """Money spent on a source in a month (``YYYY-MM``)."""

    source: str
    month: str
    amount: Decimal


@dataclass(frozen=True)
class RoleCost:
    """The loaded cost of one rep of ``role`` for a month, from ``month`` on."""

    role: str
    month: str
    amount: Decimal


@dataclass(frozen=True)
class CostRow:
    """A source's (or a side's) cost in the period, and what it bought."""

    source: str
    outbound: bool | None
    spend: Decimal | None
    people: Decimal
    cost: Decimal | None
    """``None``: unknown (see :attr:`CostReport.unknown`)."""
    flow: SourceFlow

    def per(self, count: int) -> Decimal | None:
        """The cost of each of ``count`` (rounded to whole units); None if unknown or none."""
        if self.cost is None or not count:
            return None
        return (self.cost / count).quantize(UNIT, rounding=ROUND_HALF_UP)

    @property
    def per_lead(self) -> Decimal | None:
        return self.per(self.flow.leads)

    @property
    def per_sql(self) -> Decimal | None:
        return self.per(self.flow.sql)

    @property
    def per_opportunity(self) -> Decimal | None:
        return self.per(self.flow.opportunities)

    @property
    def per_won(self) -> Decimal | None:
        return self.per(self.flow.won)

    @property
    def returned(self) -> float | None:
        """Won value ÷ cost (2.5 means every unit spent brought 2.5 back)."""
        if not self.cost:
            return None
        return float(self.flow.won_value / self.cost)


@dataclass(frozen=True)
class CostReport:
    rows: tuple[CostRow, ...]
    """One per source, inbound first."""
    sides: tuple[CostRow, CostRow, CostRow]
    """Inbound, outbound and everyone, side by side."""
    unspread: Decimal
    """People's cost in the period with no lead worked to carry it."""
    unknown: tuple[str, ...]
    """What was not entered: ``no spend entered for 'webinar' in Nov``."""


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_name(key: str) -> str:
    """``2026-11`` → ``Nov 2026``."""
    year, month = key.split("-")
    return f"{_MONTHS[int(month) - 1]} {year}"


def period_months(period: Period, tz: ZoneInfo) -> tuple[tuple[str, Decimal], ...]:
    """Each local calendar month ``period`` overlaps, and the share of that month it covers."""
    start, end = period.start.astimezone(tz), period.end.astimezone(tz)
    shares = []
    first = start.date().replace(day=1)
    while _midnight(first, tz) < end:
        after = _next_month(first)
        month_start, month_end = _midnight(first, tz), _midnight(after, tz)
        covered = min(end, month_end) - max(start, month_start)
        whole = (month_end - month_start).total_seconds()
        if covered.total_seconds() > 0:
            shares.append((month_key(first), Decimal(covered.total_seconds()) / Decimal(whole)))
        first = after
    return tuple(shares)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def _role_cost(costs: Sequence[RoleCost], role: str, month: str) -> Decimal | None:
    """The entry in force in ``month``: the latest one from that month or before."""
    found = [c for c in costs if c.role == role and c.month <= month]
    return max(found, key=lambda c: c.month).amount if found else None


def cost_report(
    events: Iterable[LeadEvent],
    months: Sequence[tuple[str, Decimal]],
    period: Period,
    flows: Sequence[SourceFlow],
    sides: tuple[SourceFlow, SourceFlow, SourceFlow],
    origins: Mapping[int, Origin],
    spend: Sequence[Spend],
    role_costs: Sequence[RoleCost],
    rep_roles: Mapping[int, frozenset[str]],
) -> CostReport:
    """The period's costs by source and side (see the module docstring)."""
    unknown: list[str] = []
    rep_cost, rep_known = _people(months, role_costs, rep_roles, unknown)
    spread, unspread = _spread(events, period, origins, rep_cost)
    spent, missing = _spend(months, spend)
    rows: list[CostRow] = []
    shown = {source_key(f.source): f for f in flows}
    for key in _ordered_keys(flows, spent):
        flow = shown.get(key) or _idle(_spend_name(spend, key))
        rows.append(_row(flow, key, spent, missing, spread, rep_known, origins, months, unknown))
    return CostReport(tuple(rows), _sides(rows, sides, unspread), unspread, tuple(unknown))


def _people(
    months: Sequence[tuple[str, Decimal]],
    role_costs: Sequence[RoleCost],
    rep_roles: Mapping[int, frozenset[str]],
    unknown: list[str],
) -> tuple[dict[int, Decimal], dict[int, bool]]:
    """Each working rep's cost for the period, and whether every month of it was entered."""
    cost: dict[int, Decimal] = {}
    known: dict[int, bool] = {}
    missing: dict[str, list[str]] = defaultdict(list)
    for rep, roles in rep_roles.items():
        working = sorted(role for role in roles if role in ROLE_WORK)
        if not working:
            continue
        total, whole = Decimal(0), True
        for month, share in months:
            entered = [c for r in working if (c := _role_cost(role_costs, r, month)) is not None]
            if not entered:
                whole = False
                for role in working:
                    if month not in missing[role]:
                        missing[role].append(month)
                continue
            total += max(entered) * share
        cost[rep], known[rep] = total, whole
    for role, gaps in sorted(missing.items()):
        unknown.append(
            f"no cost entered for {role.replace('_', ' ')}s in {_months_text(gaps)}"
            " (their time is not counted)"
        )
    return cost, known


def _spread(
    events: Iterable[LeadEvent],
    period: Period,
    origins: Mapping[int, Origin],
    rep_cost: Mapping[int, Decimal],
) -> tuple[dict[str, Decimal], Decimal]:
    """People's cost by source key: each rep's cost split evenly over the leads they worked."""
    worked: dict[int, set[int]] = defaultdict(set)
    for event in events:
        rep = event.actor_id
        if rep is None or rep not in rep_cost or not period.contains(event.at):
            continue
        origin = origins.get(event.lead_id)
        if work_kind(event, origin is not None and origin.outbound) is not None:
            worked[rep].add(event.lead_id)
    by_source: dict[str, Decimal] = defaultdict(Decimal)
    unspread = Decimal(0)
    for rep, cost in rep_cost.items():
        leads = worked.get(rep)
        if not leads:
            unspread += cost
            continue
        share = cost / len(leads)
        for lead in leads:
            origin = origins.get(lead)
            by_source[origin.key if origin else "unknown"] += share
    return by_source, unspread


def _spend(
    months: Sequence[tuple[str, Decimal]], spend: Sequence[Spend]
) -> tuple[dict[str, Decimal], dict[str, list[str]]]:
    """Spend by source key for the period, and the months each entered source lacks."""
    entered: dict[tuple[str, str], Decimal] = {}
    for row in spend:
        entered_key = (source_key(row.source), row.month)
        entered[entered_key] = entered.get(entered_key, Decimal(0)) + row.amount
    spent: dict[str, Decimal] = defaultdict(Decimal)
    shares = dict(months)
    for (key, month), amount in entered.items():
        share = shares.get(month)
        if share is not None:
            spent[key] += amount * share
    missing = {
        key: [m for m, _s in months if (key, m) not in entered] for key in {k for k, _m in entered}
    }
    return spent, missing


def _ordered_keys(flows: Sequence[SourceFlow], spent: Mapping[str, Decimal]) -> list[str]:
    keys = [source_key(f.source) for f in flows]
    return keys + sorted(k for k in spent if k not in keys)


def _spend_name(spend: Sequence[Spend], key: str) -> str:
    return next((s.source for s in spend if source_key(s.source) == key), key)


def _idle(source: str) -> SourceFlow:
    return SourceFlow(source, False, (0, 0, 0, 0), Decimal(0), (None, None, None))


def _row(
    flow: SourceFlow,
    key: str,
    spent: Mapping[str, Decimal],
    missing: Mapping[str, list[str]],
    spread: Mapping[str, Decimal],
    rep_known: Mapping[int, bool],
    origins: Mapping[int, Origin],
    months: Sequence[tuple[str, Decimal]],
    unknown: list[str],
) -> CostRow:
    people = spread.get(key, Decimal(0))
    gaps = missing.get(key)
    entered = spent.get(key) if gaps is not None and not gaps else None
    spend = _cents(entered) if entered is not None else None
    if flow.outbound:
        prospector = next(
            (o.prospector_id for o in origins.values() if o.outbound and o.key == key), None
        )
        known = prospector is not None and rep_known.get(prospector, False)
        cost = _cents(people + (spend or 0)) if known else None
    else:
        if spend is None:
            lacking = gaps if gaps else [month for month, _share in months]
            unknown.append(f"no spend entered for '{flow.source}' in {_months_text(lacking)}")
        cost = _cents(spend + people) if spend is not None else None
    return CostRow(flow.source, flow.outbound, spend, _cents(people), cost, flow)


def _sides(
    rows: Sequence[CostRow],
    sides: tuple[SourceFlow, SourceFlow, SourceFlow],
    unspread: Decimal,
) -> tuple[CostRow, CostRow, CostRow]:
    inbound = [r for r in rows if not r.outbound]
    outbound = [r for r in rows if r.outbound]
    return (
        _total(sides[0], inbound, Decimal(0)),
        _total(sides[1], outbound, Decimal(0)),
        _total(sides[2], rows, unspread),
    )


def _total(flow: SourceFlow, rows: Sequence[CostRow], extra: Decimal) -> CostRow:
    spends = [r.spend for r in rows if r.spend is not None]
    people = sum((r.people for r in rows), Decimal(0)) + extra
    known = all(r.cost is not None for r in rows)
    cost = _cents(sum((r.cost or Decimal(0) for r in rows), Decimal(0)) + extra) if known else None
    return CostRow(flow.source, flow.outbound, sum(spends, Decimal(0)), _cents(people), cost, flow)


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _months_text(months: Sequence[str]) -> str:
    names = [month_name(m) for m in months]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
