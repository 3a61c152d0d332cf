"""What an operator's scrape reads from the database: totals every replica agrees on.

Counts come from the stored events, rows and runs at the time of the scrape, never from a
process's counters, so two replicas (or ``--workers``) answer the same figures. The port is
implemented in ``storage/operations.py``; ``bot/ops/metrics.py`` turns it into Prometheus'
text format.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from routing.metrics.sources import UNKNOWN_SOURCE, source_key, written_source


@dataclass(frozen=True)
class Backlog:
    """Rows one outbox lane still has to deliver, and when the oldest of them was written."""

    waiting: int
    oldest_at: datetime | None


@dataclass(frozen=True)
class OperationsSnapshot:
    leads_by_source: Mapping[tuple[str, str], int] = field(default_factory=dict)
    """Leads taken in by (source, side), each source as the funnel groups it."""
    events: Mapping[str, int] = field(default_factory=dict)
    """Lead events by type (assigned, claimed, sla_missed, reassigned…)."""
    backlog: Mapping[str, Backlog] = field(default_factory=dict)
    """Outbox rows waiting (pending or being sent) per lane: ``chat``, ``crm``…"""
    failed: Mapping[tuple[str, str], int] = field(default_factory=dict)
    """Deliveries given up by (lane, kind)."""
    digests_sent: Mapping[str, int] = field(default_factory=dict)
    """Digest periods sent by schedule name."""


class OperationsReader(Protocol):
    def read(self) -> OperationsSnapshot: ...


OTHER_SOURCE = "other"
MAX_SOURCE_LABEL = 64
"""A source longer than this is no name a team gave a source: it is counted as ``other``."""


def source_label(origin: object, source: object, channel: object) -> tuple[str, str]:
    """(source, side) of a ``created`` event's payload for a metric's labels, as the funnel
    reads it (``routing.metrics.sources``) but never naming a person: an outbound lead's source
    is ``outbound`` (not its prospector), and a source that holds an ``@`` (an address) or is
    over :data:`MAX_SOURCE_LABEL` characters is ``other``."""
    if origin == "outbound":
        return "outbound", "outbound"
    key = source_key(written_source(source))
    if not key and channel:
        key = "#" + written_source(channel).lstrip("#")
    if not key:
        key = UNKNOWN_SOURCE
    if "@" in key or len(key) > MAX_SOURCE_LABEL:
        key = OTHER_SOURCE
    return key, "inbound"


def fold_sources(counted: Mapping[tuple[str, str], int], most: int) -> dict[tuple[str, str], int]:
    """The ``most`` largest sources under their own label, the rest summed as ``other`` (a
    scrape's series stay few however many sources people type)."""
    ranked = sorted(counted.items(), key=lambda item: (-item[1], item[0]))
    kept: dict[tuple[str, str], int] = dict(ranked[:most])
    for (_source, side), count in ranked[most:]:
        kept[(OTHER_SOURCE, side)] = kept.get((OTHER_SOURCE, side), 0) + count
    return kept
