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

    @property
    def manager_entry(self) -> str:
        """How a user of this platform is written in ``BATON_MANAGERS``."""
        return _MANAGER_ENTRIES[self]


_MANAGER_ENTRIES = {
    Platform.SLACK: "U…",
    Platform.TEAMS: "29:…",
    Platform.CONSOLE: "console:NAME",
}

MANAGER_ENTRY_FORMS = (
    f"Slack {Platform.SLACK.manager_entry}, Teams {Platform.TEAMS.manager_entry}, "
    f"or {Platform.CONSOLE.manager_entry}"
)
"""Every form ``BATON_MANAGERS`` reads, for messages that are about no platform in particular."""


def managers_setting_hint(platform: Platform) -> str:
    """The one wording of "how to name the first managers", in the asking person's own form."""
    where = {
        Platform.SLACK: "Slack user ids",
        Platform.TEAMS: "Teams user ids",
        Platform.CONSOLE: "console names",
    }[platform]
    return f"set BATON_MANAGERS to {where} ({platform.manager_entry}, comma separated)"


ROTATION_ROLES = (Role.QUALIFIER, Role.CLOSER, Role.ACCOUNT_MANAGER)
"""Roles that receive leads on rotation; prospectors source their own, managers oversee."""
