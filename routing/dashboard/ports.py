"""What the dashboard reads beyond the digest's ports, declared here, implemented in storage."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from routing.dashboard.filters import LeadFilters
from routing.events import LeadEvent
from routing.metrics import Period
from routing.stages import Stage


@dataclass(frozen=True)
class LeadRow:
    """One line of the leads table."""

    id: int
    company: str | None
    name: str | None
    email: str | None
    stage: Stage
    origin: str
    owner_id: int | None
    pool: str | None
    source: str | None
    created_at: datetime


class DashboardReads(Protocol):
    def leads_page(
        self, filters: LeadFilters, period: Period | None, limit: int, offset: int
    ) -> list[LeadRow]:
        """Leads matching ``filters`` (created in ``period``), newest first."""
        ...

    def held_since(self, rep_id: int, start: datetime, end: datetime) -> dict[int, datetime]:
        """When the rep first owned each lead of those with a trend event between ``start`` and
        ``end`` (see ``routing.dashboard.scope.is_theirs``)."""
        ...

    def trend_events(
        self, start: datetime, end: datetime, lead_ids: set[int] | None
    ) -> Sequence[LeadEvent]:
        """``created``, ``qualified`` and ``won`` events in ``[start, end)`` (of ``lead_ids``)."""
        ...

    def customer_owners(self) -> dict[int, int]:
        """Every lead that is a customer now, and who owns it (lead id → rep id)."""
        ...

    def owner_ids(self) -> set[int]:
        """The reps who own at least one lead now (the leads page's Owner filter)."""
        ...


class DashboardExport(Protocol):
    """The spreadsheets, streamed from a read-only connection of their own (outside any unit of
    work: a million rows must not hold a transaction another request waits on)."""

    def count(self, kind: str, filters: LeadFilters, period: Period | None) -> int:
        """How many rows the ``leads`` or ``events`` spreadsheet with these filters holds (for a
        progress bar: rows written meanwhile may make the file a little longer)."""
        ...

    def chunks(
        self,
        kind: str,
        filters: LeadFilters,
        period: Period | None,
        names: Mapping[int, str],
        currency: str = "",
    ) -> Iterator[tuple[bytes, int]]:
        """``leads`` or ``events`` CSV as (bytes, rows in them), opened on the first chunk; run
        every ``next()`` in one thread, and close the iterator to release the connection early.
        ``currency`` names the amount columns' currency in the header."""
        ...
