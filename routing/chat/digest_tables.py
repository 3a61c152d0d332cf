"""The digest's tables: per rep (selling, rotation turns, account managers) and cost per lead.

Each is a :class:`Table` of cells already written, with the order in which a renderer that can
show only some rows keeps them (the most active reps; for the rotation, the most skipped) and the
words for that order. Names are cut to :data:`NAME_WIDTH` so a table reads on a phone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, TypeVar

from routing.chat.formatting import (
    NOTHING,
    format_count,
    format_fair_share,
    format_minutes,
    format_money,
)
from routing.limits import truncate
from routing.metrics import SKIP_REASONS, RepRow, SourceCost

__all__ = ["NAME_WIDTH", "Table", "cost_table", "rep_tables"]

NAME_WIDTH = 24
"""A rep's or a source's name in a table: enough to tell people apart, narrow enough for phones."""

T = TypeVar("T")


@dataclass(frozen=True)
class Table:
    """A titled table of text cells; the first column names its row, the others are figures.

    ``rank`` lists row indexes, the row to keep first when only some fit; ``ranked_as`` says
    what that order is (``most active``), for the title of a cut table. ``left_out`` counts the
    rows a cut dropped, ``noun`` what a row is (``rep``), for the line that says so.
    """

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    rank: tuple[int, ...]
    ranked_as: str
    noun: str
    left_out: int = 0

    def top(self, count: int) -> Table:
        """The ``count`` rows that come first by rank (all of them, as they are, if they fit)."""
        if len(self.rows) <= count:
            return self
        return replace(
            self,
            title=f"{self.title} (the {count} {self.ranked_as})",
            rows=tuple(self.rows[i] for i in self.rank[:count]),
            rank=tuple(range(count)),
            left_out=self.left_out + len(self.rows) - count,
        )

    @property
    def more(self) -> str | None:
        """``…and 275 more reps`` under a cut table; None when every row is shown."""
        if not self.left_out:
            return None
        return f"…and {self.left_out:,} more {self.noun}{'' if self.left_out == 1 else 's'}"


REP_HEADER = ("Rep", "Assigned", "Claimed", "Median to claim", "Qualified", "Won value")
ROTATION_HEADER = (
    "Rep",
    "Received",
    "Fair share",
    *(reason.replace("_", " ").capitalize() for reason in SKIP_REASONS),
)
ACCOUNT_HEADER = ("Account manager", "Customers taken on", "Expansion", "Churned")
COST_HEADER = ("Source", "Leads", "Cost", "Per lead")
MOST_ACTIVE = "most active"


def rep_tables(reps: Sequence[RepRow], currency: str) -> tuple[Table, ...]:
    """Selling, the rotation's fairness, and the account managers': each only if it has rows."""
    selling = Table("Reps", REP_HEADER, (), (), MOST_ACTIVE, "rep")
    turns = Table(
        "Rotation: received vs fair share, skips by reason",
        ROTATION_HEADER,
        (),
        (),
        "most skipped, then furthest from their share",
        "rep",
    )
    accounts = Table("Account managers", ACCOUNT_HEADER, (), (), MOST_ACTIVE, "rep")
    tables = (
        _filled(
            selling, [r for r in reps if r.sells], lambda r: _rep_cells(r, currency), _activity
        ),
        _filled(turns, [r for r in reps if r.in_rotation], _rotation_cells, _turns),
        _filled(
            accounts,
            [r for r in reps if r.manages_accounts],
            lambda r: _account_cells(r, currency),
            _account_activity,
        ),
    )
    return tuple(table for table in tables if table.rows)


def _filled(
    table: Table,
    items: Sequence[T],
    cells: Callable[[T], tuple[str, ...]],
    rank: Callable[[T], tuple[Any, ...]],
) -> Table:
    """``table`` with a row for each of ``items``, in their order, ranked by ``rank``."""
    order = sorted(range(len(items)), key=lambda i: rank(items[i]))
    return replace(table, rows=tuple(cells(item) for item in items), rank=tuple(order))


def _rep_cells(rep: RepRow, currency: str) -> tuple[str, ...]:
    to_claim = rep.median_minutes_to_claim
    return (
        _name(rep.name),
        format_count(rep.assigned),
        format_count(rep.claimed),
        format_minutes(to_claim) if to_claim is not None else NOTHING,
        format_count(rep.qualified),
        format_money(rep.won_value, currency),
    )


def _rotation_cells(rep: RepRow) -> tuple[str, ...]:
    """Leads the rotation gave ``rep``, their fair share of those turns, and skips by reason."""
    return (
        _name(rep.name),
        format_count(rep.received),
        format_fair_share(rep.fair_share),
        *(format_count(rep.skipped.get(reason, 0)) for reason in SKIP_REASONS),
    )


def _account_cells(rep: RepRow, currency: str) -> tuple[str, ...]:
    return (
        _name(rep.name),
        format_count(rep.customers_taken_on),
        format_money(rep.expansion_value, currency),
        format_count(rep.churned),
    )


def _activity(rep: RepRow) -> tuple[Any, ...]:
    return (-rep.assigned, -rep.claimed, -rep.qualified, -rep.won_value, rep.name.casefold())


def _turns(rep: RepRow) -> tuple[Any, ...]:
    """Most skipped first, then the furthest from their fair share: who a manager asks about."""
    gap = abs(rep.received - rep.fair_share)
    return (-sum(rep.skipped.values()), -gap, rep.name.casefold())


def _account_activity(rep: RepRow) -> tuple[Any, ...]:
    return (-rep.customers_taken_on, -rep.expansion_value, -rep.churned, rep.name.casefold())


def cost_table(costs: Sequence[SourceCost], currency: str) -> Table | None:
    if not costs:
        return None

    def money(amount: Decimal | None) -> str:
        return format_money(amount, currency) if amount is not None else NOTHING

    def cells(cost: SourceCost) -> tuple[str, ...]:
        leads = format_count(cost.leads)
        return (_name(cost.source), leads, money(cost.cost), money(cost.cost_per_lead))

    table = Table("Cost per lead", COST_HEADER, (), (), "with the most leads", "source")
    return _filled(table, costs, cells, lambda c: (-c.leads, c.source.casefold()))


def _name(name: str) -> str:
    return truncate(name, NAME_WIDTH)
