"""A rep's owner in the CRM: the id a manager set, else found by the rep's email once.

The email comes from `/rotation add … email=` or `/rotation owner @rep <email>`; the first write
for the rep looks it up in the CRM and remembers the id. An email the CRM does not know is asked
again an hour later, not on every write.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from routing.crm.port import CrmRefused

log = logging.getLogger(__name__)

RETRY_MISS = timedelta(hours=1)


class OwnerStore(Protocol):
    def owner_of(self, rep_id: int) -> str | None: ...
    def email_of(self, rep_id: int) -> str | None: ...
    def set(
        self, rep_id: int, *, email: str | None = None, owner_id: str | None = None
    ) -> None: ...


class OwnerResolver:
    def __init__(
        self,
        owners: OwnerStore,
        lookup: Callable[[str], str | None],
        clock: Callable[[], datetime],
    ) -> None:
        self.owners = owners
        self.lookup = lookup
        self.clock = clock
        self._misses: dict[str, datetime] = {}

    def __call__(self, rep_id: int) -> str | None:
        owner = self.owners.owner_of(rep_id)
        if owner:
            return owner
        email = self.owners.email_of(rep_id)
        if not email:
            return None
        missed = self._misses.get(email)
        if missed is not None and self.clock() - missed < RETRY_MISS:
            return None
        try:
            found = self.lookup(email)
        except CrmRefused as refused:  # a bad email must not fail the record's write
            log.warning("HubSpot owner lookup for %s refused: %s", email, refused)
            found = None
        if found is None:
            self._misses[email] = self.clock()
            return None
        self.owners.set(rep_id, owner_id=found)
        return found
