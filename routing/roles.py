"""Who is who: the roles of a specialised sales team and the chat platforms reps live on."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    QUALIFIER = "qualifier"
    PROSPECTOR = "prospector"
    CLOSER = "closer"
    ACCOUNT_MANAGER = "account_manager"
    MANAGER = "manager"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def with_article(self) -> str:
        return f"{'an' if self.label[0] in 'aeiou' else 'a'} {self.label}"


class Platform(StrEnum):
    SLACK = "slack"
    TEAMS = "teams"
    CONSOLE = "console"


ROTATION_ROLES = (Role.QUALIFIER, Role.CLOSER, Role.ACCOUNT_MANAGER)
"""Roles that receive leads on rotation; prospectors source their own, managers oversee."""
