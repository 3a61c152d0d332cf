"""delivery_keys: state-changing requests applied once per (platform, key), with their reply

Teams redelivers an activity when the bot is slow to answer; a typed command, card submit or
card click is keyed by its activity so the redelivery gets the first answer and changes nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'delivery_keys',
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=400), nullable=False),
        sa.Column('reply', sa.JSON(), nullable=True),
        sa.Column('created_at', storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('platform', 'key', name=op.f('pk_delivery_keys')),
    )


def downgrade() -> None:
    op.drop_table('delivery_keys')
