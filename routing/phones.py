"""Finding phone numbers in free text: a port, because telling a phone number from an order
number, a date or a postcode takes the numbering plans of every country, which the domain does
not keep (``bot/phones.py`` reads them with the ``phonenumbers`` library).

The lead parser hands a reader free text only (a labelled ``Phone:`` field is taken as written),
and at most :data:`routing.limits.PHONE_SCAN` characters of one post in all, so reading a post
stays linear in its length however many digits it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

__all__ = ["NO_NUMBERS", "PhoneReader", "Span"]

Span = tuple[int, int]
"""Where a number is in the text it was found in: ``text[start:end]`` is the number as written."""


class PhoneReader(Protocol):
    def spans(self, text: str) -> Sequence[Span]:
        """Where the valid phone numbers in ``text`` are, in order; national numbers are read
        in the team's region (``BATON_PHONE_REGION``)."""
        ...


class _NoNumbers:
    def spans(self, text: str) -> Sequence[Span]:
        return ()


NO_NUMBERS: PhoneReader = _NoNumbers()
"""A reader that finds no number in free text (labelled ``Phone:`` values are still read): what
a :class:`~routing.usecases.context.RelayConfig` made without settings uses."""
