"""Phone numbers in free text are found with the numbering plans (a port, read in the team's
region), and email addresses may hold letters of any script (issue 18, item 13)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from bot.phones import PhoneNumbers
from routing import limits
from routing.arrival import posted
from routing.inbound import webhook_arrival
from routing.lead_post import ParsedLead, Unparsed, parse_lead_post
from routing.phones import NO_NUMBERS, Span
from routing.roles import Platform
from tests.support.phones import PHONES


def parsed(text: str, phones: object = PHONES) -> ParsedLead:
    result = parse_lead_post(text, phones=phones)  # type: ignore[arg-type]
    assert isinstance(result, ParsedLead), result
    return result


def test_a_callback_request_in_a_sentence_gives_name_company_and_phone() -> None:
    lead = parsed(
        "Hi, this is Tom Baker from Initech, please call me back on (415) 555-0142 about pricing"
    )
    assert (lead.name, lead.company, lead.phone) == ("Tom Baker", "Initech", "(415) 555-0142")


def test_a_sentence_before_a_colon_is_not_a_label_and_the_phone_is_not_the_title() -> None:
    lead = parsed("Tom Baker (Initech) wants a callback: +1 415 555 0142")
    assert (lead.name, lead.company, lead.phone) == ("Tom Baker", "Initech", "+1 415 555 0142")
    assert dict(lead.fields) == {}


def test_a_plain_unknown_label_before_a_phone_stays_a_field() -> None:
    lead = parsed("Best way to reach: +1 415 555 0142")
    assert lead.phone == "+1 415 555 0142"
    assert lead.name is None


def test_a_national_number_is_read_in_the_configured_region() -> None:
    text = "Jo Bloggs, ring 020 7946 0958"
    assert isinstance(parse_lead_post(text, phones=PhoneNumbers("US")), Unparsed)
    assert parsed(text, PhoneNumbers("GB")).phone == "020 7946 0958"


def test_dates_order_numbers_and_short_numbers_are_not_phones() -> None:
    for text in (
        "Lead: Jo, visit on 2026-11-24",
        "Lead: Jo, order 123456789",
        "Lead: Jo, met 12.05.2024 at 10:30",
        "Lead: Jo, call 555-0142",
    ):
        assert isinstance(parse_lead_post(text, phones=PHONES), Unparsed), text


def test_a_labelled_phone_is_taken_as_written_without_the_reader() -> None:
    lead = parsed("Name: Sam\nPhone: +1 555 123 4567", NO_NUMBERS)
    assert lead.phone == "+1 555 123 4567"


def test_an_email_with_accented_letters_is_read_in_a_post_and_a_webhook() -> None:
    lead = parsed("Name: Léa Martin\nEmail: léa@exemple.fr")
    assert (lead.email, lead.fields["domain"]) == ("léa@exemple.fr", "exemple.fr")
    hook = webhook_arrival("website", {"email": "léa@exemple.fr"}, "{}", phones=PHONES).lead
    assert isinstance(hook, ParsedLead)
    assert hook.email == "léa@exemple.fr"


def test_a_decomposed_accent_is_read_as_the_composed_address() -> None:
    arrival = posted(Platform.SLACK, "C1", "1.1", "Lead: Léa, le\u0301a@exemple.fr", phones=PHONES)
    assert isinstance(arrival.lead, ParsedLead)
    assert arrival.lead.email == "léa@exemple.fr"


def test_an_address_in_another_script_is_read() -> None:
    assert parsed("Lead: Иван, иван@пример.рф").email == "иван@пример.рф"


class CountingReader:
    """A phone reader that counts the characters it is handed."""

    def __init__(self) -> None:
        self.read = 0

    def spans(self, text: str) -> Sequence[Span]:
        self.read += len(text)
        return PHONES.spans(text)


def test_the_phone_reader_is_handed_a_bounded_part_of_any_post() -> None:
    reader = CountingReader()
    post = "\n".join(["call 1 2 3 4 5 6 7 8 9 (0) " * 40] * 200)
    parse_lead_post(post, phones=reader)
    assert reader.read <= limits.PHONE_SCAN


def test_a_post_full_of_digits_is_read_quickly() -> None:
    post = ("1-2.3 (4) " * 4000)[: limits.RAW_TEXT]
    start = time.perf_counter()
    parse_lead_post(post, phones=PHONES)
    assert time.perf_counter() - start < 0.5


def test_a_short_label_with_a_bracket_stays_a_label_and_names_nobody() -> None:
    lead = parsed("Contact (work): +1 415 555 0142")
    assert (lead.name, lead.company, lead.phone) == (None, None, "+1 415 555 0142")
