"""Which Slack message events are lead posts, read from Slack's documented payload shapes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bot.slack.listeners.events import inbound_post, posted_by_a_person
from routing.arrival import ChatMessage
from routing.lead import SourceRef
from routing.lead_post import ParsedLead
from routing.roles import Platform
from tests.support.phones import PHONES

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "slack"
INTAKE = frozenset({"C0INTAKE"})


def recorded(name: str) -> dict[str, Any]:
    return copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))


def envelope(event_id: str = "Ev0ABC") -> dict[str, Any]:
    return {**recorded("event_callback"), "event_id": event_id}


def test_a_persons_post_in_the_intake_channel_is_a_lead_post() -> None:
    event = recorded("message")
    post = inbound_post(event, envelope(), INTAKE, phones=PHONES)

    assert post is not None
    assert post.came_from == ChatMessage(
        Platform.SLACK, "C0INTAKE", "1355517523.000005", event_id="Ev0ABC"
    )
    assert post.thread == SourceRef("slack", "C0INTAKE", "1355517523.000005")
    assert isinstance(post.lead, ParsedLead)
    assert (post.lead.name, post.lead.email) == ("Sam Ortiz", "sam@umbrella.co")
    assert posted_by_a_person(event) == "U2147483697"


def test_a_form_apps_bot_message_is_a_lead_post_with_its_fields() -> None:
    event = recorded("message_bot_form")
    post = inbound_post(event, envelope(), INTAKE, phones=PHONES)

    assert post is not None
    assert isinstance(post.lead, ParsedLead)
    assert post.lead.company == "Initech"
    assert posted_by_a_person(event) is None


def test_a_file_shared_with_a_lead_in_its_text_is_a_lead_post() -> None:
    event = {**recorded("message"), "subtype": "file_share", "files": [{"id": "F1"}]}
    assert inbound_post(event, envelope(), INTAKE, phones=PHONES) is not None


@pytest.mark.parametrize(
    "name",
    ["message_thread_reply", "message_changed", "message_deleted", "message_channel_join"],
)
def test_replies_edits_deletions_and_joins_are_not_lead_posts(name: str) -> None:
    assert inbound_post(recorded(name), envelope(), INTAKE, phones=PHONES) is None


def test_posts_outside_the_intake_channels_are_not_lead_posts() -> None:
    event = {**recorded("message"), "channel": "C0RANDOM"}
    assert inbound_post(event, envelope(), INTAKE, phones=PHONES) is None


def test_a_thread_parent_is_still_a_lead_post() -> None:
    event = recorded("message")
    event["thread_ts"] = event["ts"]
    assert inbound_post(event, envelope(), INTAKE, phones=PHONES) is not None


def test_a_retry_under_a_new_event_id_is_the_same_channel_message() -> None:
    event = recorded("message")
    first = inbound_post(event, envelope("Ev1"), INTAKE, phones=PHONES)
    again = inbound_post(event, envelope("Ev2"), INTAKE, phones=PHONES)
    assert first is not None
    assert again is not None
    assert first.keys[0] == again.keys[0]
    assert first.keys[1:] != again.keys[1:]


def test_a_posts_mrkdwn_reaches_the_domain_as_plain_text() -> None:
    event = {
        **recorded("message"),
        "text": "*Email:* <mailto:jo@smith.co|jo@smith.co>\n*Company:* Smith &amp; Sons :tada:",
    }
    post = inbound_post(event, envelope(), INTAKE, phones=PHONES)
    assert post is not None
    assert isinstance(post.lead, ParsedLead)
    assert (post.lead.email, post.lead.company) == ("jo@smith.co", "Smith & Sons")
