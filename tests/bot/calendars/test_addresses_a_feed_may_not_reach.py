"""Which addresses a calendar feed may be fetched from, judged without connecting anywhere:
every range that is not globally reachable is refused, not only RFC 1918's (Python's
``is_private`` is False for the shared address space 100.64.0.0/10, where carrier-grade NAT,
Tailscale and Alibaba Cloud's metadata service at 100.100.100.200 live)."""

from __future__ import annotations

import pytest

from bot.calendars.fetch import is_public


@pytest.mark.parametrize(
    "address",
    [
        "100.64.0.1",  # RFC 6598 shared address space
        "100.100.100.200",  # Alibaba Cloud's instance metadata
        "100.127.255.254",
        "192.0.0.1",  # IETF protocol assignments
        "198.18.0.1",  # benchmarking
        "192.0.2.10",  # documentation
        "240.0.0.1",  # reserved
        "255.255.255.255",
        "::ffff:100.64.0.1",  # mapped
        "2002:7f00:1::1",  # 6to4 carrying 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 carrying 169.254.169.254
        "2001:db8::1",  # documentation
        "ff02::1",  # multicast
    ],
)
def test_an_address_that_is_not_globally_reachable_is_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "100.63.255.255", "100.128.0.1", "2001:4860::8888"])
def test_globally_reachable_addresses_next_to_those_ranges_are_public(address: str) -> None:
    assert is_public(address)
