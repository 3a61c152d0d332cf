"""Verified bytes (or a Socket Mode envelope) into the request Bolt dispatches.

Bolt's own parser takes any form body containing the letters ``payload`` for an interactivity
payload, so ``/lead disqualify L-9 bad payload`` reached no listener. Here the kind is decided
from the parsed form: a form with ``command`` is a slash command, one with ``payload`` is
interactivity. Bolt and the listeners index into ``event``, ``actions``, ``view`` and ``user``
without checking their shapes, so a body whose shapes they cannot read is set aside here with a
warning instead of failing inside them. Last, a ``response_url`` that is not Slack's is dropped:
Baton answers only to Slack, whatever a body names.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from slack_bolt import BoltRequest

from routing.text import storable

log = logging.getLogger(__name__)

SLACK_RESPONSE_HOSTS = frozenset({"hooks.slack.com", "slack.com"})
MAX_FORM_FIELDS = 100
"""A slash command has about 15 fields and interactivity one; more is not Slack."""


class Unreadable(ValueError):
    """A verified body that is not a shape Slack sends; answered 400 with a warning."""


def parse_body(raw: bytes, content_type: str) -> dict[str, Any]:
    """The request body as Bolt's listeners see it: the command form, the payload or the event."""
    try:
        text = raw.decode("utf-8")
        if content_type == "application/json" or text.lstrip().startswith("{"):
            return _object(json.loads(text), "the JSON body")
        form = dict(parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise Unreadable(f"unreadable body: {type(err).__name__}") from None
    if "command" in form or "payload" not in form:
        return form
    try:
        return _object(json.loads(form["payload"]), "the payload")
    except (ValueError, RecursionError) as err:
        raise Unreadable(f"unreadable payload: {type(err).__name__}") from None


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Unreadable(f"{what} is a {type(value).__name__}, not an object")
    cleaned: dict[str, Any] = _without_lone_surrogates(value)
    return cleaned


def _without_lone_surrogates(value: Any) -> Any:
    """JSON may escape half a surrogate pair (``\\ud800``); no database stores it."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    return value


# --- shapes Bolt and the listeners rely on ---------------------------------------------------

OWNER_KEYS = ("user", "channel", "team", "enterprise")
"""Text ids, or objects carrying one as ``id``: Bolt reads both and nothing else."""
ID_KEYS = (
    "user_id",
    "team_id",
    "channel_id",
    "enterprise_id",
    "thread_ts",
    "ts",
    "bot_id",
    "subtype",
    "user_team",
    "app_installed_team_id",
    "api_app_id",
)
NESTED = ("event", "message", "previous_message", "item", "assistant_thread", "view")


def drop_unreadable_ids(body: dict[str, Any]) -> list[str]:
    """Remove ids that are not text (``"user": 123``), where Bolt and intake look for them.

    What is left of a post is still a post: without a readable author it is taken in as an
    app's post, rather than lost. Returns the paths removed, for the warning.
    """
    dropped: list[str] = []
    containers: list[tuple[str, Any]] = [("", body)]
    for path, container in containers:
        if not isinstance(container, dict):
            continue
        for key in OWNER_KEYS:
            value = container.get(key)
            readable = (
                value is None
                or isinstance(value, str)
                or (isinstance(value, dict) and isinstance(value.get("id", ""), str))
            )
            if not readable:
                dropped.append(path + key)
                del container[key]
        for key in ID_KEYS:
            if container.get(key) is not None and not isinstance(container[key], str):
                dropped.append(path + key)
                del container[key]
        for key in NESTED:
            child = container.get(key)
            if isinstance(child, dict):
                containers.append((f"{path}{key}.", child))
        authorizations = container.get("authorizations")
        if isinstance(authorizations, list):
            containers.extend((f"{path}authorizations.", a) for a in authorizations)
    return dropped


HANDLED_TYPES = frozenset(
    {
        "event_callback",
        "url_verification",
        "app_rate_limited",
        "block_actions",
        "view_submission",
        "view_closed",
    }
)
"""What Baton answers besides slash commands and ``ssl_check``; Bolt's readers of the other
kinds (shortcuts, workflow steps, dialogs) index into them unchecked, so they stop here."""


def shape_problem(body: Mapping[str, Any]) -> str | None:
    """What in ``body`` Bolt or a listener could not read, or None when it is dispatchable."""
    if "command" not in body and "ssl_check" not in body and body.get("type") not in HANDLED_TYPES:
        return "Baton does not handle this kind of request"
    if "event" in body and not _typed(body["event"]):
        return "its event is not an object with a type"
    for key in ("authorizations", "actions", "response_urls"):
        if key in body and not _mappings(body[key]):
            return f"its {key} are not a list of objects"
    if "view" in body and not _typed(body["view"]):
        return "its view is not an object with a type"
    if "command" in body and not (_strings(body, "command", "user_id")):
        return "its command or user_id is not text"
    kind = body.get("type")
    if kind in {"block_actions", "view_submission", "view_closed", "block_suggestion"}:
        user = body.get("user")
        if not isinstance(user, Mapping) or not _strings(user, "id"):
            return f"its {kind} user has no id"
    if kind == "block_actions" and not _actions(body.get("actions")):
        return "its actions are not a list of objects with an action_id"
    if kind in {"view_submission", "view_closed"} and not (
        isinstance(body.get("view"), Mapping) and _optional_strings(body["view"], "callback_id")
    ):
        return "its view is not an object with a callback_id"
    return None


def _typed(value: object) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("type"), str)


def _mappings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, Mapping) for item in value)


def _strings(mapping: Mapping[str, Any], *keys: str) -> bool:
    return all(isinstance(mapping.get(key), str) for key in keys)


def _optional_strings(mapping: Mapping[str, Any], *keys: str) -> bool:
    return all(isinstance(mapping.get(key, ""), str) for key in keys)


def _actions(value: object) -> bool:
    return (
        _mappings(value) and bool(value) and all(_strings(action, "action_id") for action in value)  # type: ignore[attr-defined]
    )


# --- where Baton may answer ------------------------------------------------------------------


def allowed_response_url(url: object, extra_origins: Iterable[str] = ()) -> bool:
    """True for Slack's own hosts over HTTPS, or the origin of ``SLACK_API_URL``."""
    if not isinstance(url, str):
        return False
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname in SLACK_RESPONSE_HOSTS and parts.port is None:
        return True
    return f"{parts.scheme}://{parts.netloc}" in set(extra_origins)


def origin(api_url: str | None) -> str | None:
    if not api_url:
        return None
    parts = urlsplit(api_url)
    return f"{parts.scheme}://{parts.netloc}"


def drop_foreign_response_urls(body: dict[str, Any], extra_origins: Iterable[str] = ()) -> None:
    """Remove every ``response_url`` of ``body`` that does not point at Slack."""
    origins = tuple(extra_origins)
    url = body.get("response_url")
    if url is not None and not allowed_response_url(url, origins):
        log.warning("ignored a response_url that is not Slack's: %.200r", url)
        del body["response_url"]
    urls = body.get("response_urls")
    if urls is not None:
        entries = urls if isinstance(urls, list) else []
        kept = [
            entry
            for entry in entries
            if isinstance(entry, Mapping)
            and allowed_response_url(entry.get("response_url"), origins)
        ]
        if kept != urls:
            log.warning("ignored response_urls that are not Slack's")
        body["response_urls"] = kept


def bolt_request(
    body: dict[str, Any],
    headers: Mapping[str, str] | None = None,
    extra_origins: Iterable[str] = (),
) -> BoltRequest | None:
    """The request for ``App.dispatch``, or None (and a warning) when Bolt could not read it.

    The body is already verified and parsed, which is what Bolt's ``socket_mode`` requests are:
    Bolt neither parses nor verifies them again.
    """
    dropped = drop_unreadable_ids(body)
    if dropped:
        log.warning("ignored ids that are not text in a Slack request: %s", ", ".join(dropped))
    problem = shape_problem(body)
    if problem is not None:
        log.warning("ignored a Slack request (type %.40r): %s", body.get("type"), problem)
        return None
    drop_foreign_response_urls(body, extra_origins)
    retry_headers: dict[str, str | Sequence[str]] = {
        key.lower(): value
        for key, value in (headers or {}).items()
        if key.lower() in {"x-slack-retry-num", "x-slack-retry-reason"}
    }
    try:
        return BoltRequest(body=body, headers=retry_headers or None, mode="socket_mode")
    except (TypeError, AttributeError, KeyError, IndexError, ValueError) as err:
        log.warning("ignored a Slack request Bolt could not read: %s: %s", type(err).__name__, err)
        return None
