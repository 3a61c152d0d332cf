"""Where a contact's personal data can be stored: every text and JSON column, classified.

``tests/storage/test_privacy_map.py`` fails when a table or a text column is added without a line
here, so a new table (CRM rows, a calendar's answers) is exported and erased from its first day.
"""

from __future__ import annotations

from enum import StrEnum


class Holds(StrEnum):
    NOTHING = "nothing"
    """Baton's own ids, stages, pool and platform names, amounts, reps' names, secrets."""
    CONTACT = "contact"
    """The contact's own details, on the contact's lead: emptied when the contact is erased."""
    MENTIONS = "mentions"
    """Text people or Baton wrote that may name a contact (a reason, a message, a stored reply):
    exported where it names them, the identifying values replaced when they are erased."""
    KEY = "key"
    """An intake key: kept as a salted hash once its contact is erased."""


N, C, M, K = Holds.NOTHING, Holds.CONTACT, Holds.MENTIONS, Holds.KEY

COLUMNS: dict[str, dict[str, Holds]] = {
    "reps": {
        "platform": N,
        "user_id": N,
        "name": N,
        "timezone": N,
        "hours_days": N,
        "away_note": M,
        "away_status": N,
    },
    "pools": {"name": N, "role": N, "claim_mode": N},
    "memberships": {"pool": N, "note": M},
    "rotation_events": {"pool": N, "kind": N, "reason": M},
    "leads": {
        "stage": N,
        "origin": N,
        "company": M,
        "email": C,
        "email_domain": N,
        "name": C,
        "phone": C,
        "fields": C,
        "pool": N,
        "source_platform": N,
        "source_channel": N,
        "source_message_id": N,
        "raw_text": C,
        "qualification": C,
        "amount": N,
        "expansion_total": N,
        "reason": M,
        "card_ref": N,
    },
    "lead_events": {"type": N, "from_stage": N, "to_stage": N, "payload": M},
    "intake_keys": {"key": K},
    "outbox": {
        "lane": N,
        "platform": N,
        "notice": M,
        "status": N,
        "last_error": M,
        "claim_token": N,
        "sent_ref": N,
    },
    "digest_runs": {"digest": N, "period": N},
    "conversation_refs": {"platform": N, "key": N, "reference": N, "tenant_id": N},
    "delivery_keys": {"platform": N, "key": N, "reply": M},
    "secrets": {"name": N, "value": N},
    "source_spend": {"source_key": N, "month": N, "source": N, "amount": N},
    "role_costs": {"role": N, "month": N, "amount": N},
    "stall_nudges": {},
    "audit_events": {"kind": N, "subject": N, "detail": M},
    # the CRM lane: a change carries the contact's details on their way to the CRM
    "crm_outbox": {"crm": N, "change": M, "status": N, "last_error": M, "claim_token": N},
    "crm_limits": {"name": N, "slots": N},
    "crm_alerts": {"kind": M},
    # a rep's email (``storage/rep_emails.py``: the CRM and calendars read it) and CRM owner:
    # the rep's, like their name, never a contact's
    "crm_owners": {"email": N, "owner_id": N},
    "crm_inbox": {"event_id": N},
    # a record's ids in the CRM and where the poll got to: ids and times, no one's details
    "crm_links": {"crm": N, "kind": N, "key": N, "crm_id": N, "state": N},
    "crm_cursors": {"name": N, "value": N},
    # calendars: a rep's feed (a secret, not a contact's data) and first meetings by lead
    "rep_calendars": {
        "url": N,
        "booking_url": N,
        "etag": N,
        "last_modified": N,
        "error": N,
        "busy": N,
        "applied_key": N,
        "overridden_key": N,
    },
    "meetings": {"uid": N, "status": N, "source": N},
}
"""Every table, and in it every column holding text or JSON (numbers, times and flags hold no
one's details)."""

LEAD_LINKS: dict[str, str] = {
    "leads": "id",
    "lead_events": "lead_id",
    "intake_keys": "lead_id",
    "stall_nudges": "lead_id",
    "crm_outbox": "lead_id",
    "crm_links": "lead_id",
}
"""Tables whose rows belong to a lead, by the column holding its id (the outbox's rows belong to
a lead by their lane)."""


def mentioning(table: str) -> list[str]:
    """The columns of ``table`` that may name a contact anywhere in the table."""
    return [name for name, holds in COLUMNS.get(table, {}).items() if holds is Holds.MENTIONS]


def contact_columns(table: str) -> list[str]:
    return [name for name, holds in COLUMNS.get(table, {}).items() if holds is Holds.CONTACT]
