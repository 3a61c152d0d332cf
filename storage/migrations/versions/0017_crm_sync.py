"""crm: the CRM's outbox lane, its shared rate limit, rep owners, inbound event ids, alerts

CRM writes are rows of their own (``crm_outbox``), written in the lead's transaction and sent by
the CRM sender, so a HubSpot outage delays no chat message. ``crm_limits`` holds the times of the
last calls every process and replica counts against HubSpot's limit; ``crm_inbox`` each webhook eventId once.

Revision ID: 0017
Revises: 0011
Create Date: 2026-12-04 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = "0017"
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("crm", sa.String(length=16), nullable=False),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), server_default="pending", nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_at", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claim_token", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crm_outbox")),
    )
    op.create_index(
        op.f("ix_crm_outbox_status_next_attempt_at"),
        "crm_outbox",
        ["status", "next_attempt_at"],
    )
    op.create_index(
        op.f("ix_crm_outbox_lead_id_status_id"), "crm_outbox", ["lead_id", "status", "id"]
    )
    op.create_table(
        "crm_limits",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("slots", sa.Text(), nullable=False),
        sa.Column("paused_until", storage.tables.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_crm_limits")),
    )
    op.create_table(
        "crm_alerts",
        sa.Column("kind", sa.String(length=200), nullable=False),
        sa.Column("created_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_crm_alerts")),
    )
    op.create_table(
        "crm_owners",
        sa.Column("rep_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("owner_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["rep_id"], ["reps.id"], name=op.f("fk_crm_owners_rep_id_reps")),
        sa.PrimaryKeyConstraint("rep_id", name=op.f("pk_crm_owners")),
    )
    op.create_table(
        "crm_inbox",
        sa.Column("event_id", sa.String(length=400), nullable=False),
        sa.Column("received_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_crm_inbox")),
    )


def downgrade() -> None:
    op.drop_table("crm_inbox")
    op.drop_table("crm_owners")
    op.drop_table("crm_alerts")
    op.drop_table("crm_limits")
    op.drop_index(op.f("ix_crm_outbox_lead_id_status_id"), table_name="crm_outbox")
    op.drop_index(op.f("ix_crm_outbox_status_next_attempt_at"), table_name="crm_outbox")
    op.drop_table("crm_outbox")
