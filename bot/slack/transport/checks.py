"""``baton doctor``'s Slack lines: the token is valid (``auth.test``), it was granted the scopes
``manifest.yaml`` asks for (the ``x-oauth-scopes`` header of any Web API answer), the signing
secret is set, and every configured channel exists with the bot in it (``conversations.info``).

Every call has a timeout; a Slack that does not answer is a ✗ line, never a hang.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import Settings
from bot.ops.report import Line, bad, good

TIMEOUT_SECONDS = 10
MANIFEST_NAME = "manifest.yaml"
REINSTALL = (
    "add the scopes to your app (api.slack.com/apps → OAuth & Permissions, or paste "
    "manifest.yaml) and reinstall it"
)
CURRENT_TOKEN = (
    "set SLACK_BOT_TOKEN to the app's current Bot User OAuth Token (xoxb-…), from OAuth & "
    "Permissions"
)
CHANNEL_ID = (
    "give the channel's id (C…, from its details), and for a private channel invite the bot first"
)


def slack_lines(settings: Settings, manifest: Path | None = None) -> list[Line]:
    if not settings.slack_configured():
        return [good("Slack", "not configured (no SLACK_BOT_TOKEN)")]
    lines = [_signing_secret(settings)]
    if not settings.slack_bot_token:
        return [
            *lines,
            bad(
                "Slack token",
                "SLACK_BOT_TOKEN is not set",
                "set it to the app's Bot User OAuth Token (xoxb-…)",
            ),
        ]
    client = WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url or WebClient.BASE_URL,
        timeout=TIMEOUT_SECONDS,
    )
    try:
        answer = client.auth_test()
    except SlackApiError as err:
        error = str(err.response.get("error") or "refused")
        return [
            *lines,
            bad(
                "Slack token",
                f"auth.test answered {error}",
                CURRENT_TOKEN,
            ),
        ]
    except (SlackClientError, OSError) as err:
        return [
            *lines,
            bad(
                "Slack token",
                f"Slack did not answer auth.test ({type(err).__name__})",
                "check the network to slack.com (or SLACK_API_URL)",
            ),
        ]
    team = answer.get("team") or answer.get("team_id") or "?"
    lines.append(good("Slack token", f"valid for {team} as bot {answer.get('user_id')}"))
    lines.append(_scopes(_granted(answer.headers), _wanted(manifest)))
    lines += [_channel(client, channel, role) for channel, role in _channels(settings)]
    return lines


def _signing_secret(settings: Settings) -> Line:
    if settings.slack_app_token:
        return good("Slack signing secret", "not needed (Socket Mode, SLACK_APP_TOKEN)")
    if settings.slack_signing_secret:
        return good("Slack signing secret", "set")
    return bad(
        "Slack signing secret",
        "SLACK_SIGNING_SECRET is not set",
        "copy the Signing Secret from your app's Basic Information page",
    )


def _granted(headers: Mapping[str, Any]) -> set[str] | None:
    for name, value in headers.items():
        if name.lower() == "x-oauth-scopes":
            text = value[0] if isinstance(value, list) else value
            return {s.strip() for s in str(text).split(",") if s.strip()}
    return None


def manifest_path(given: Path | None = None) -> Path | None:
    """``manifest.yaml`` given, in the working directory, or beside the installed code."""
    candidates = (
        [given]
        if given
        else [Path.cwd() / MANIFEST_NAME, Path(__file__).resolve().parents[3] / MANIFEST_NAME]
    )
    return next((p for p in candidates if p is not None and p.is_file()), None)


def _wanted(manifest: Path | None) -> set[str] | None:
    found = manifest_path(manifest)
    if found is None:
        return None
    data = yaml.safe_load(found.read_text(encoding="utf-8")) or {}
    return set(data.get("oauth_config", {}).get("scopes", {}).get("bot", []) or [])


def _scopes(granted: set[str] | None, wanted: set[str] | None) -> Line:
    if granted is None:
        return bad(
            "Slack scopes",
            "Slack did not say which scopes the token has",
            "check SLACK_API_URL points at Slack's Web API",
        )
    if wanted is None:
        return good(
            "Slack scopes",
            f"granted {', '.join(sorted(granted))} (manifest.yaml not found to compare)",
        )
    missing = wanted - granted
    if missing:
        return bad("Slack scopes", f"missing {', '.join(sorted(missing))}", REINSTALL)
    return good("Slack scopes", f"all {len(wanted)} of manifest.yaml's granted")


def _channels(settings: Settings) -> Iterable[tuple[str, str]]:
    seen: dict[str, str] = {}
    for channel in sorted(settings.intake_channels):
        seen.setdefault(channel, "intake channel (BATON_INTAKE_CHANNELS)")
    for configured, role in (
        (settings.baton_digest_channel, "digest channel (BATON_DIGEST_CHANNEL)"),
        (settings.baton_webhook_channel, "webhook channel (BATON_WEBHOOK_CHANNEL)"),
    ):
        if configured:
            seen.setdefault(configured, role)
    return seen.items()


def _channel(client: WebClient, channel: str, role: str) -> Line:
    what = f"Slack {role} {channel}"
    try:
        info = client.conversations_info(channel=channel.lstrip("#"))
    except SlackApiError as err:
        error = str(err.response.get("error") or "refused")
        if error == "missing_scope":
            return bad(
                what, "cannot be checked: the token lacks channels:read / groups:read", REINSTALL
            )
        return bad(
            what,
            f"not found ({error})",
            CHANNEL_ID,
        )
    except (SlackClientError, OSError) as err:
        return bad(
            what, f"Slack did not answer ({type(err).__name__})", "check the network to slack.com"
        )
    details = info.get("channel") or {}
    name = f"#{details.get('name')}" if details.get("name") else channel
    if details.get("is_archived"):
        return bad(what, f"{name} is archived", "unarchive it or configure another channel")
    if not details.get("is_member"):
        return bad(what, f"the bot is not in {name}", f"invite it: /invite @Baton in {name}")
    return good(what, f"{name}, the bot is a member")
