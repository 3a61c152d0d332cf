"""``BATON_PHONE_REGION``: the region national numbers are read in (issue 18, item 13)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.phones import PhoneNumbers


def test_the_phone_region_defaults_to_the_us_and_reaches_the_relay() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.baton_phone_region == "US"
    phones = settings.relay_config().phones
    assert isinstance(phones, PhoneNumbers)
    assert phones.region == "US"


def test_a_lower_case_region_is_accepted_and_a_made_up_one_refused() -> None:
    assert Settings(_env_file=None, baton_phone_region="gb").baton_phone_region == "GB"  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="numbering plan"):
        Settings(_env_file=None, baton_phone_region="XX")  # type: ignore[call-arg]


def test_the_reader_gives_where_each_valid_number_is() -> None:
    text = "call (415) 555-0142 or +44 20 7946 0958, not 12345"
    spans = PhoneNumbers("US").spans(text)
    assert [text[start:end] for start, end in spans] == ["(415) 555-0142", "+44 20 7946 0958"]
