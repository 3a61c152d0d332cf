"""``manifest.yaml`` and the running app agree: the same slash commands, events and URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.slack.commands import COMMANDS
from bot.slack.mount import EVENTS_PATH
from tests.e2e.conftest import MANAGER, SlackWorld

MANIFEST = Path(__file__).resolve().parents[2] / "manifest.yaml"


def manifest() -> dict[str, Any]:
    return dict(yaml.safe_load(MANIFEST.read_text(encoding="utf-8")))


def test_the_commands_in_the_manifest_are_the_commands_the_app_answers(slack: SlackWorld) -> None:
    declared = {entry["command"] for entry in manifest()["features"]["slash_commands"]}
    candidates = declared | set(COMMANDS) | {"/leads", "/baton", "/rotations"}

    answered = {name for name in candidates if _answers(slack, name)}

    assert answered == declared
    assert declared == set(COMMANDS)


def _answers(world: SlackWorld, command: str) -> bool:
    answer = world.slack.command(f"{command} help", MANAGER)
    return answer.status == 200 and answer.json().get("response_type") == "ephemeral"


def test_every_manifest_url_is_the_events_route_and_commands_are_escaped() -> None:
    app = manifest()
    urls = [entry["url"] for entry in app["features"]["slash_commands"]]
    urls += [
        app["settings"]["event_subscriptions"]["request_url"],
        app["settings"]["interactivity"]["request_url"],
    ]
    assert {url.removeprefix("https://YOUR-HOST") for url in urls} == {EVENTS_PATH}
    for entry in app["features"]["slash_commands"]:
        assert entry["should_escape"] is True
        assert entry["usage_hint"]
        assert entry["description"]


def test_the_manifest_subscribes_to_the_events_the_app_handles() -> None:
    app = manifest()
    assert set(app["settings"]["event_subscriptions"]["bot_events"]) == {
        "message.channels",
        "message.groups",
        "app_home_opened",
        "user_change",
    }
    assert app["features"]["app_home"]["home_tab_enabled"] is True
    scopes = set(app["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "channels:history", "groups:history", "users:read"} <= scopes
    assert app["settings"]["socket_mode_enabled"] is False
