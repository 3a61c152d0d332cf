"""Baton's platform-neutral text as Teams text: mention tokens become ``<at>`` mentions.

A ``<rep:ID|name>`` token names a rep who may be on Slack or on Teams (one team, two platforms):
a Teams rep becomes a real mention (``<at>name</at>`` plus a ``mention`` entity carrying their
``29:`` id), anyone else is written as their plain name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from routing.roles import Platform
from routing.team import Rep, render_mentions


class TeamsText:
    """Renders texts for one message and collects the mention entities they need."""

    def __init__(self, reps: Mapping[int, Rep]) -> None:
        self.reps = reps
        self.entities: list[dict[str, Any]] = []

    def __call__(self, text: str) -> str:
        return render_mentions(text, self._mention)

    def _mention(self, rep_id: int, name: str) -> str:
        rep = self.reps.get(rep_id)
        if rep is None or rep.platform is not Platform.TEAMS:
            return name
        tag = f"<at>{name}</at>"
        entity = {"type": "mention", "text": tag, "mentioned": {"id": rep.user_id, "name": name}}
        if entity not in self.entities:
            self.entities.append(entity)
        return tag


def paragraphs(text: str) -> str:
    """Teams joins single newlines; blank lines keep Baton's line breaks."""
    return "\n\n".join(line for line in text.split("\n"))
