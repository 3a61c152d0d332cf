"""The schema: SQLAlchemy Core tables. Alembic migrations in ``migrations/`` create the same."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect

from routing import limits

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite (naive text) and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    def bind_processor(self, dialect: Dialect) -> Any:
        """On SQLite, one step to the text SQLAlchemy's ``DATETIME`` stores (the same string,
        so comparisons in SQL agree): it runs for every time of every row on the hot path."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given to the database; use aware UTC times")
            return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        """On SQLite, the stored text straight to an aware UTC datetime."""
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        slow = super().result_processor(dialect, coltype)

        def process(value: str | None) -> Any:
            if value is None:
                return None
            try:
                return datetime.fromisoformat(value).replace(tzinfo=UTC)
            except (TypeError, ValueError):
                return slow(value) if slow else value

        return process


reps = Table(
    "reps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", String(limits.PLATFORM), nullable=False),
    Column("user_id", String(limits.USER_ID), nullable=False),
    Column("name", String(limits.REP_NAME), nullable=False),
    Column("timezone", String(limits.TIMEZONE), nullable=False, server_default="UTC"),
    Column("is_manager", Boolean, nullable=False, server_default="0"),
    Column("away_until", UTCDateTime()),
    Column("hours_start", Time()),
    Column("hours_end", Time()),
    Column("hours_days", String(limits.HOURS_DAYS)),
    Column("away_note", String(limits.STATUS_NOTE)),
    Column("away_status", String(limits.STATUS_KEY)),
    UniqueConstraint("platform", "user_id"),
)

pools = Table(
    "pools",
    metadata,
    Column("name", String(limits.POOL_NAME), primary_key=True),
    Column("role", String(limits.ROLE), nullable=False),
    Column("claim_mode", String(16)),  # 0005: NULL = the rules file's mode, else assigned
)

memberships = Table(
    "memberships",
    metadata,
    Column(
        "pool",
        String(limits.POOL_NAME),
        ForeignKey("pools.name", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("rep_id", Integer, ForeignKey("reps.id", ondelete="CASCADE"), primary_key=True),
    Column("weight", Integer, nullable=False, server_default="1"),
    Column("cap", Integer),
    Column("credit", Integer, nullable=False, server_default="0"),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("max_open", Integer),  # 0005
    Column("seated", Boolean, nullable=False, server_default="1"),  # 0005
    Column("held", Integer, nullable=False, server_default="0"),  # 0005
    Column("last_assigned_at", UTCDateTime()),  # 0005
    Column("note", Text),  # 0005
)

rotation_events = Table(
    "rotation_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pool", String(limits.POOL_NAME), nullable=False),
    Column("rep_id", Integer, ForeignKey("reps.id", ondelete="CASCADE"), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_id", Integer),
    Column("kind", String(32), nullable=False),
    Column("amount", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    Index(None, "pool", "rep_id", "at"),
)
"""Manual changes to a rep's place in a rotation (`/rotation credit`), for the record."""

leads = Table(
    "leads",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("stage", String(limits.STAGE), nullable=False),
    Column("origin", String(limits.ORIGIN), nullable=False),
    Column("company", String(limits.COMPANY)),
    Column("email", String(limits.EMAIL)),
    Column("email_domain", String(limits.EMAIL_DOMAIN)),
    Column("name", String(limits.PERSON_NAME)),
    Column("phone", String(limits.PHONE)),
    Column("fields", JSON, nullable=False),
    Column("owner_id", Integer, ForeignKey("reps.id")),
    Column("pool", String(limits.POOL_NAME)),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("assigned_at", UTCDateTime()),
    Column("source_platform", String(limits.PLATFORM)),
    Column("source_channel", String(limits.CHANNEL_ID)),
    Column("source_message_id", String(limits.MESSAGE_ID)),
    Column("raw_text", Text),
    Column("qualification", JSON),
    Column("amount", String(limits.AMOUNT_TEXT)),
    Column("expansion_total", String(limits.AMOUNT_TEXT), nullable=False, server_default="0"),
    Column("reason", Text),
    Column("sla_misses", Integer, nullable=False, server_default="0"),
    Column("card_ref", String(limits.CARD_REF)),
    Column("stage_since", UTCDateTime()),  # 0010
    Column("closed_at", UTCDateTime()),  # 0010
    Column("imported", Boolean, nullable=False, server_default="0"),  # 0012
    Index(None, "owner_id", "stage"),
    Index(None, "stage", "pool", "id"),
    Index(None, "stage", "assigned_at"),
    Index(None, "email"),
    Index(None, "email_domain"),
    Index(None, "owner_id", "id"),  # the dashboard's leads table, newest first (0006)
    Index(None, "pool", "id"),
    Index(None, "created_at", "id"),
    # A report's leads that rest through its window, read from this index alone (0010).
    Index(None, "closed_at", "created_at", "stage", "owner_id", "stage_since", "id"),
)

lead_events = Table(
    "lead_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("lead_id", Integer, ForeignKey("leads.id"), nullable=False),
    Column("type", String(limits.EVENT_TYPE), nullable=False),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_id", Integer),
    Column("from_stage", String(limits.STAGE)),
    Column("to_stage", String(limits.STAGE), nullable=False),
    Column("owner_id", Integer),
    Column("payload", JSON, nullable=False),
    Index(None, "at"),
    Index(None, "type", "at", "lead_id"),  # covers the digest's won/churn reads (0002)
    Index(None, "lead_id", "id"),
    Index(None, "owner_id", "lead_id"),  # the leads a rep has held, for their dashboard (0006)
)

intake_keys = Table(
    "intake_keys",
    metadata,
    Column("key", String(limits.DELIVERY_KEY), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("lead_id", Integer),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("lane", String(limits.OUTBOX_LANE), nullable=False),
    Column("platform", String(limits.PLATFORM)),
    Column("notice", JSON, nullable=False),
    Column("status", String(limits.OUTBOX_STATUS), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("last_error", Text),
    Column("sent_at", UTCDateTime()),
    Column("claimed_at", UTCDateTime()),
    Column("claim_token", String(32)),
    Column("sent_ref", String(limits.CARD_REF)),  # 0020: the platform's id of what was posted
    Index(None, "status", "next_attempt_at"),
    Index(None, "lane", "status", "id"),
)

digest_runs = Table(
    "digest_runs",
    metadata,
    Column("digest", String(limits.DIGEST_KEY), primary_key=True),
    Column("period", String(limits.DIGEST_KEY), primary_key=True),
    Column("claimed_at", UTCDateTime(), nullable=False),
    Column("sent_at", UTCDateTime()),
)

conversation_refs = Table(
    "conversation_refs",
    metadata,
    Column("platform", String(limits.PLATFORM), primary_key=True),
    Column("key", String(limits.DELIVERY_KEY), primary_key=True),
    Column("reference", JSON, nullable=False),
    Column("tenant_id", String(limits.TENANT_ID)),
    Column("updated_at", UTCDateTime(), nullable=False),
)
"""How to reach a person or channel later (Teams conversation references, by user or channel id)."""

delivery_keys = Table(
    "delivery_keys",
    metadata,
    Column("platform", String(limits.PLATFORM), primary_key=True),
    Column("key", String(limits.DELIVERY_KEY), primary_key=True),
    Column("reply", JSON),
    Column("created_at", UTCDateTime(), nullable=False),
)
"""One row per state-changing request a platform may deliver again (a Teams activity id): claimed
in the transaction of its effect, with what was answered, so a redelivery changes nothing and
gets the first answer back."""

secrets = Table(
    "secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
)
"""Secrets generated on first start (the dashboard links' signing key), shared by replicas."""

source_spend = Table(
    "source_spend",
    metadata,
    Column("source_key", String(limits.SOURCE), primary_key=True),
    Column("month", String(limits.MONTH), primary_key=True),
    Column("source", String(limits.SOURCE), nullable=False),
    Column("amount", String(limits.AMOUNT_TEXT), nullable=False),
    Column("set_by", Integer),
    Column("set_at", UTCDateTime(), nullable=False),
)
"""Spend per source and month (``/funnel spend``, ``baton spend import``), keyed by the source's
casefolded spelling so ``Webinar`` and ``webinar`` are one source (0014)."""

role_costs = Table(
    "role_costs",
    metadata,
    Column("role", String(limits.ROLE), primary_key=True),
    Column("month", String(limits.MONTH), primary_key=True),
    Column("amount", String(limits.AMOUNT_TEXT), nullable=False),
    Column("set_by", Integer),
    Column("set_at", UTCDateTime(), nullable=False),
)
"""The loaded cost of one rep of a role for a month, from ``month`` on (``/funnel cost``) (0014)."""

stall_nudges = Table(
    "stall_nudges",
    metadata,
    Column("lead_id", Integer, primary_key=True),
    Column("event_id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
)
"""One row per stall nudged: a stall is a lead's latest event, so the owner is nudged once per
stall however many replicas run the job (0014)."""

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_id", Integer),
    Column("kind", String(limits.AUDIT_KIND), nullable=False),
    Column("subject", String(limits.AUDIT_SUBJECT)),
    Column("detail", JSON, nullable=False),
    Index(None, "at", "id"),
)
"""What managers and operators changed that the lead events do not hold (claim modes, rotation
changes, secret rotations, erasures): who, when, what; never a contact's details (0020)."""

# --- the CRM (HubSpot): its own outbox lane, rate limit, owners and inbound events ------------

crm_outbox = Table(
    "crm_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("lead_id", Integer, nullable=False),
    Column("crm", String(16), nullable=False),
    Column("change", JSON, nullable=False),
    Column("status", String(limits.OUTBOX_STATUS), nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("last_error", Text),
    Column("sent_at", UTCDateTime()),
    Column("claimed_at", UTCDateTime()),
    Column("claim_token", String(32)),
    Column("first_failed_at", UTCDateTime()),
    Index(None, "status", "next_attempt_at"),
    Index(None, "lead_id", "status", "id"),
)

crm_limits = Table(
    "crm_limits",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("slots", Text, nullable=False),
    Column("paused_until", UTCDateTime()),
)

crm_alerts = Table(
    "crm_alerts",
    metadata,
    Column("kind", String(200), primary_key=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

crm_owners = Table(
    "crm_owners",
    metadata,
    Column("rep_id", Integer, ForeignKey("reps.id"), primary_key=True),
    Column("email", String(limits.EMAIL)),
    Column("owner_id", String(64)),
)

crm_inbox = Table(
    "crm_inbox",
    metadata,
    Column("event_id", String(limits.DELIVERY_KEY), primary_key=True),
    Column("received_at", UTCDateTime(), nullable=False),
)

crm_links = Table(
    "crm_links",
    metadata,
    Column("crm", String(16), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("crm_id", String(64), nullable=False, index=True),
    Column("lead_id", Integer, nullable=False, index=True),
    Column("state", String(16), nullable=False, server_default="linked"),
    Column("merged", Boolean, nullable=False, server_default="0"),
    Column("updated_at", UTCDateTime(), nullable=False),
)
"""Baton's key of each CRM record (a lead's contact, a deal) → the CRM's id, as last written or
repointed by a merge, and whether it was deleted there (0021)."""

crm_cursors = Table(
    "crm_cursors",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)
"""Where each of the CRM poll's reads got to (advanced after a page is handled) (0021)."""

rep_calendars = Table(
    "rep_calendars",
    metadata,
    Column("rep_id", Integer, primary_key=True),
    Column("url", String(limits.WEB_ADDRESS)),
    Column("booking_url", String(limits.WEB_ADDRESS)),
    Column("etag", String(limits.FEED_VALIDATOR)),
    Column("last_modified", String(limits.FEED_VALIDATOR)),
    Column("checked_at", UTCDateTime()),
    Column("fetched_at", UTCDateTime()),
    Column("read_at", UTCDateTime()),
    Column("failing_since", UTCDateTime()),
    Column("error", String(limits.FEED_ERROR)),
    Column("busy", Text),
    Column("applied_key", String(16)),
    Column("overridden_key", String(16)),
    Column("stale_told", Boolean, nullable=False, server_default="0"),
)
"""A rep's calendar feed (a secret address), its last good reading as busy spans (JSON), how
its fetches go, and the away period Baton applied or the rep overrode; a closer's booking link
(0018)."""

meetings = Table(
    "meetings",
    metadata,
    Column("uid", String(limits.DELIVERY_KEY), primary_key=True),
    Column("lead_id", Integer, nullable=False, index=True),
    Column("starts_at", UTCDateTime()),
    Column("status", String(16), nullable=False),
    Column("source", String(16), nullable=False),
    Column("booked_at", UTCDateTime(), nullable=False, index=True),
    Column("handed_off_at", UTCDateTime(), index=True),
    Column("rep_id", Integer),
)
"""First meetings booked after hand-offs (cal.com's webhook, or a slot Baton proposed) (0018);
read by their hand-off's time for meetings booked at hand-off (0024)."""
