"""Reading inbound lead posts: one-liners, labelled lines and form-integration fields, in the
plain text every adapter hands the domain (Slack's mrkdwn is read in tests/bot/slack)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.errors import BatonError
from routing.lead_post import (
    FREE_MAIL_DOMAINS,
    ParsedLead,
    Unparsed,
    email_domain,
    parse_lead_post,
)
from tests.support.phones import PHONES


def parsed(
    text: str, *, pairs: tuple[tuple[str, str], ...] = (), fields: tuple[str, ...] = ()
) -> ParsedLead:
    result = parse_lead_post(text, pairs, fields, phones=PHONES)
    assert isinstance(result, ParsedLead), result
    return result


# --- one-liners -------------------------------------------------------------------------------


def test_a_lead_line_yields_name_email_and_company() -> None:
    lead = parsed("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    assert (lead.name, lead.email, lead.company) == (
        "Sam Ortiz",
        "sam@umbrella.co",
        "Umbrella Corp",
    )


@pytest.mark.parametrize(
    "text",
    [
        "New lead: Umbrella Corp, sam.ortiz@umbrella.co, Sam Ortiz",
        "New lead: sam.ortiz@umbrella.co, Umbrella Corp, Sam Ortiz",
        "Lead: Sam Ortiz, Umbrella, sam.ortiz@umbrella.co",
        "Lead: Umbrella, Sam Ortiz, sam.ortiz@umbrella.co",
        "Sam Ortiz <sam.ortiz@umbrella.co> (Umbrella Corp)",
        "Lead: Sam Ortiz from Umbrella Corp, sam.ortiz@umbrella.co",
    ],
)
def test_name_and_company_are_told_apart_in_any_order(text: str) -> None:
    lead = parsed(text)
    assert lead.name == "Sam Ortiz"
    assert lead.company in ("Umbrella Corp", "Umbrella")
    assert lead.email == "sam.ortiz@umbrella.co"


def test_with_no_hint_the_first_word_group_is_the_name() -> None:
    lead = parsed("Lead: Jo Bloggs, Initech, jo@gmail.com")
    assert (lead.name, lead.company) == ("Jo Bloggs", "Initech")


def test_line_ends_and_invisible_characters_are_tidied_before_reading() -> None:
    lead = parsed("Name: Sam\u200b Ortiz\r\nEmail: sam@umbrella.co\rCompany: Umbrella\ufeff")
    assert (lead.name, lead.email, lead.company) == ("Sam Ortiz", "sam@umbrella.co", "Umbrella")


def test_a_chatty_line_gives_a_phone_but_no_name() -> None:
    lead = parsed("Meeting at 10:30: call +49 30 1234 567")
    assert (lead.phone, lead.name, lead.company) == ("+49 30 1234 567", None, None)


# --- one-line forms and introductions ---------------------------------------------------------


def test_a_form_integrations_one_line_post_gives_every_field() -> None:
    lead = parsed("Name: Priya Shah Email: priya@acme.io Company: Acme Inc Phone: +44 20 7946 0000")
    assert (lead.name, lead.email, lead.company, lead.phone) == (
        "Priya Shah",
        "priya@acme.io",
        "Acme Inc",
        "+44 20 7946 0000",
    )


@pytest.mark.parametrize(
    "text",
    [
        "FULL NAME: Priya Shah E-MAIL: priya@acme.io COMPANY NAME: Acme Inc TEL: +44 20 7946 0000",
        "full name: Priya Shah e-mail: priya@acme.io organisation: Acme Inc tel: +44 20 7946 0000",
        "Full name:Priya Shah Work email:priya@acme.io Company:Acme Inc Mobile:+44 20 7946 0000",
        (
            "Company: Acme Inc Phone number: +44 20 7946 0000 "
            "Your name: Priya Shah E-mail: priya@acme.io"
        ),
        "Name : Priya Shah  Email : priya@acme.io  Company : Acme Inc  Tel. : +44 20 7946 0000",
    ],
)
def test_one_line_posts_split_where_a_known_label_starts_in_any_case(text: str) -> None:
    lead = parsed(text)
    assert (lead.name, lead.email, lead.company, lead.phone) == (
        "Priya Shah",
        "priya@acme.io",
        "Acme Inc",
        "+44 20 7946 0000",
    )


def test_a_one_line_post_keeps_unknown_labels_and_the_message_whole() -> None:
    lead = parsed(
        "Name: Priya Shah Email: priya@acme.io Seats: 10 Website: https://acme.io "
        "Message: call me: after 5pm at home Email: not this one"
    )
    assert (lead.name, lead.email) == ("Priya Shah", "priya@acme.io")
    assert lead.fields["website"] == "https://acme.io"
    assert lead.fields["notes"] == "call me: after 5pm at home Email: not this one"
    assert lead.fields["employees"] == "10"


def test_a_word_before_a_colon_that_is_no_known_label_does_not_split_a_value() -> None:
    lead = parsed("Name: Priya Shah Email: priya@acme.io Note to self: ring at 10:30")
    assert lead.name == "Priya Shah"
    assert lead.email == "priya@acme.io"


@pytest.mark.parametrize(
    ("text", "name", "company"),
    [
        ("Hi, I am Tom from Initech, tom@initech.com", "Tom", "Initech"),
        ("Hello, I'm Tom Smith from Initech, tom@initech.com", "Tom Smith", "Initech"),
        ("Hi there, my name is Dana Lee, dana@globex.com, Globex", "Dana Lee", "Globex"),
        ("This is Ana at Hooli - ana@hooli.com", "Ana", "Hooli"),
    ],
)
def test_an_introduction_gives_the_bare_name(text: str, name: str, company: str) -> None:
    lead = parsed(text)
    assert (lead.name, lead.company) == (name, company)


# --- labelled lines ---------------------------------------------------------------------------

FORM_POST = """\
New inbound lead
Name: Sam Ortiz
E-mail: sam@umbrella.co
Tel: +49 30 123456
Organisation: Umbrella Corp
Country: Germany
Company size: 51-200
Job title: VP Sales
Source: Webinar
Website: umbrella.co
Budget range: 10k-20k
Message:
We need 40 seats.
Before Q1 please."""


def test_labelled_lines_fill_every_recognised_field() -> None:
    lead = parsed(FORM_POST)
    assert lead.name == "Sam Ortiz"
    assert lead.email == "sam@umbrella.co"
    assert lead.phone == "+49 30 123456"
    assert lead.company == "Umbrella Corp"
    assert dict(lead.fields) == {
        "country": "Germany",
        "employees": "51-200",
        "title": "VP Sales",
        "source": "Webinar",
        "website": "umbrella.co",
        "budget_range": "10k-20k",
        "notes": "We need 40 seats.\nBefore Q1 please.",
        "domain": "umbrella.co",
    }


@pytest.mark.parametrize(
    ("label", "key", "value"),
    [
        ("EMAIL", "email", "sam@umbrella.co"),
        ("Email address", "email", "sam@umbrella.co"),
        ("Mobile", "phone", "+1 555 123 4567"),
        ("Telephone", "phone", "0049 30 1234"),
        ("Organization", "company", "Umbrella Corp"),
        ("Employees", "employees", "250"),
        ("Title", "title", "Head of Ops"),
        ("Notes", "notes", "Call after 5"),
        ("Lead source", "source", "Webinar"),
    ],
)
def test_labels_are_matched_case_insensitively_with_their_aliases(
    label: str, key: str, value: str
) -> None:
    lead = parsed(f"{label}: {value}\nEmail: backup@umbrella.co")
    found = {"email": lead.email, "phone": lead.phone, "company": lead.company, **lead.fields}
    assert found[key] == value


def test_unknown_labels_are_kept_snake_cased() -> None:
    lead = parsed("Email: sam@umbrella.co\nHow did you hear about us?: A podcast")
    assert lead.fields["how_did_you_hear_about_us"] == "A podcast"


def test_several_labels_on_one_line_are_read_separately() -> None:
    lead = parsed("Name: Sam, Email: sam@x.io, Phone: +1 (555) 123-4567")
    assert (lead.name, lead.email, lead.phone) == ("Sam", "sam@x.io", "+1 (555) 123-4567")


def test_a_known_label_may_run_into_its_value() -> None:
    assert parsed("Email:Sam@Umbrella.co").email == "sam@umbrella.co"


def test_a_time_of_day_is_not_taken_for_a_label() -> None:
    lead = parsed("Email: sam@umbrella.co\nCall at 10:30 tomorrow")
    assert "call_at_10" not in lead.fields


def test_first_and_last_name_are_joined() -> None:
    lead = parsed("First name: Sam\nLast name: Ortiz\nEmail: sam@umbrella.co")
    assert lead.name == "Sam Ortiz"
    assert "first_name" not in lead.fields


def test_placeholder_values_are_ignored() -> None:
    lead = parsed("Email: sam@umbrella.co\nPhone: n/a\nCompany: -")
    assert (lead.phone, lead.company) == (None, None)


def test_an_email_beside_a_name_is_found() -> None:
    lead = parsed("Contact: Dan O'Brien, o'brien@acme.io")
    assert (lead.name, lead.email) == ("Dan O'Brien", "o'brien@acme.io")


def test_a_phone_in_the_message_is_the_last_resort() -> None:
    lead = parsed("Message: please call me back at +44 20 7946 0958")
    assert lead.phone == "+44 20 7946 0958"


def test_a_lead_line_under_an_unknown_header_keeps_its_name() -> None:
    lead = parsed("New lead from website:\nSam Ortiz, sam@umbrella.co")
    assert (lead.name, lead.email) == ("Sam Ortiz", "sam@umbrella.co")


# --- attachment fields and Block Kit fields ---------------------------------------------------


def test_attachment_field_pairs_are_read_like_labels() -> None:
    lead = parsed(
        "New submission",
        pairs=(
            ("First name", "Sam"),
            ("Last name", "Ortiz"),
            ("E-mail", "sam@umbrella.co"),
            ("Company", "Umbrella Corp"),
            ("Employees", "250"),
        ),
    )
    assert (lead.name, lead.email, lead.company) == (
        "Sam Ortiz",
        "sam@umbrella.co",
        "Umbrella Corp",
    )
    assert lead.fields["employees"] == "250"


def test_attachment_fields_win_over_the_message_text() -> None:
    lead = parsed("Email: old@umbrella.co", pairs=(("Email", "new@umbrella.co"),))
    assert lead.email == "new@umbrella.co"


@pytest.mark.parametrize(
    "field_texts",
    [
        ("Email:\nsam@umbrella.co", "Company\nUmbrella Corp", "Name\nSam Ortiz"),
        ("Email: sam@umbrella.co", "Company: Umbrella Corp", "Name:\nSam Ortiz"),
    ],
)
def test_block_kit_field_texts_are_read_as_label_and_value(field_texts: tuple[str, ...]) -> None:
    lead = parsed("New form submission", fields=field_texts)
    assert (lead.email, lead.company, lead.name) == (
        "sam@umbrella.co",
        "Umbrella Corp",
        "Sam Ortiz",
    )


def test_an_unknown_block_kit_label_becomes_a_field() -> None:
    lead = parsed("", fields=("Email\nsam@umbrella.co", "Budget\n50k"))
    assert lead.fields["budget"] == "50k"


# --- unparsed ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n ", "\u200b \r\n"])
def test_an_empty_post_is_unparsed(text: str) -> None:
    assert parse_lead_post(text, phones=PHONES) == Unparsed("the post is empty")


def test_a_post_without_email_or_phone_is_unparsed() -> None:
    assert parse_lead_post("hello team, anyone free for lunch?", phones=PHONES) == Unparsed(
        "no email address or phone number found"
    )


def test_an_unreadable_labelled_email_is_named_in_the_reason() -> None:
    assert parse_lead_post("Email: sam(at)umbrella.co", phones=PHONES) == Unparsed(
        "`sam(at)umbrella.co` is not an email address, and no phone number found"
    )


def test_a_phone_alone_is_enough_to_route() -> None:
    lead = parsed("Lead: Jo Bloggs, +44 20 7946 0958")
    assert (lead.email, lead.phone, lead.name) == (None, "+44 20 7946 0958", "Jo Bloggs")


def test_a_date_is_not_taken_for_a_phone() -> None:
    assert isinstance(parse_lead_post("Lead: Jo, visit on 2026-11-24", phones=PHONES), Unparsed)


# --- email domains ----------------------------------------------------------------------------


def test_a_company_email_sets_the_domain_but_not_the_company() -> None:
    lead = parsed("Email: sam@umbrella.co")
    assert lead.company is None
    assert lead.fields["domain"] == "umbrella.co"


def test_a_free_mail_email_sets_no_domain() -> None:
    assert "domain" not in parsed("Email: sam@gmail.com").fields


@pytest.mark.parametrize(
    "email",
    [
        "a@gmail.com", "a@GoogleMail.com", "a@yahoo.co.uk", "a@yahoo.com.ar", "a@hotmail.fr",
        "a@gmx.de", "a@web.de", "a@proton.me", "a@outlook.com", "a@icloud.com",
    ],
)  # fmt: skip
def test_free_mail_addresses_have_no_company_domain(email: str) -> None:
    assert email_domain(email) is None


def test_a_company_address_has_its_domain() -> None:
    assert email_domain("Sam@Umbrella.Co") == "umbrella.co"
    assert email_domain("sam@mail.umbrella.co") == "mail.umbrella.co"


@pytest.mark.parametrize("email", ["", "sam", "sam@", "@umbrella.co", "sam@localhost"])
def test_a_malformed_address_has_no_domain(email: str) -> None:
    assert email_domain(email) is None


def test_the_free_mail_list_covers_the_big_providers() -> None:
    big = {"gmail.com", "hotmail.com", "yahoo.com", "gmx.net", "zoho.com", "yandex.ru"}
    assert big <= FREE_MAIL_DOMAINS


# --- robustness -------------------------------------------------------------------------------

_PIECES = st.sampled_from(
    [
        "Lead: ", "Email: ", "*Phone:* ", "Name:\n", "sam@umbrella.co", "<mailto:a@b.co|a@b.co>",
        "<tel:+4930|+49 30>", "<http://x.co|x.co>", "<@U1>", "&amp;", "&lt;", "+49 30 1234567",
        ", ", " - ", "(", ")", ":", "\n", "\n\n", "*", "_", "~", "Umbrella Corp", "Sam Ortiz",
        "2026-11-24", "n/a", ":wave:", "|", "•", "\u200b", "ä", "٤",
    ]
)  # fmt: skip
_TEXT = st.lists(_PIECES, max_size=15).map("".join) | st.text(max_size=120)


@settings(max_examples=300, deadline=None)
@given(
    text=_TEXT,
    pairs=st.lists(st.tuples(_TEXT, _TEXT), max_size=3),
    field_texts=st.lists(_TEXT, max_size=3),
)
def test_any_post_parses_or_is_unparsed(
    text: str, pairs: list[tuple[str, str]], field_texts: list[str]
) -> None:
    try:
        result = parse_lead_post(text, pairs, field_texts, phones=PHONES)
    except BatonError:
        return
    assert isinstance(result, ParsedLead | Unparsed)
    if isinstance(result, ParsedLead):
        assert result.email is not None or result.phone is not None


# --- linear time ------------------------------------------------------------------------------

_ADVERSARIAL = {  # a prefix, then a unit repeated to the length tried
    "space-colon": ("", " :"),
    "colon-then-letters": (" :", "a"),
    "angle-brackets": ("", "<"),
    "angle-pipe": ("", "<a|"),
    "stars-and-underscores": ("", "*_a"),
    "labels-on-one-line": ("", "Email: x Name: "),
    "label-lines": ("", "Email:\n"),
    "quotes-in-a-local-part": ("", "a'"),
    "digits": ("", "1 "),
    "brackets": ("", "("),
    "spaces-between-colons": (": :", " "),
    "domains": ("a@", "b."),
    "emails-and-brackets": ("", "a@b.co " + "(" * 60 + "\n"),
    "commas-and-labels": ("", "Name: x, "),
}


def _adversarial(prefix: str, unit: str, size: int) -> str:
    return prefix + (unit * (size // len(unit) + 1))[: size - len(prefix)]


def _cpu_seconds(text: str, times: int) -> float:
    start = time.process_time()
    for _ in range(times):
        parse_lead_post(text, phones=PHONES)
    return time.process_time() - start


def _ratio(large: str, small: str, smalls: int) -> float:
    """CPU time of one ``large`` parse over ``smalls`` small ones, each the best of three runs.

    Runs alternate, and CPU time leaves out the time the process waits for a core, so other work
    on the machine weighs on both sides alike.
    """
    best_large = best_small = float("inf")
    for _ in range(3):
        best_large = min(best_large, _cpu_seconds(large, 1))
        best_small = min(best_small, _cpu_seconds(small, smalls))
    return best_large / best_small


@pytest.mark.parametrize(("prefix", "unit"), list(_ADVERSARIAL.values()), ids=list(_ADVERSARIAL))
def test_parsing_an_adversarial_post_takes_time_linear_in_its_length(
    prefix: str, unit: str
) -> None:
    """One 20 KB post takes about as long as eight of 2.5 KB; quadratic parsing would take 8×.

    Both sizes stay small enough for the CPU's caches, which would add a step of their own to the
    ratio; ``benchmarks/parse.py`` times 40 KB posts.
    """
    small, large = _adversarial(prefix, unit, 2_500), _adversarial(prefix, unit, 20_000)
    ratio = _ratio(large, small, 8)
    assert ratio < 4, f"one 20 KB post took {ratio:.1f}× as long as eight of 2.5 KB"
