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
    ``ValueError`` naming an entry that is not ``step=stage``, a step Baton does not have, a step
    named twice, or a won or lost stage shared with another step: a deal HubSpot reports at the
    won stage is recorded won, so a hand-off deal (or a lost one) there would be recorded won."""
    given = _pairs(text)
    steps = [step for step, _ in given]
    twice = sorted({step for step in steps if steps.count(step) > 1})
    if twice:
        raise ValueError(f"{', '.join(twice)} named more than once")
    stages = dict(_pairs(DEFAULT_DEAL_STAGES))
    stages.update(given)
    for closing in ("won", "lost"):
        shared = [s for s, stage in stages.items() if s != closing and stage == stages[closing]]
        if shared:
            raise ValueError(
                f"{closing}={stages[closing]} is also the stage of {', '.join(shared)}: "
                "the won and lost stages must each be a stage of their own"
            )
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
