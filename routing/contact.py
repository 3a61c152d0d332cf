"""The contact a manager gives an unparsed lead (``/lead fix``, or the Fix form), and its rule.

One rule for the typed command and every platform's form: a lead needs an email address or a
phone number to be routed, as a post needs one to be read (:mod:`routing.lead_post`); the email,
when given, is an address; each value fits its column.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from routing import limits

CONTACT_LIMITS: Mapping[str, int] = MappingProxyType(
    {
        "company": limits.COMPANY,
        "email": limits.EMAIL,
        "name": limits.PERSON_NAME,
        "phone": limits.PHONE,
    }
)
"""The contact's own fields and their longest text; any other ``key=value`` is a lead field."""

EMAIL = re.compile(r"[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+\.[A-Za-z]{2,63}")
"""An email address as ``/lead new`` reads one."""


def person_email(value: str | None) -> str | None:
    """A person's address as a platform gives it (a Slack profile, a Teams roster, ``email=``):
    trimmed and in lower case when it is one address that fits its column, else None."""
    text = (value or "").strip()
    if not text or len(text) > limits.EMAIL or not EMAIL.fullmatch(text):
        return None
    return text.lower()


NO_CONTACT = "Give an email address or a phone number, like email=sam@umbrella.co."


@dataclass(frozen=True)
class Contact:
    """Who an unparsed lead is about, as a manager read it from the post."""

    company: str | None = None
    email: str | None = None
    name: str | None = None
    phone: str | None = None
    fields: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}), hash=False)


def contact_problems(values: Mapping[str, str | None]) -> dict[str, str]:
    """What is wrong with a contact's values, by field; ``""`` for the whole form."""
    problems = {
        key: limits.too_long(key.capitalize(), limit, values.get(key) or "") + "."
        for key, limit in CONTACT_LIMITS.items()
        if len(values.get(key) or "") > limit
    }
    email = values.get("email")
    if email and "email" not in problems and not EMAIL.fullmatch(email):
        problems["email"] = f"`{limits.truncate(email, 80)}` is not an email address."
    if not (email or values.get("phone")):
        problems[""] = NO_CONTACT
    return problems
