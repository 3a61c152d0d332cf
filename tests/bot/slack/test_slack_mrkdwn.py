"""Slack's mrkdwn read as plain text by the Slack adapter, then as a lead by the domain: links,
mentions, escapes, emoji codes and emphasis marks in posts, attachment fields and Block Kit."""

from __future__ import annotations

import time
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.listeners.mrkdwn import plain_post, plain_text, readable_command
from routing.commands import RotationPreview, parse_command
from routing.lead_post import ParsedLead, Unparsed, parse_lead_post
from tests.routing.test_lead_post import FORM_POST
from tests.support.phones import PHONES


def parsed(
    text: str, *, pairs: tuple[tuple[str, str], ...] = (), fields: tuple[str, ...] = ()
) -> ParsedLead:
    result = parse_lead_post(*plain_post(text, pairs, fields), phones=PHONES)
    assert isinstance(result, ParsedLead), result
    return result


def test_an_emoji_code_before_the_lead_header_is_ignored() -> None:
    lead = parsed(":rotating_light: New lead: Jo Bloggs, jo@initech.com — Initech")
    assert (lead.name, lead.email, lead.company) == ("Jo Bloggs", "jo@initech.com", "Initech")


def test_a_mailto_link_yields_the_plain_email() -> None:
    lead = parsed("Lead: Sam, <mailto:Sam@Umbrella.co|Sam@Umbrella.co>")
    assert lead.email == "sam@umbrella.co"


def test_a_tel_link_yields_the_phone_as_written() -> None:
    lead = parsed("Phone: <tel:+4930123|+49 30 123>")
    assert lead.phone == "+49 30 123"


def test_a_link_yields_its_label() -> None:
    lead = parsed("Email: sam@umbrella.co\nWebsite: <http://umbrella.co|umbrella.co>")
    assert lead.fields["website"] == "umbrella.co"


def test_html_entities_slack_escapes_are_undone() -> None:
    lead = parsed("Company: Smith &amp; Sons &lt;UK&gt;\nEmail: jo@smith.co")
    assert lead.company == "Smith & Sons <UK>"


def test_bold_and_italic_label_markers_are_stripped() -> None:
    lead = parsed("*Email:* sam_ortiz@umbrella.co\n_Name:_ Sam\n*Company*: Umbrella")
    assert (lead.email, lead.name, lead.company) == ("sam_ortiz@umbrella.co", "Sam", "Umbrella")


@pytest.mark.parametrize(
    ("mrkdwn", "plain"),
    [
        ("<@U1|ann> and <@U2>", "@ann and @U2"),
        ("<#C1|leads>", "#leads"),
        ("<!here> <!subteam^S1|sales>", "@here @sales"),
        ("<https://umbrella.co>", "https://umbrella.co"),
        ("~old~ `code` *bold* _it_", "old code bold it"),
        (":wave:\u200b hi", " hi"),
    ],
)
def test_mentions_links_and_marks_read_as_a_person_would_read_them(mrkdwn: str, plain: str) -> None:
    assert plain_text(mrkdwn) == plain


SLACK_FORM_POST = """\
*New inbound lead*
*Name:* Sam Ortiz
*E-mail:* <mailto:sam@umbrella.co|sam@umbrella.co>
*Tel:* <tel:+4930123456|+49 30 123456>
*Organisation:* Umbrella Corp
*Country:* Germany
*Company size:* 51-200
*Job title:* VP Sales
*Source:* Webinar
*Website:* <https://umbrella.co|umbrella.co>
*Budget range:* 10k-20k
*Message:*
We need 40 seats.
Before Q1 please."""


def test_a_form_apps_post_in_mrkdwn_is_read_as_its_plain_form() -> None:
    """Every field of it: ``tests/routing/test_lead_post.py`` reads the plain form."""
    assert plain_text(SLACK_FORM_POST) == FORM_POST
    assert parsed(SLACK_FORM_POST) == parse_lead_post(FORM_POST, phones=PHONES)
    assert parsed(SLACK_FORM_POST).phone == "+49 30 123456"


def test_attachment_field_pairs_are_read_like_labels() -> None:
    mailto = "<mailto:sam@umbrella.co|sam@umbrella.co>"
    lead = parsed("New submission", pairs=(("*E-mail*", mailto), ("Company", "Umbrella &amp; Co")))
    assert (lead.email, lead.company) == ("sam@umbrella.co", "Umbrella & Co")


@pytest.mark.parametrize(
    ("field_texts", "plain"),
    [
        (
            ("*Email:*\nsam@umbrella.co", "*Company*\nUmbrella Corp", "*Name*\nSam Ortiz"),
            ("Email:\nsam@umbrella.co", "Company\nUmbrella Corp", "Name\nSam Ortiz"),
        ),
        (
            ("*Email:* sam@umbrella.co", "Company: Umbrella Corp", "Name:\nSam Ortiz"),
            ("Email: sam@umbrella.co", "Company: Umbrella Corp", "Name:\nSam Ortiz"),
        ),
        (("*Email*\nsam@umbrella.co", "*Budget*\n50k"), ("Email\nsam@umbrella.co", "Budget\n50k")),
    ],
)
def test_block_kit_field_texts_are_read_as_their_plain_label_and_value(
    field_texts: tuple[str, ...], plain: tuple[str, ...]
) -> None:
    assert plain_post("", (), field_texts)[2] == list(plain)
    assert parsed("New form submission", fields=field_texts).email == "sam@umbrella.co"


def test_a_post_of_emphasis_marks_only_is_empty() -> None:
    assert parse_lead_post(*plain_post("*  *", (), ()), phones=PHONES) == Unparsed(
        "the post is empty"
    )


def test_a_pasted_post_in_a_preview_is_read_like_a_post() -> None:
    typed = "preview *Email:* <mailto:a@b.co|a@b.co> <@U1|ann>"
    command = parse_command("/rotation", typed, date(2026, 11, 23))
    assert readable_command(command) == RotationPreview("Email: a@b.co @ann")


_PIECES = st.sampled_from(
    [
        "Lead: ", "*Phone:* ", "sam@umbrella.co", "<mailto:a@b.co|a@b.co>", "<tel:+4930|+49 30>",
        "<http://x.co|x.co>", "<@U1>", "<!here>", "&amp;", "&lt;", "<", ">", "|", ":", "\n",
        "*", "_", "~", "`", ":wave:", "\u200b", "\r\n", "ä",
    ]
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(_PIECES, max_size=20).map("".join) | st.text(max_size=120))
def test_any_mrkdwn_reads_as_plain_text_and_then_as_a_lead_or_unparsed(mrkdwn: str) -> None:
    plain = plain_text(mrkdwn)
    assert "\r" not in plain
    assert "\u200b" not in plain
    assert isinstance(parse_lead_post(plain, phones=PHONES), ParsedLead | Unparsed)


@pytest.mark.parametrize("unit", ["<", "<a|", "*_a", ":a", "<mailto:a@b.co|"])
def test_reading_adversarial_mrkdwn_takes_time_linear_in_its_length(unit: str) -> None:
    """One 200 KB text takes about as long as eight of 25 KB; quadratic reading would take 8×."""
    small, large = _repeated(unit, 25_000), _repeated(unit, 200_000)
    best_large = best_small = float("inf")
    for _ in range(3):
        start = time.process_time()
        plain_text(large)
        best_large = min(best_large, time.process_time() - start)
        start = time.process_time()
        for _ in range(8):
            plain_text(small)
        best_small = min(best_small, time.process_time() - start)
    assert best_large / best_small < 4


def _repeated(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]
