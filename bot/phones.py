"""Phone numbers in free text, read with Google's numbering plans (the ``phonenumbers`` library).

A run of digits is a phone number only if it is a valid number: one with a ``+`` and a country
code, or a national number valid in the team's region (``BATON_PHONE_REGION``, ``US`` unless
set), so ``(415) 555-0142`` is a number in the US and ``2026-11-24`` or an order number is not.
"""

from __future__ import annotations

from collections.abc import Sequence

import phonenumbers

from routing.phones import Span

__all__ = ["DEFAULT_REGION", "PhoneNumbers", "phone_region"]

DEFAULT_REGION = "US"


def phone_region(text: str | None) -> str:
    """``BATON_PHONE_REGION`` as a region code (``gb`` → ``GB``); :class:`ValueError` for a code
    the numbering plans do not know, so a typo is refused at start instead of reading every
    national number as invalid."""
    region = (text or "").strip().upper() or DEFAULT_REGION
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(
            f"{text!r} is not a region code with a numbering plan (two letters, like US or GB)"
        )
    return region


class PhoneNumbers:
    """The phone reader of :mod:`routing.phones` for one region."""

    def __init__(self, region: str = DEFAULT_REGION) -> None:
        self.region = phone_region(region)

    def spans(self, text: str) -> Sequence[Span]:
        matcher = phonenumbers.PhoneNumberMatcher(
            text, self.region, leniency=phonenumbers.Leniency.VALID
        )
        return [(match.start, match.end) for match in matcher]

    def __repr__(self) -> str:
        return f"PhoneNumbers({self.region!r})"
