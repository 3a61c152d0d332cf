"""What Baton asks of a CRM, whichever it is: apply one change, and the ways that fails.

The HubSpot adapter (``bot/crm/hubspot/``) implements it; a Salesforce adapter would be one
more. The sender (``bot/crm/sender.py``) decides from the error alone what happens to the row.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from routing.crm.changes import CrmChange
from routing.crm.links import Written

OwnerOf = Callable[[int], str | None]
"""A rep's owner id in the CRM (None: the rep has none yet, the record keeps its owner)."""


class CrmError(Exception):
    """The CRM did not take the change."""


class CrmUnavailable(CrmError):
    """Down, slow, 5xx, rate limited for a window, a bad credential: try again later (after
    ``retry_after`` seconds when the CRM said)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CrmPaused(CrmUnavailable):
    """The CRM's daily limit is spent: the whole lane waits until ``until``."""

    def __init__(self, message: str, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class CrmRefused(CrmError):
    """Refused for good (a validation error): kept as failed with the CRM's message, never
    tried again in a loop. ``kind`` groups refusals so managers hear once per kind."""

    def __init__(self, message: str, kind: str = "validation") -> None:
        super().__init__(message)
        self.kind = kind


class Crm(Protocol):
    """One CRM account Baton writes to."""

    name: str

    def apply(self, change: CrmChange, owner_of: OwnerOf, *, again: bool = False) -> list[Written]:
        """Make ``change`` in the CRM, idempotently (by Baton's key, or the CRM's id a merge
        left): applying it twice leaves what applying it once did. ``again``: an earlier attempt
        may have reached the CRM (a change without a key, a note, is looked for first). Returns
        the records it wrote (their links are kept). Raises :class:`CrmError` subclasses."""
        ...
