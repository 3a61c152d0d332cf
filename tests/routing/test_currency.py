"""``BATON_CURRENCY``: one formatter writes every amount in the team's currency, everywhere."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from routing.chat.digest import digest_view
from routing.chat.formatting import (
    currency_code,
    format_change,
    format_money,
    format_tenure,
    money_heading,
)
from routing.dashboard.export import lead_columns
from routing.metrics import Delta, Tenure
from tests.support.digests import a_digest


@pytest.mark.parametrize(
    ("currency", "shown"),
    [
        ("GBP", "£24,000"),
        ("EUR", "€24,000"),
        ("USD", "$24,000"),
        ("CAD", "CA$24,000"),
        ("CHF", "CHF 24,000"),
        ("", "24,000"),
    ],
)
def test_an_amount_is_written_with_its_currency(currency: str, shown: str) -> None:
    assert format_money(Decimal(24000), currency) == shown


def test_cents_and_signs_keep_their_place_around_the_symbol() -> None:
    assert format_money(Decimal("1234.5"), "GBP") == "£1,234.50"
    assert format_money(Decimal(-8000), "GBP") == "-£8,000"
    delta = Delta("won_value", "Won value", "money", Decimal(42000), Decimal(50000),
                  Decimal(-8000), -16.0)  # fmt: skip
    assert format_change(delta, "GBP") == "-£8,000, -16%"


@pytest.mark.parametrize(("written", "code"), [("gbp", "GBP"), (" EUR ", "EUR"), ("", "")])
def test_the_setting_is_read_as_an_iso_code(written: str, code: str) -> None:
    assert currency_code(written) == code


@pytest.mark.parametrize("written", ["£", "pounds", "GB", "G8P"])
def test_a_setting_that_is_no_iso_code_is_refused(written: str) -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        currency_code(written)


def test_the_digest_writes_every_amount_in_the_digests_currency() -> None:
    digest = replace(a_digest(), currency="GBP")
    view = digest_view(digest)
    facts = {fact.label: fact.shown for fact in view.headline}
    assert facts["Won value"] == "£42,000 (+£42,000)"
    assert "(£42,000)" in view.summary
    assert "£" in digest.text
    assert "£" not in a_digest().text, "no currency by default"


def test_the_spreadsheets_amount_columns_name_the_currency() -> None:
    assert money_heading("won_amount", "GBP") == "won_amount (GBP)"
    columns = lead_columns("GBP")
    assert "won_amount (GBP)" in columns
    assert "expansion_total (GBP)" in columns
    assert "won_amount" in lead_columns()


def test_tenure_is_a_figure_never_a_python_none() -> None:
    assert format_tenure(Tenure(0, None)) == "–"
    assert format_tenure(Tenure(1, 0.2, 0.2)) == "under a month"
    assert format_tenure(Tenure(4, 0.5, 2.0)) == "0.5 months"
