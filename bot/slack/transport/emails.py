"""Reps' emails Baton never got from Slack: reps added before the app was granted
``users:read.email`` (or only ever mentioned, never acting themselves) have none, so their
HubSpot owner cannot be found, nor their own declined invitations in their calendar feed.
``users.info`` is asked for each of them once per run (``baton crm check``, ``baton crm sync``,
the CRM sender's start; for reps with a calendar feed, the calendar job with HubSpot on or off:
``bot.entrypoints.calendar_emails``), one call after another (Tier
4, far under its limit); a 429 is waited out once as Slack says, a second ends the run.

Slack answers ``users.info`` without the email, not with an error, when the scope is missing;
the granted scopes come in every answer's ``x-oauth-scopes`` header, which tells the two apart
from a profile without an email (a guest, a bot).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.slack.transport.users import actor_from_profile
from routing.usecases.context import Actor

log = logging.getLogger(__name__)

SCOPE = "users:read.email"
TIMEOUT_SECONDS = 10
LONGEST_WAIT = 30.0
"""The longest ``Retry-After`` waited for; a longer one ends the run (the next one goes on)."""


@dataclass
class EmailsFilled:
    asked: int = 0
    found: int = 0
    missing_scope: bool = False
    stopped: str | None = None
    """Why the run ended early (Slack did not answer, or kept rate limiting)."""


def slack_client(token: str, api_url: str | None) -> WebClient:
    """A Web API client at ``api_url`` (``SLACK_API_URL``) with a timeout and no retries."""
    client = WebClient(
        token=token,
        base_url=(api_url or WebClient.BASE_URL).rstrip("/") + "/",
        timeout=TIMEOUT_SECONDS,
    )
    client.retry_handlers = []
    return client


def fill_emails(
    client: WebClient,
    user_ids: Sequence[str],
    remember: Callable[[Actor], object],
    sleep: Callable[[float], None] = time.sleep,
) -> EmailsFilled:
    """Ask ``users.info`` for each of ``user_ids`` and ``remember`` each person whose profile
    shows an email (the relay stores it, made storable, for their CRM owner)."""
    filled = EmailsFilled()
    waited = False
    for user_id in user_ids:
        try:
            answer = client.users_info(user=user_id)
        except SlackApiError as err:
            error = str(err.response.get("error") or "")
            if error == "missing_scope":
                filled.missing_scope = True
                return filled
            wait = _retry_after(err.response.headers) if err.response.status_code == 429 else None
            if wait is not None and not waited and wait <= LONGEST_WAIT:
                waited = True
                sleep(wait)
                continue  # this one is asked again on the next run
            if wait is not None:
                filled.stopped = "Slack kept rate limiting users.info"
                return filled
            log.warning("users.info %s for their email: %s", user_id, error or err)
            continue
        except (SlackClientError, OSError) as err:
            filled.stopped = f"Slack did not answer users.info ({type(err).__name__})"
            log.warning("%s: %s", filled.stopped, err)
            return filled
        filled.asked += 1
        user = answer.get("user")
        actor = actor_from_profile(user_id, user if isinstance(user, Mapping) else {})
        if actor.email:
            remember(actor)
            filled.found += 1
        elif not _granted(answer.headers, SCOPE):
            filled.missing_scope = True
            return filled
    return filled


def _granted(headers: Mapping[str, Any], scope: str) -> bool:
    """Whether the token holds ``scope`` (True when Slack did not say)."""
    for name, value in headers.items():
        if name.lower() == "x-oauth-scopes":
            text = value[0] if isinstance(value, list) else value
            return scope in {s.strip() for s in str(text).split(",")}
    return True


def _retry_after(headers: Mapping[str, Any]) -> float | None:
    for name, value in headers.items():
        if name.lower() == "retry-after":
            text = value[0] if isinstance(value, list) else value
            try:
                return float(text)
            except (TypeError, ValueError):
                return None
    return None
