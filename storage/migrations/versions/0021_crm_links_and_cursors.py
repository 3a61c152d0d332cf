"""crm_links: Baton's key of each CRM record → the CRM's id (repointed by merges, marked by
deletions); crm_cursors: where the CRM poll's reads got to

Revision ID: 0021
Revises: 0024
Create Date: 2026-12-04 14:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = "0021"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_links",
        sa.Column("crm", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("crm_id", sa.String(length=64), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), server_default="linked", nullable=False),
        sa.Column("merged", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("updated_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("crm", "kind", "key", name=op.f("pk_crm_links")),
    )
    op.create_index(op.f("ix_crm_links_crm_id"), "crm_links", ["crm_id"])
    op.create_index(op.f("ix_crm_links_lead_id"), "crm_links", ["lead_id"])
    op.create_table(
        "crm_cursors",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.Column("updated_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_crm_cursors")),
    )


def downgrade() -> None:
    op.drop_table("crm_cursors")
    op.drop_index(op.f("ix_crm_links_lead_id"), table_name="crm_links")
    op.drop_index(op.f("ix_crm_links_crm_id"), table_name="crm_links")
    op.drop_table("crm_links")
