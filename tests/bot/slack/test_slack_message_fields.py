"""Gathering the text, attachment fields and Block Kit fields of Slack message events."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.listeners.message_fields import extract_post
from bot.slack.listeners.mrkdwn import plain_post
from routing.lead_post import ParsedLead, parse_lead_post
from tests.support.phones import PHONES

# A Zapier/HubSpot-style form post: a bot_message whose data sits in a legacy attachment.
FORM_BOT_MESSAGE: dict[str, Any] = {
    "type": "message",
    "subtype": "bot_message",
    "text": "",
    "ts": "1732101234.000200",
    "username": "HubSpot",
    "bot_id": "B0123ABCD",
    "channel": "C0INTAKE",
    "attachments": [
        {
            "id": 1,
            "color": "ff7a59",
            "fallback": "New form submission on Contact us",
            "pretext": "New form submission on *Contact us*",
            "title": "Sam Ortiz",
            "title_link": "https://app.hubspot.com/contacts/1/contact/2",
            "fields": [
                {"title": "First name", "value": "Sam", "short": True},
                {"title": "Last name", "value": "Ortiz", "short": True},
                {
                    "title": "Email",
                    "value": "<mailto:sam@umbrella.co|sam@umbrella.co>",
                    "short": True,
                },
                {"title": "Company", "value": "Umbrella Corp", "short": True},
                {"title": "Number of employees", "value": 250, "short": True},
                {"title": "Message", "value": "We need 40 seats &amp; SSO.", "short": False},
            ],
            "footer": "HubSpot",
            "ts": 1732101234,
        }
    ],
}

# A Block Kit post (Typeform's newer app, or a workflow): section text and section fields.
BLOCK_KIT_MESSAGE: dict[str, Any] = {
    "type": "message",
    "subtype": "bot_message",
    "text": "New lead from Typeform",
    "ts": "1732101299.000300",
    "bot_id": "B0TYPEFORM",
    "blocks": [
        {
            "type": "header",
            "block_id": "h1",
            "text": {"type": "plain_text", "text": "New lead", "emoji": True},
        },
        {
            "type": "section",
            "block_id": "s1",
            "text": {"type": "mrkdwn", "text": "*Source:* Pricing page"},
        },
        {
            "type": "section",
            "block_id": "s2",
            "fields": [
                {"type": "mrkdwn", "text": "*Email:*\n<mailto:jo@initech.com|jo@initech.com>"},
                {"type": "mrkdwn", "text": "*Company*\nInitech"},
                {"type": "mrkdwn", "text": "*Name*\nJo Bloggs"},
                {"type": "plain_text", "text": "Phone: +1 555 010 9999"},
            ],
        },
        {"type": "divider", "block_id": "d1"},
        {
            "type": "actions",
            "block_id": "a1",
            "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Open"}}],
        },
    ],
}


def test_a_form_bot_message_yields_its_attachment_fields() -> None:
    _, pairs, field_texts = extract_post(FORM_BOT_MESSAGE)
    assert pairs == [
        ("First name", "Sam"),
        ("Last name", "Ortiz"),
        ("Email", "<mailto:sam@umbrella.co|sam@umbrella.co>"),
        ("Company", "Umbrella Corp"),
        ("Number of employees", "250"),
        ("Message", "We need 40 seats &amp; SSO."),
    ]
    assert field_texts == []


def test_an_empty_message_text_is_replaced_by_the_attachment_pretext() -> None:
    text, _, _ = extract_post(FORM_BOT_MESSAGE)
    assert text == "New form submission on *Contact us*"


def test_an_attachment_with_only_a_fallback_gives_the_fallback() -> None:
    message = {"text": "", "attachments": [{"fallback": "Lead: Jo, jo@initech.com"}]}
    assert extract_post(message)[0] == "Lead: Jo, jo@initech.com"


def test_a_message_with_text_ignores_the_attachment_text_that_repeats_it() -> None:
    message = {"text": "Lead: Jo, jo@initech.com", "attachments": [{"text": "Lead: Jo"}]}
    assert extract_post(message)[0] == "Lead: Jo, jo@initech.com"


def test_a_block_kit_message_yields_section_texts_and_fields() -> None:
    text, pairs, field_texts = extract_post(BLOCK_KIT_MESSAGE)
    assert text == "New lead from Typeform\n*Source:* Pricing page"
    assert pairs == []
    assert field_texts == [
        "*Email:*\n<mailto:jo@initech.com|jo@initech.com>",
        "*Company*\nInitech",
        "*Name*\nJo Bloggs",
        "Phone: +1 555 010 9999",
    ]


def test_section_text_already_in_the_message_text_is_not_repeated() -> None:
    message = {
        "text": "Lead: Jo, jo@initech.com",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": "Lead: Jo, jo@initech.com"}}
        ],
    }
    assert extract_post(message)[0] == "Lead: Jo, jo@initech.com"


def test_blocks_inside_attachments_are_read_too() -> None:
    message = {
        "text": "",
        "attachments": [
            {
                "blocks": [
                    {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Email*\na@b.co"}]}
                ]
            }
        ],
    }
    assert extract_post(message)[2] == ["*Email*\na@b.co"]


def test_a_plain_user_message_is_just_its_text() -> None:
    message = {
        "type": "message",
        "user": "U0REP",
        "text": "Lead: Sam Ortiz, <mailto:sam@umbrella.co|sam@umbrella.co>, Umbrella Corp",
        "blocks": [{"type": "rich_text", "block_id": "r", "elements": []}],
    }
    assert extract_post(message) == (message["text"], [], [])


def test_the_extracted_form_post_parses_into_a_lead() -> None:
    lead = parse_lead_post(*plain_post(*extract_post(FORM_BOT_MESSAGE)), phones=PHONES)
    assert isinstance(lead, ParsedLead)
    assert (lead.name, lead.email, lead.company) == (
        "Sam Ortiz",
        "sam@umbrella.co",
        "Umbrella Corp",
    )
    assert lead.fields["employees"] == "250"
    assert lead.fields["notes"] == "We need 40 seats & SSO."


def test_the_extracted_block_kit_post_parses_into_a_lead() -> None:
    lead = parse_lead_post(*plain_post(*extract_post(BLOCK_KIT_MESSAGE)), phones=PHONES)
    assert isinstance(lead, ParsedLead)
    assert (lead.name, lead.email, lead.company) == ("Jo Bloggs", "jo@initech.com", "Initech")
    assert lead.phone == "+1 555 010 9999"
    assert lead.fields["source"] == "Pricing page"


def test_malformed_shapes_are_skipped() -> None:
    message = {
        "text": None,
        "attachments": ["oops", {"fields": [None, {"title": True, "value": ["x"]}], "text": 7}],
        "blocks": {"type": "section"},
    }
    assert extract_post(message) == ("7", [], [])


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["text", "attachments", "blocks", "fields", "title", "value", "type"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(message=st.dictionaries(st.sampled_from(["text", "attachments", "blocks"]), _JSON))
def test_any_json_shape_is_read_without_raising(message: dict[str, Any]) -> None:
    text, pairs, field_texts = extract_post(message)
    assert isinstance(text, str)
    assert all(isinstance(title, str) and isinstance(value, str) for title, value in pairs)
    assert all(isinstance(field_text, str) for field_text in field_texts)
