"""Messages Baton must send, as platform-neutral values written to the outbox.

A use case decides *what* to say and *to whom*; each platform's notifier decides how it looks
(Block Kit, an Adaptive Card, plain text) and delivers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from routing.lead import Lead, SourceRef
from routing.stages import next_step_actions


class NoticeKind(StrEnum):
    TEXT = "text"
    LEAD_CARD = "lead_card"
    """A card showing the lead and its next-step buttons; the thread copy is updated in place."""
    DIGEST = "digest"
    FILE = "file"
    """A file for a person (``rep_id``): ``data`` holds :data:`FILE_NAME`, :data:`FILE_TYPE` and
    :data:`FILE_CONTENT` (text); ``text`` is the message that goes with it."""


SLOT_CHOICES = "slots"
"""Notice data holding free times to offer as buttons under the message
(:meth:`routing.chat.slots.SlotChoices.as_data`)."""
FILE_NAME = "filename"
FILE_TYPE = "content_type"
FILE_CONTENT = "content"


@dataclass(frozen=True)
class LeadCard:
    lead_id: int
    ref: str
    title: str
    stage: str
    owner: str | None
    details: Mapping[str, str]
    qualification: str | None
    actions: tuple[str, ...]

    @classmethod
    def of(cls, lead: Lead, owner_mention: str | None) -> LeadCard:
        return cls(
            lead_id=lead.id or 0,
            ref=lead.ref,
            title=lead.title,
            stage=lead.stage.label,
            owner=owner_mention,
            details=dict(lead.details()),
            qualification=lead.qualification.summary() if lead.qualification else None,
            actions=tuple(
                a.value for a in next_step_actions(lead.stage, prospecting=lead.prospecting)
            ),
        )


@dataclass(frozen=True)
class Notice:
    """One message to deliver.

    Exactly one destination is set: ``rep_id`` (a direct message), ``thread`` (a reply in the
    thread of the post the lead came from) or ``channel`` (a channel on ``platform``).
    ``update_card`` asks the notifier to update the lead's card in the thread in place rather
    than post a new message; ``edit_ref`` to rewrite another of its messages there.
    """

    text: str
    kind: NoticeKind = NoticeKind.TEXT
    rep_id: int | None = None
    thread: SourceRef | None = None
    channel: str | None = None
    platform: str | None = None
    lead_id: int | None = None
    card: LeadCard | None = None
    update_card: bool = False
    data: Mapping[str, Any] = field(default_factory=dict)
    edit_ref: str | None = None
    """The platform's id of an earlier message of Baton's in the thread to rewrite in place
    (``chat.update``, a Teams activity update) instead of posting: an erasure's edits."""
