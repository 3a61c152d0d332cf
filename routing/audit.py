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


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor_id: int | None
    kind: AuditKind
    subject: str
    detail: Mapping[str, Any] = field(default_factory=dict)
    actor_name: str | None = None
    """Who, as shown (read back only)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "subject", limits.fitted_text(self.subject, limits.AUDIT_SUBJECT))
