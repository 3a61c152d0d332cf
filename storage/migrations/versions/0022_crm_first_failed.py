"""crm_outbox.first_failed_at: when a CRM write first failed (the dashboard and `baton crm
check` show it beside HubSpot's message)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04 14:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('crm_outbox') as batch:
        batch.add_column(sa.Column('first_failed_at', UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('crm_outbox') as batch:
        batch.drop_column('first_failed_at')
