"""What any chat says about an erased contact: on Baton's own cards and messages about the lead,
and to the manager who erased them (``/lead erase``, ``baton privacy erase``)."""

from __future__ import annotations

from collections.abc import Sequence

DETAILS_ERASED = "details erased"
"""What Baton's cards and messages about an erased lead say instead of the contact."""


def card_line(ref: str) -> str:
    """The text beside an erased lead's card, updated in place."""
    return f"{ref} · {DETAILS_ERASED}"


def erased_reply(refs: Sequence[str]) -> str:
    return (
        f"Erased the contact's details from {', '.join(refs)}: their figures stay; their name, "
        "email, phone, posts and notes are gone, and Baton's cards about them now say "
        f"{DETAILS_ERASED}."
    )


ERASE_CONFIRM = "Erase this contact's details everywhere Baton keeps them? This cannot be undone."
