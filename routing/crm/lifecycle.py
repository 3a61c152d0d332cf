"""HubSpot's lifecycle stages and lead statuses as Baton moves them: forward only.

The eight default lifecycle stages are ordered; a portal's custom stages have numeric internal
values whose place Baton does not know, so a contact in one is left as it is (the CRM's admin
decided it). A stage earlier than the contact's current one is never written: where HubSpot's is
later, Baton leaves it.
"""

from __future__ import annotations

LIFECYCLE_ORDER = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
)

LEAD = "lead"
SQL = "salesqualifiedlead"
OPPORTUNITY = "opportunity"
CUSTOMER = "customer"

STATUS_NEW = "NEW"
STATUS_IN_PROGRESS = "IN_PROGRESS"
STATUS_UNQUALIFIED = "UNQUALIFIED"


def lifecycle_to_write(current: str | None, wanted: str) -> str | None:
    """The stage to write so the contact reaches ``wanted``, or None to leave it: never
    backwards, never over a stage Baton does not know."""
    if not current:
        return wanted
    if current not in LIFECYCLE_ORDER or wanted not in LIFECYCLE_ORDER:
        return None
    return wanted if LIFECYCLE_ORDER.index(wanted) > LIFECYCLE_ORDER.index(current) else None
