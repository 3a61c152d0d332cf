"""outbox.claimed_at and outbox.claim_token: who took a row for sending, and when

A sender marks a row ``sending`` with its own token and the time; another sender may take the row
again only once that claim is stale, and a sender only finishes the rows it still holds.

Revision ID: 0004
Revises: 0002
Create Date: 2026-12-01 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.tables


revision = '0004'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('claimed_at', storage.tables.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('claim_token')
        batch_op.drop_column('claimed_at')
