"""A contact's rights: what identifies a person, how their details are taken out of stored text,
and what an erased lead keeps.

An erased lead keeps every value a figure is computed from (stage, owner, pool, times, amounts,
source, the email's domain and the company, which name the organisation and not the person) so
that every past digest, ``/funnel`` and dashboard figure stays the same; the person's name, email,
phone, raw post and notes go. Wherever else the person is named (a reason, a DM's text, a stored
reply), the identifying values are replaced by :data:`ERASED`.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from routing.chat.erasure import DETAILS_ERASED

__all__ = [
    "DETAILS_ERASED",
    "ERASED",
    "Person",
    "PostedMessage",
    "Scrubber",
    "erased_fields",
    "erased_key",
]

ERASED = "[erased]"
"""What stands where an erased contact's name, email or phone was written."""
ERASED_FIELD = "erased"
"""The lead field that marks an erased lead (its value: the day of the erasure)."""
KEPT_FIELDS = frozenset({"source", "domain", "sourced_by", ERASED_FIELD})
"""The lead fields an erased lead keeps: what routing and the figures read, none naming the
person (``sourced_by`` is a rep's name)."""
DROPPED_KEYS = frozenset({"notes"})
"""Free-text notes about the person: dropped from an erased lead's qualification and events
(no figure reads them; ``budget`` stays, the pipeline's figures read it)."""
ERASED_KEY_PREFIX = "erased:"
"""How the intake key of an erased contact's post is kept: salted hash, never the key."""
SHORTEST_IDENTIFIER = 3
"""A name shorter than this is not searched for in other text (it would match too much)."""


@dataclass(frozen=True)
class Person:
    """The leads held about one person and the values that identify them in text."""

    lead_ids: tuple[int, ...]
    identifiers: tuple[str, ...]


@dataclass(frozen=True)
class PostedMessage:
    """A message Baton posted about a lead: in its thread (``rep_id`` None) or to a person."""

    lead_id: int
    rep_id: int | None
    ref: str
    """The platform's id of the message (a Slack DM's is ``<channel>:<ts>``)."""


def identifiers_of(values: Iterable[str | None]) -> tuple[str, ...]:
    """The distinct identifying values (emails, names, phones), longest first so a scrub
    replaces ``priya.shah@acme.io`` before ``Priya Shah``."""
    found = {v.strip() for v in values if v and len(v.strip()) >= SHORTEST_IDENTIFIER}
    return tuple(sorted(found, key=lambda v: (-len(v), v)))


class Scrubber:
    """Replaces every identifying value of a person (any case, whole words) with ``[erased]``,
    in text and in JSON documents (keys and values), in time linear in the text."""

    def __init__(self, identifiers: Iterable[str]) -> None:
        words = [_pattern_of(i) for i in identifiers if i]
        self._pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(words) + r")(?!\w)", re.IGNORECASE)
            if words
            else None
        )

    def text(self, value: str) -> str:
        return self._pattern.sub(ERASED, value) if self._pattern is not None else value

    def finds(self, value: str) -> bool:
        return self._pattern is not None and self._pattern.search(value) is not None

    def json(self, value: Any, *, drop: frozenset[str] = frozenset()) -> Any:
        """``value`` with the identifiers scrubbed and the keys in ``drop`` left out."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {
                self.text(str(k)): self.json(v, drop=drop)
                for k, v in value.items()
                if str(k) not in drop
            }
        if isinstance(value, list | tuple):
            return [self.json(v, drop=drop) for v in value]
        return value

    def json_finds(self, value: Any) -> bool:
        if isinstance(value, str):
            return self.finds(value)
        if isinstance(value, Mapping):
            return any(self.finds(str(k)) or self.json_finds(v) for k, v in value.items())
        if isinstance(value, list | tuple):
            return any(self.json_finds(v) for v in value)
        return False


_PHONE_DIGITS = 7
_SEPARATORS = r"[\s\-.()/]*"


def _pattern_of(identifier: str) -> str:
    """The identifier as a pattern, with any run of spaces where it has one; a phone number
    also with other spaces, dashes, dots or brackets between its digits (``+44 20 7946 0958``
    is found written ``+442079460958``)."""
    digits = [c for c in identifier if c.isdigit()]
    rest = [c for c in identifier if not c.isdigit() and c not in " -.()/+"]
    if len(digits) < _PHONE_DIGITS or rest:
        return _words(identifier)
    plus = r"\+?" if identifier.lstrip().startswith("+") else ""
    return plus + _SEPARATORS.join(digits)


def unambiguous(identifiers: Iterable[str]) -> list[str]:
    """The identifiers that name one person wherever they are written: email addresses and
    phone numbers (a name may be someone else's)."""
    return [i for i in identifiers if "@" in i or _pattern_of(i) != _words(i)]


def _words(identifier: str) -> str:
    return r"\s+".join(re.escape(part) for part in identifier.split())


def erased_fields(fields: Mapping[str, Any], day: str, scrub: Scrubber) -> dict[str, Any]:
    """An erased lead's fields: the kept ones, scrubbed, and the erasure's day."""
    kept = {k: scrub.json(v) for k, v in fields.items() if k in KEPT_FIELDS}
    return {**kept, ERASED_FIELD: day}


def erased_key(salt: str, key: str) -> str:
    """The intake key of an erased contact's post as kept: a salted hash, so a redelivery or a
    re-import of the post is still recognised while the key itself is not stored."""
    digest = hmac.new(salt.encode(), key.encode(), hashlib.sha256).hexdigest()
    return f"{ERASED_KEY_PREFIX}{digest}"
