"""secrets table; indexes for the dashboard's leads table and a rep's held leads

The dashboard signs its links with a secret that every replica must share: without
BATON_SECRET_KEY one is generated on first start and kept in ``secrets``. The leads table lists
leads newest first by owner, pool or creation time, and a rep's figures need the leads they held.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'secrets',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_secrets')),
    )
    op.create_index('ix_leads_owner_id_id', 'leads', ['owner_id', 'id'], unique=False)
    op.create_index('ix_leads_pool_id', 'leads', ['pool', 'id'], unique=False)
    op.create_index('ix_leads_created_at_id', 'leads', ['created_at', 'id'], unique=False)
    op.create_index(
        'ix_lead_events_owner_id_lead_id', 'lead_events', ['owner_id', 'lead_id'], unique=False
    )


def downgrade() -> None:
    op.drop_index('ix_lead_events_owner_id_lead_id', table_name='lead_events')
    op.drop_index('ix_leads_created_at_id', table_name='leads')
    op.drop_index('ix_leads_pool_id', table_name='leads')
    op.drop_index('ix_leads_owner_id_id', table_name='leads')
    op.drop_table('secrets')
