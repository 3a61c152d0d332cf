"""Where a lead came from, read from its ``created`` event: its source and its side (in/outbound).

Source is what the lead came from: the ``source`` its post, webhook or import row gave (a
webhook's source name, ``hubspot``, an import's file name or ``--source``), else the intake
channel it was posted in (``#C0123``), else ``unknown``. An outbound lead's source is the
prospector who sourced it: their time is its cost. Sources are compared ignoring case and
spacing, and shown as first written (or as a spend names it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from routing.events import EventType, LeadEvent

__all__ = ["UNKNOWN_SOURCE", "Origin", "lead_origin", "origins", "source_key", "written_source"]

UNKNOWN_SOURCE = "unknown"


@dataclass(frozen=True)
class Origin:
    """A lead's source as shown, and whether it is outbound (a prospector's lead)."""

    source: str
    outbound: bool
    prospector_id: int | None = None
    """Who sourced an outbound lead."""

    @property
    def key(self) -> str:
        return source_key(self.source)

    @property
    def side(self) -> str:
        return "outbound" if self.outbound else "inbound"


def written_source(text: object) -> str:
    """A source as people typed it, its spacing tidied: ``"  Web  form "`` → ``Web form``."""
    return " ".join(str(text or "").split())


def source_key(text: str) -> str:
    """What two spellings of one source share: ``Webinar`` and ``webinar `` are one source."""
    return written_source(text).casefold()


def lead_origin(created: LeadEvent, rep_names: Mapping[int, str]) -> Origin:
    """The origin a ``created`` event records (see the module docstring)."""
    payload = created.payload
    if payload.get("origin") == "outbound":
        prospector = payload.get("sourced_by")
        rep = prospector if isinstance(prospector, int) else created.actor_id
        name = rep_names.get(rep, f"rep {rep}") if rep is not None else "outbound"
        return Origin(name, True, rep)
    written = written_source(payload.get("source"))
    if not written and payload.get("channel"):
        written = "#" + written_source(payload.get("channel")).lstrip("#")
    return Origin(written or UNKNOWN_SOURCE, False)


def origins(
    histories: Iterable[Sequence[LeadEvent]], rep_names: Mapping[int, str]
) -> dict[int, Origin]:
    """Each lead's origin, for the histories that hold their ``created`` event."""
    found: dict[int, Origin] = {}
    for history in histories:
        for event in history:
            if event.type is EventType.CREATED:
                found[event.lead_id] = lead_origin(event, rep_names)
                break
    return found
