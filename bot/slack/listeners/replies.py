"""Answering the person who acted, wherever they acted, and the one error handler of the app.

Only this reply goes out directly; everything Baton tells other people goes through the outbox.
A slash command is answered in its acknowledgement, a modal in its ``response_action``, and a
button click through the message's ``response_url`` (or the home tab it was clicked in).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt import BoltResponse, Respond
from slack_sdk.errors import SlackApiError

from bot.slack.listeners.deps import SlackDeps
from bot.slack.render.blocks import (
    MentionFn,
    card_blocks,
    cut,
    ephemeral,
    fallback,
    sections,
    slack_text,
    slot_blocks,
)
from bot.slack.render.forms import CALLBACK_PREFIX, INPUT_ACTION
from routing.chat.forms import FORMS
from routing.chat.slots import SlotChoices
from routing.chat.sorry import SORRY
from routing.errors import BatonError, FormProblems, UsageError
from routing.limits import BlockKit
from routing.notices import LeadCard

log = logging.getLogger(__name__)


def request_kind(body: Mapping[str, Any]) -> str:
    """``command``, ``block_actions``, ``view_submission``, ``event_callback`` or another type."""
    return "command" if "command" in body else str(body.get("type", ""))


def acting_user(body: Mapping[str, Any]) -> str | None:
    user = body.get("user")
    if isinstance(user, Mapping):
        return str(user.get("id")) if user.get("id") else None
    return str(body["user_id"]) if body.get("user_id") else None


def clicked_in_home(body: Mapping[str, Any]) -> bool:
    return _field(body, "container", "type") == "view" and _field(body, "view", "type") == "home"


def clicked_in_dm(body: Mapping[str, Any]) -> bool:
    return str(_field(body, "container", "channel_id") or "").startswith("D")


def _field(body: Mapping[str, Any], key: str, name: str) -> object:
    """``body[key][name]`` when ``body[key]`` is an object, else None (payloads are untrusted)."""
    inner = body.get(key)
    return inner.get(name) if isinstance(inner, Mapping) else None


def tell_actor(
    deps: SlackDeps,
    body: Mapping[str, Any],
    respond: Respond | None,
    text: str,
    card: LeadCard | None = None,
    slots: SlotChoices | None = None,
) -> None:
    """Answer a button click: in the home tab, in place of a DM card, or ephemerally (with
    the free times to pick from under the answer, after a hand-off)."""
    user_id = acting_user(body)
    mention = deps.users.mention
    if clicked_in_home(body) and user_id:  # the home shows the text (its typed fallback)
        deps.home.publish(user_id, notice=text)
    elif respond is not None and body.get("response_url"):
        replace = clicked_in_dm(body) and card is not None
        _respond(respond, text, card, replace=replace, deps=deps, slots=slots)
    elif isinstance(channel := _field(body, "channel", "id"), str) and channel and user_id:
        reply = ephemeral(text, mention, card, slots)
        deps.client.chat_postEphemeral(
            channel=channel, user=user_id, text=reply["text"], blocks=reply["blocks"]
        )
    elif user_id:
        deps.client.chat_postMessage(channel=user_id, text=fallback(text, mention))


def _respond(
    respond: Respond,
    text: str,
    card: LeadCard | None,
    *,
    replace: bool,
    deps: SlackDeps,
    slots: SlotChoices | None = None,
) -> None:
    mention = deps.users.mention
    if replace and card is not None:  # a DM card becomes the lead's current card
        answer = respond(
            text=fallback(text, mention),
            blocks=_with_slots(text, slots, card, mention),
            replace_original=True,
        )
    else:
        answer = respond(
            text=fallback(text, mention),
            blocks=sections(slack_text(text, mention)) + slot_blocks(slots),
            response_type="ephemeral",
            replace_original=False,
        )
    if answer.status_code != 200:
        log.warning("response_url answered %s: %s", answer.status_code, answer.body)


def _with_slots(
    text: str, slots: SlotChoices | None, card: LeadCard, mention: MentionFn
) -> list[dict[str, Any]]:
    """The answer, the free times to pick from under it, then the card."""
    if slots is None:
        return card_blocks(card, mention, headline=text)
    blocks = sections(slack_text(text, mention)) + slot_blocks(slots) + card_blocks(card, mention)
    return blocks[: BlockKit.MESSAGE_BLOCKS]


def replace_clicked(
    deps: SlackDeps, body: Mapping[str, Any], respond: Respond, text: str, card: LeadCard | None
) -> None:
    """Answer a click by replacing the message it was in (its buttons go with it): the answer,
    and the lead's card when the message showed one. Without a response URL (a home tab), the
    answer goes where :func:`tell_actor` puts it."""
    if not body.get("response_url") or clicked_in_home(body):
        tell_actor(deps, body, respond, text)
        return
    mention = deps.users.mention
    blocks = (
        card_blocks(card, mention, headline=text)
        if card is not None
        else sections(slack_text(text, mention))
    )
    answer = respond(text=fallback(text, mention), blocks=blocks, replace_original=True)
    if answer.status_code != 200:
        log.warning("response_url answered %s: %s", answer.status_code, answer.body)


def json_response(payload: Mapping[str, Any]) -> BoltResponse:
    return BoltResponse(
        status=200, body=json.dumps(payload), headers={"content-type": "application/json"}
    )


def handle_error(
    deps: SlackDeps, error: Exception, body: dict[str, Any], respond: Respond | None
) -> BoltResponse | None:
    """The app's one error handler: a friendly answer for a BatonError, a logged apology otherwise.

    Returning a response keeps user input from ever causing a 500. An unexpected failure while
    taking in an event keeps its 500, so Slack delivers the event again (intake is idempotent).
    """
    if isinstance(error, BatonError):
        log.info("refused: %s", error.message)
        text = error.message
    else:
        log.error("Slack request failed: %s", request_kind(body), exc_info=error)
        text = SORRY
    kind = request_kind(body)
    if kind == "command":
        return json_response(ephemeral(text, deps.users.mention))
    if kind == "view_submission":
        view = body.get("view")
        return json_response(form_errors(view if isinstance(view, Mapping) else {}, error, text))
    if kind == "block_actions":
        _tell_quietly(deps, body, respond, text)
        return BoltResponse(status=200, body="")
    if isinstance(error, BatonError):
        return BoltResponse(status=200, body="")
    return None


def form_errors(view: Mapping[str, Any], error: Exception, text: str) -> dict[str, Any]:
    """``response_action: errors``: each problem under its field; a problem with the whole form,
    or a refusal (not allowed, wrong stage), under the form's first field."""
    problems = error.problems if isinstance(error, FormProblems) else {}
    first = _first_field(view)
    errors = {key or first: problem for key, problem in problems.items()}
    if not errors:
        errors = {first: error.problem if isinstance(error, UsageError) else text}
    return {
        "response_action": "errors",
        "errors": {key: cut(problem, BlockKit.ERROR_TEXT) for key, problem in errors.items()},
    }


def _first_field(view: Mapping[str, Any]) -> str:
    """The first field of the form the view is (known by its callback id, not its blocks)."""
    name = str(view.get("callback_id", "")).removeprefix(CALLBACK_PREFIX)
    form = FORMS.get(name)
    return form.fields[0].key if form is not None else INPUT_ACTION


def _tell_quietly(
    deps: SlackDeps, body: Mapping[str, Any], respond: Respond | None, text: str
) -> None:
    try:
        tell_actor(deps, body, respond, text)
    except (SlackApiError, OSError) as err:
        log.warning("could not tell %s about the error: %s", acting_user(body), err)
