"""The CRM's outbox as its sender sees it: rows in a lane of their own, in order per lead.

Rows are written in the lead's transaction (one per change, :mod:`routing.crm.mapping`); the CRM
sender claims due rows, applies each through the CRM port and marks it sent, due again later, or
failed with the CRM's message. A failed row holds back nothing; a pending one holds back the
later rows of its lead only. The storage behind it is ``storage/crm.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from routing.crm.changes import CrmChange
from routing.crm.links import CrmLink


@dataclass(frozen=True)
class CrmClaim:
    row_id: int
    token: str
    claimed_at: datetime
    lead_id: int
    change: CrmChange
    attempts: int
    created_at: datetime


@dataclass(frozen=True)
class CrmFailure:
    """A write the CRM did not take: kept as failed for good, or waiting to be tried again."""

    lead_id: int
    change: str
    """What kind of change it was (:func:`routing.crm.changes.described`)."""
    message: str
    """The CRM's own message (outside text: made storable before it was kept)."""
    first_failed_at: datetime | None
    failed: bool
    """True: refused for good, never tried again; False: waiting for another attempt."""


@dataclass(frozen=True)
class CrmBacklog:
    """What ``baton crm check`` and the dashboard show: rows waiting, rows failed, and the
    failures (failed rows first, newest first, then waiting rows that failed an attempt)."""

    waiting: int
    failed: int
    failures: Sequence[CrmFailure] = field(default_factory=tuple)

    @property
    def errors(self) -> tuple[tuple[int, str], ...]:
        """(lead id, message) of each failure."""
        return tuple((f.lead_id, f.message) for f in self.failures)


class CrmBacklogReads(Protocol):
    """The CRM outbox's backlog, read in a use case's snapshot (the dashboard's CRM page)."""

    def backlog(self, limit: int = 5) -> CrmBacklog: ...


class CrmRows(Protocol):
    def claim(self, limit: int, now: datetime, stale_before: datetime) -> list[CrmClaim]: ...
    def retry(self, claim: CrmClaim, at: datetime, error: str) -> bool: ...
    def fail(self, claim: CrmClaim, now: datetime, error: str) -> bool: ...
    def mark_sent(self, claim: CrmClaim, now: datetime) -> None: ...
    def skip(self, claim: CrmClaim, now: datetime, reason: str) -> bool:
        """Not sent on purpose (its record was deleted in the CRM), with the reason; never
        retried."""
        ...

    def release(self, claims: Sequence[CrmClaim]) -> None: ...
    def backlog(self, limit: int = 5) -> CrmBacklog: ...
    def alert_once(self, kind: str, now: datetime) -> bool:
        """True the first time ``kind`` is raised (managers hear of each kind once)."""
        ...

    def forget_alert(self, kind: str) -> None:
        """The condition is over: the next time it is raised is news again."""
        ...


class RateBucket(Protocol):
    """The CRM's rate limit, shared by every process and replica on the database."""

    def take(self, now: datetime) -> float:
        """Take one request's token: 0 when taken, else the seconds to wait before asking again."""
        ...

    def pause(self, until: datetime) -> None: ...
    def drain(self, now: datetime) -> None:
        """Empty the bucket (the CRM said 429): every process waits for it to refill."""
        ...

    def paused_until(self, now: datetime) -> datetime | None: ...


class CrmOwners(Protocol):
    """Reps' owners in the CRM, and the emails they are matched by."""

    def owner_of(self, rep_id: int) -> str | None: ...
    def all(self) -> Mapping[int, tuple[str | None, str | None]]:
        """rep id → (email, owner id)."""
        ...

    def set(self, rep_id: int, *, email: str | None = None, owner_id: str | None = None) -> None:
        """Remember what is given (None leaves a value as it is)."""
        ...


class CrmLinks(Protocol):
    """Baton's keys of CRM records → the CRM's ids (``routing.crm.links``)."""

    def for_keys(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], CrmLink]: ...
    def for_ids(self, kind: str, crm_ids: Sequence[str]) -> list[CrmLink]: ...
    def save(self, links: Sequence[CrmLink], now: datetime) -> None: ...
