"""``manifest.yaml`` and the running app agree: the same slash commands, events and URL."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from bot.slack.listeners.commands import COMMANDS
from bot.slack.transport.mount import EVENTS_PATH
from tests.e2e.conftest import MANAGER, SlackWorld

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "manifest.yaml"

# Web API method → the bot scopes Slack's method reference requires for the conversations Baton
# calls it on (None: no scope needed). DMs are chat.postMessage with the user id as the channel
# (it posts to the app's Home messages tab); conversations.open (im:write) only finds the DM's id
# to look in it before a DM is posted again.
METHOD_SCOPES: dict[str, str | tuple[str, ...] | None] = {
    "chat.postMessage": "chat:write",
    "chat.postEphemeral": "chat:write",
    "chat.update": "chat:write",
    "users.info": "users:read",
    "files.getUploadURLExternal": "files:write",
    "files.completeUploadExternal": "files:write",
    "views.open": None,  # opened from a trigger_id
    "views.publish": None,  # the Home tab
    "auth.test": None,
    "apps.connections.open": None,  # Socket Mode: the app-level token's connections:write
    # any message looked up before a re-send: channels, private channels, DMs
    "conversations.history": ("channels:history", "groups:history", "im:history"),
    "conversations.replies": ("channels:history", "groups:history"),
    "conversations.open": "im:write",
    # baton doctor: a configured channel exists and the bot is in it (public and private)
    "conversations.info": ("channels:read", "groups:read"),
}
SDK_CALLS = {
    "files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal"),
    "apps_connections_open": ("apps.connections.open",),
}
"""slack_sdk helpers that make more than one Web API call."""
EVENT_SCOPES: dict[str, str | None] = {
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "app_home_opened": None,
    "user_change": "users:read",
}
FEATURE_SCOPES = {"slash_commands": "commands"}
_FAMILIES = "chat|users|files|views|conversations|auth|reactions|team|apps|usergroups|pins|im"
_CALL = re.compile(rf"\.((?:{_FAMILIES})_[A-Za-z0-9_]+)\s*\(")
_API_CALL = re.compile(r"api_call\(\s*[\"']([\w.]+)[\"']")


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


def web_api_methods_called() -> set[str]:
    """Every Web API method Baton's code calls: ``client.chat_postMessage(`` and friends."""
    methods: set[str] = set()
    for source in (ROOT / "bot").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        for call in _CALL.findall(text):
            family, _, name = call.partition("_")
            methods.update(SDK_CALLS.get(call, (f"{family}.{name}",)))
        methods.update(_API_CALL.findall(text))
    return methods


def test_every_web_api_method_the_code_calls_has_its_scope_in_the_table() -> None:
    called = web_api_methods_called()
    assert {"chat.postMessage", "users.info", "views.publish"} <= called  # the grep finds calls
    assert called - set(METHOD_SCOPES) == set(), "add the new method and its scope to the table"


def test_the_manifest_asks_for_exactly_the_scopes_the_calls_events_and_features_need() -> None:
    app = manifest()
    needed = {scope for m in web_api_methods_called() for scope in _scopes(METHOD_SCOPES[m])}
    needed |= {EVENT_SCOPES[e] for e in app["settings"]["event_subscriptions"]["bot_events"]}
    needed |= {scope for feature, scope in FEATURE_SCOPES.items() if app["features"].get(feature)}
    needed |= {"users:read.email"}  # users.info's profile.email: a rep's HubSpot owner

    assert set(app["oauth_config"]["scopes"]["bot"]) == needed - {None}


def _scopes(scopes: str | tuple[str, ...] | None) -> tuple[str | None, ...]:
    return scopes if isinstance(scopes, tuple) else (scopes,)
