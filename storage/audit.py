"""The audit trail's SQL: entries kept in ``audit_events``, and the changes already on record
elsewhere (reassignments in ``lead_events``, credits in ``rotation_events``), read as one list."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import aliased

from routing.audit import AuditEntry, AuditKind
from routing.events import EventType
from routing.lead import format_lead_id
from storage import tables as t

_actor = aliased(t.reps)
_target = aliased(t.reps)


class SqlAudit:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def record(self, entry: AuditEntry) -> None:
        self.conn.execute(
            insert(t.audit_events).values(
                at=entry.at,
                actor_id=entry.actor_id,
                kind=entry.kind.value,
                subject=entry.subject,
                detail=dict(entry.detail),
            )
        )

    def count(self) -> int:
        a, e, r = t.audit_events, t.lead_events, t.rotation_events
        kept = self.conn.execute(select(func.count()).select_from(a)).scalar_one()
        moved = self.conn.execute(
            select(func.count()).where(e.c.type == EventType.REASSIGNED.value)
        ).scalar_one()
        credits = self.conn.execute(select(func.count()).select_from(r)).scalar_one()
        return int(kept) + int(moved) + int(credits)

    def page(self, offset: int, limit: int) -> list[AuditEntry]:
        """Newest first: each source's newest ``offset + limit`` rows, merged."""
        most = offset + limit
        merged = [*self._kept(most), *self._reassignments(most), *self._credits(most)]
        merged.sort(key=lambda entry: entry.at, reverse=True)
        return merged[offset:most]

    def _kept(self, most: int) -> list[AuditEntry]:
        a = t.audit_events
        rows = self.conn.execute(
            select(a, _actor.c.name.label("actor_name"))
            .outerjoin(_actor, _actor.c.id == a.c.actor_id)
            .order_by(a.c.at.desc(), a.c.id.desc())
            .limit(most)
        ).mappings()
        return [
            AuditEntry(
                r["at"],
                r["actor_id"],
                _kind(r["kind"]),
                r["subject"] or "",
                _detail(r["detail"]),
                r["actor_name"],
            )
            for r in rows
        ]

    def _reassignments(self, most: int) -> list[AuditEntry]:
        e = t.lead_events
        rows = self.conn.execute(
            select(e, _actor.c.name.label("actor_name"), _target.c.name.label("to_name"))
            .outerjoin(_actor, _actor.c.id == e.c.actor_id)
            .outerjoin(_target, _target.c.id == e.c.owner_id)
            .where(e.c.type == EventType.REASSIGNED.value)
            .order_by(e.c.at.desc(), e.c.id.desc())
            .limit(most)
        ).mappings()
        return [
            AuditEntry(
                r["at"],
                r["actor_id"],
                AuditKind.REASSIGNMENT,
                format_lead_id(r["lead_id"]),
                {
                    "to": r["to_name"] or "",
                    "reason": str(_detail(r["payload"]).get("reason") or ""),
                },
                r["actor_name"],
            )
            for r in rows
        ]

    def _credits(self, most: int) -> list[AuditEntry]:
        r_ = t.rotation_events
        rows = self.conn.execute(
            select(r_, _actor.c.name.label("actor_name"), _target.c.name.label("rep_name"))
            .outerjoin(_actor, _actor.c.id == r_.c.actor_id)
            .outerjoin(_target, _target.c.id == r_.c.rep_id)
            .order_by(r_.c.at.desc(), r_.c.id.desc())
            .limit(most)
        ).mappings()
        return [
            AuditEntry(
                r["at"],
                r["actor_id"],
                AuditKind.CREDIT,
                f"{r['rep_name'] or r['rep_id']} in {r['pool']}",
                {"leads": f"{r['amount']:+d}", "reason": r["reason"]},
                r["actor_name"],
            )
            for r in rows
        ]


def _kind(value: str) -> AuditKind:
    """A kind this version does not know (written by a newer one) reads as ``other``."""
    try:
        return AuditKind(value)
    except ValueError:
        return AuditKind.OTHER


def _detail(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
