"""Amounts are bounded: a typo of thirty digits is refused plainly, in commands and forms alike."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import limits
from routing.amounts import parse_amount
from routing.commands import Won, parse_command
from routing.errors import InvalidInput, UsageError


@pytest.mark.parametrize(
    "text", ["1000000000000000000000000000k", "1000000000001", "1001bn", "1" + "0" * 60]
)
def test_an_amount_over_the_maximum_is_refused_naming_the_maximum(text: str) -> None:
    with pytest.raises(InvalidInput, match="is more than Baton records: at most 1,000,000,000,000"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["1000000000000", "1000bn", "1,000,000,000,000.00"])
def test_the_maximum_amount_is_taken(text: str) -> None:
    assert parse_amount(text) == limits.MAX_AMOUNT


@pytest.mark.parametrize("text", ["1.2345", "0.0000000000001bn", "1.00000000000000001"])
def test_an_amount_finer_than_cents_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_amount(text)


def test_cents_and_trailing_zeros_are_fine() -> None:
    assert parse_amount("12.5") == Decimal("12.5")
    assert parse_amount("1.2345k") == Decimal("1234.5")
    assert parse_amount("12000.50") == Decimal("12000.50")


def test_a_huge_amount_typed_in_won_is_a_usage_error_not_a_crash() -> None:
    with pytest.raises(UsageError) as refused:
        parse_command("/lead", "won L-1 1000000000000000000000000000k", date(2026, 11, 23))
    assert "at most 1,000,000,000,000" in refused.value.problem
    assert refused.value.usage == "/lead won <id> <amount>"


def test_a_won_amount_at_the_maximum_is_a_command() -> None:
    command = parse_command("/lead", "won L-1 1000bn", date(2026, 11, 23))
    assert command == Won(1, limits.MAX_AMOUNT)


@settings(max_examples=120, deadline=None)
@given(
    text=st.from_regex(r"[$€]?[0-9]{1,40}(?:[.,][0-9]{1,40})?\s?(?:k|m|bn)?", fullmatch=True)
    | st.text(max_size=80)
)
def test_any_amount_taken_is_positive_bounded_and_in_cents(text: str) -> None:
    with contextlib.suppress(InvalidInput):
        amount = parse_amount(text)
        assert 0 < amount <= limits.MAX_AMOUNT
        assert amount == amount.quantize(Decimal("0.01"))
