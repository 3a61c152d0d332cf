"""HubSpot's lifecycle stages and lead statuses as Baton moves them: forward only.

The order is data: a portal's own (its ``lifecyclestage`` options by ``displayOrder``, read by
the adapter from HubSpot's properties API, custom stages with numeric values included) when Baton
has read it, HubSpot's eight defaults otherwise. A contact in a stage the order does not hold is
left as it is (the CRM's admin decided it). A stage earlier than the contact's current one is
never written: where HubSpot's is later, Baton leaves it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

LIFECYCLE_ORDER = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
)
"""HubSpot's default stages in their order (``other`` is no step of a progression)."""
OUTSIDE_ORDER = frozenset({"other"})
"""Stages that are no step forward or back from any other: a contact there is left alone."""

LEAD = "lead"
SQL = "salesqualifiedlead"
OPPORTUNITY = "opportunity"
CUSTOMER = "customer"

STATUS_NEW = "NEW"
STATUS_IN_PROGRESS = "IN_PROGRESS"
STATUS_UNQUALIFIED = "UNQUALIFIED"

WRITTEN_STAGES = (LEAD, SQL, OPPORTUNITY, CUSTOMER)
"""Every lifecycle stage Baton writes (``baton crm check`` looks for each in the portal)."""
WRITTEN_STATUSES = (STATUS_NEW, STATUS_IN_PROGRESS, STATUS_UNQUALIFIED)
"""Every ``hs_lead_status`` value Baton writes."""


def portal_order(options: Iterable[tuple[str, int | None]]) -> tuple[str, ...]:
    """A portal's stage order from its ``lifecyclestage`` options, (value, displayOrder) each:
    by displayOrder (options without one after those with one, in the order given), ``other``
    left out. Empty when the portal gave none, so the caller keeps HubSpot's defaults."""
    listed = [(value, order) for value, order in options if value and value not in OUTSIDE_ORDER]
    ranked = sorted(
        enumerate(listed),
        key=lambda item: (item[1][1] is None, item[1][1] or 0, item[0]),
    )
    seen: dict[str, None] = {}
    for _n, (value, _order) in ranked:
        seen.setdefault(value, None)
    return tuple(seen)


def lifecycle_to_write(
    current: str | None, wanted: str, order: Sequence[str] = LIFECYCLE_ORDER
) -> str | None:
    """The stage to write so the contact reaches ``wanted``, or None to leave it: never
    backwards, never over a stage ``order`` does not hold."""
    if not current:
        return wanted
    if current not in order or wanted not in order:
        return None
    return wanted if order.index(wanted) > order.index(current) else None


def missing_values(written: Iterable[str], portal: Iterable[str]) -> list[str]:
    """The values Baton writes that the portal's options do not have (in Baton's order)."""
    have = set(portal)
    return [value for value in written if value not in have]
