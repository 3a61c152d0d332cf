"""The audit trail: what managers and operators changed, who and when, never a contact's details.

Reassignments and credits are already in the record (``lead_events``, ``rotation_events``); what
has no record of its own (a claim mode, a rotation's members, a secret rotation, an erasure) is
kept as an :class:`AuditEntry`. The dashboard's "Audit" page reads them all as one list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from routing import limits


class AuditKind(StrEnum):
    ERASURE = "erasure"
    CLAIM_MODE = "claim_mode"
    ROTATION_ADD = "rotation_add"
    ROTATION_REMOVE = "rotation_remove"
    SECRET_ROTATED = "secret_rotated"
    RETENTION = "retention"
    REASSIGNMENT = "reassignment"
    CREDIT = "credit"
    OTHER = "other"


LABELS = {
    AuditKind.ERASURE: "Contact erased",
    AuditKind.CLAIM_MODE: "Claim mode changed",
    AuditKind.ROTATION_ADD: "Added to a rotation",
    AuditKind.ROTATION_REMOVE: "Removed from a rotation",
    AuditKind.SECRET_ROTATED: "Secret rotated",
    AuditKind.RETENTION: "Old texts cleared (retention)",
    AuditKind.REASSIGNMENT: "Lead reassigned",
    AuditKind.CREDIT: "Rotation credit",
    AuditKind.OTHER: "Other change",
}
PAGE_SIZE = 50
MAX_PAGE = 1_000
"""The furthest page the Audit page opens (each source is read up to it, newest first)."""


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_id: int | None
    kind: AuditKind
    subject: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    actor_name: str | None = None
    """Who, as shown (read back only)."""

    @property
    def label(self) -> str:
        return LABELS[self.kind]

    @property
    def who(self) -> str:
        """The person who made the change; an operator's command or Baton's own job else."""
        by = self.detail.get("by")
        return f"operator ({by})" if by else self.actor_name or "Baton"

    @property
    def what(self) -> str:
        shown = {k: v for k, v in self.detail.items() if k not in ("by",)}
        return "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in shown.items())

    def __post_init__(self) -> None:
        object.__setattr__(self, "subject", limits.fitted_text(self.subject, limits.AUDIT_SUBJECT))
