"""``routing.ports.NumbersStore``: spend and role costs, open deals' events, stalls and nudges."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, func, select

from routing.events import LeadEvent
from routing.metrics.costs import RoleCost, Spend
from routing.metrics.numbers import OPPORTUNITY_TYPES
from routing.metrics.pipeline import STALLABLE
from routing.metrics.sources import source_key
from routing.stages import CLOSING_STAGES
from storage import tables as t
from storage.codec import event_columns, events_from_driver
from storage.repositories import _upsert_ignore, upsert

__all__ = ["SqlNumbers"]

_OPEN_DEALS = sorted(s.value for s in CLOSING_STAGES)
_DEAL_TYPES = sorted(kind.value for kind in OPPORTUNITY_TYPES)
_STALLABLE = sorted(s.value for s in STALLABLE)


class SqlNumbers:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def spend(self, months: Sequence[str] | None = None) -> list[Spend]:
        s = t.source_spend
        query = select(s.c.source, s.c.month, s.c.amount).order_by(s.c.month, s.c.source_key)
        if months is not None:
            query = query.where(s.c.month.in_(list(months)))
        return [
            Spend(src, month, Decimal(amount)) for src, month, amount in self.conn.execute(query)
        ]

    def set_spend(self, spend: Spend, by: int | None, at: datetime) -> None:
        values = {"source": spend.source, "amount": str(spend.amount), "set_by": by, "set_at": at}
        key = {"source_key": source_key(spend.source), "month": spend.month}
        stmt = upsert(self.conn, t.source_spend, ["source_key", "month"], values)
        self.conn.execute(stmt.values(**key, **values))

    def role_costs(self) -> list[RoleCost]:
        r = t.role_costs
        query = select(r.c.role, r.c.month, r.c.amount).order_by(r.c.role, r.c.month)
        return [
            RoleCost(role, month, Decimal(amount))
            for role, month, amount in self.conn.execute(query)
        ]

    def set_role_cost(self, cost: RoleCost, by: int | None, at: datetime) -> None:
        values = {"amount": str(cost.amount), "set_by": by, "set_at": at}
        stmt = upsert(self.conn, t.role_costs, ["role", "month"], values)
        self.conn.execute(stmt.values(role=cost.role, month=cost.month, **values))

    def open_deal_events(self, before: datetime) -> list[LeadEvent]:
        """The events an open deal's value and age come from, for every lead with a closer now
        (through ``leads(stage, …)`` and ``lead_events(lead_id, id)``)."""
        e, leads = t.lead_events, t.leads
        deals = select(leads.c.id).where(leads.c.stage.in_(_OPEN_DEALS))
        query = (
            select(*event_columns())
            .where(e.c.lead_id.in_(deals), e.c.type.in_(_DEAL_TYPES), e.c.at < before)
            .order_by(e.c.at, e.c.id)
        )
        return events_from_driver(self.conn.execute(query).all())

    def latest_of_open_leads(self, before: datetime) -> list[LeadEvent]:
        """The latest event of each open, owned lead, when it happened at or before ``before``."""
        e, leads = t.lead_events, t.leads
        open_owned = select(leads.c.id).where(
            leads.c.stage.in_(_STALLABLE), leads.c.owner_id.is_not(None)
        )
        latest = select(func.max(e.c.id)).where(e.c.lead_id.in_(open_owned)).group_by(e.c.lead_id)
        query = select(*event_columns()).where(e.c.id.in_(latest), e.c.at <= before)
        return events_from_driver(self.conn.execute(query.order_by(e.c.at, e.c.id)).all())

    def claim_nudge(self, lead_id: int, event_id: int, at: datetime) -> bool:
        stmt = _upsert_ignore(self.conn, t.stall_nudges).values(
            lead_id=lead_id, event_id=event_id, at=at
        )
        return self.conn.execute(stmt.returning(t.stall_nudges.c.lead_id)).first() is not None
