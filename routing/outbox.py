"""The outbox as its sender sees it: rows claimed for delivery, and what a delivery needs.

A use case writes notices (:mod:`routing.notices`) in its own transaction; a sender, later and
elsewhere, *claims* due rows, hands each to the platform's notifier and marks it sent, held for a
retry, or failed. Only the holder of a claim's token may finish or reschedule its row: a sender
whose claim went stale cannot undo the work of the one that took the row over.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from routing.notices import Notice


@dataclass(frozen=True)
class ClaimedRow:
    """A row one sender holds, read with its claim."""

    row_id: int
    token: str
    claimed_at: datetime
    platform: str
    previous_attempt_at: datetime | None
    """When an earlier attempt at this row was claimed (None on the first). That attempt may have
    reached the platform before failing or dying; a notifier that can look checks first."""
    notice: Notice
    attempts: int
    created_at: datetime

    @property
    def delivery_key(self) -> str:
        """``42@2026-12-04T11:26:58.123456+00:00``: this row and no other, in this database or
        another one posting to the same place (row ids alone repeat between installations)."""
        return f"{self.row_id}@{self.created_at.isoformat()}"
