"""Sources as a metric's labels: grouped as the funnel groups them, never naming a person."""

from __future__ import annotations

from routing.operations import OTHER_SOURCE, fold_sources, source_label


def test_an_outbound_lead_is_counted_as_outbound_not_under_its_prospector() -> None:
    assert source_label("outbound", "Priya Shah", None) == ("outbound", "outbound")


def test_spellings_of_one_source_share_a_label() -> None:
    assert source_label("inbound", "  Web  Form ", None) == ("web form", "inbound")
    assert source_label("inbound", "web form", None) == ("web form", "inbound")


def test_a_lead_with_no_source_is_counted_under_its_channel_or_unknown() -> None:
    assert source_label("inbound", None, "C0INTAKE") == ("#C0INTAKE", "inbound")
    assert source_label("inbound", "", None) == ("unknown", "inbound")


def test_an_address_or_an_overlong_source_is_other() -> None:
    assert source_label("inbound", "sam@umbrella.example", None)[0] == OTHER_SOURCE
    assert source_label("inbound", "x" * 65, None)[0] == OTHER_SOURCE


def test_beyond_the_largest_sources_the_rest_are_summed_as_other() -> None:
    counted = {("a", "inbound"): 5, ("b", "inbound"): 3, ("c", "inbound"): 1, ("d", "inbound"): 1}
    assert fold_sources(counted, 2) == {
        ("a", "inbound"): 5,
        ("b", "inbound"): 3,
        (OTHER_SOURCE, "inbound"): 2,
    }
