"""What a person's chat status says about being out of office, and until when.

A status is away when its emoji is one of the away emoji, or its text holds one of the away
words as whole words, case-insensitively: "OOO until Monday" and "Sick" are away, "Cooool" and
"homesick playlist" are not. Slack's ``status_expiration`` (epoch seconds, 0 for none) is when
the rep is back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from routing import limits

DEFAULT_AWAY_STATUSES = (
    ":palm_tree:",
    ":face_with_thermometer:",
    ":airplane:",
    "out of office",
    "ooo",
    "vacationing",
    "on vacation",
    "on holiday",
    "on leave",
    "sick",
)
MAX_STATUS_CHARS = limits.STATUS_TEXT


@dataclass(frozen=True)
class ChatStatus:
    emoji: str = ""
    text: str = ""
    expiration: int = 0
    """Epoch seconds when the status clears itself; 0 when it stays until cleared."""

    @property
    def fingerprint(self) -> str:
        """What identifies this status, so the same one is acted on once."""
        return f"{self.emoji}|{self.text}|{self.expiration}"[: limits.STATUS_KEY]

    @property
    def label(self) -> str:
        return self.text or self.emoji

    def expires_at(self) -> datetime | None:
        if self.expiration <= 0:
            return None
        return datetime.fromtimestamp(min(self.expiration, 253402214400), UTC)


@dataclass(frozen=True)
class AwayStatuses:
    """The statuses that mean away (``BATON_AWAY_STATUSES``): emoji codes and words."""

    emoji: frozenset[str]
    words: re.Pattern[str] | None

    @classmethod
    def of(cls, entries: Iterable[str]) -> AwayStatuses:
        cleaned = [e.strip().lower() for e in entries if e.strip()]
        emoji = frozenset(e for e in cleaned if len(e) > 2 and e[0] == e[-1] == ":")
        words = sorted((e for e in cleaned if e not in emoji), key=len, reverse=True)
        pattern = "|".join(r"\s+".join(map(re.escape, w.split())) for w in words)
        return cls(emoji, re.compile(rf"(?<!\w)(?:{pattern})(?!\w)", re.I) if words else None)

    def means_away(self, status: ChatStatus) -> bool:
        if status.emoji.strip().lower() in self.emoji:
            return True
        text = status.text[:MAX_STATUS_CHARS]
        if any(code in text.lower() for code in self.emoji):
            return True
        return bool(self.words and self.words.search(text))


DEFAULT_AWAY = AwayStatuses.of(DEFAULT_AWAY_STATUSES)


def away_note(status: ChatStatus, platform_name: str = "Slack") -> str:
    """How an explanation names the reason: ``Slack status 'Vacationing'``."""
    label = status.label[:MAX_STATUS_CHARS].replace("'", "’")
    return limits.truncate(f"{platform_name} status '{label}'", limits.STATUS_NOTE)
