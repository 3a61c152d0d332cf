"""``HUBSPOT_DEAL_STAGES``: Baton's deal steps, each named to a stage id of the pipeline."""

from __future__ import annotations

STEPS = ("handoff", "meeting", "proposal_requested", "proposal_presented", "won", "lost")
DEFAULT_DEAL_STAGES = (
    "handoff=appointmentscheduled,meeting=qualifiedtobuy,"
    "proposal_requested=presentationscheduled,proposal_presented=decisionmakerboughtin,"
    "won=closedwon,lost=closedlost"
)


def parse_deal_stages(text: str) -> dict[str, str]:
    """``step=stage,…`` over the defaults (a step left out keeps its default stage); raises
    ``ValueError`` naming an entry that is not ``step=stage`` or a step Baton does not have."""
    stages = dict(_pairs(DEFAULT_DEAL_STAGES))
    stages.update(_pairs(text))
    return stages


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        step, sep, stage = (part.strip() for part in entry.partition("="))
        if not sep or not stage:
            raise ValueError(f"{entry!r} is not step=stage_id")
        if step not in STEPS:
            raise ValueError(f"{step!r} is not a Baton step ({', '.join(STEPS)})")
        pairs.append((step, stage))
    return pairs
