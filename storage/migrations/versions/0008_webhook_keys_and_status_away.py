"""intake_keys.lead_id (a retried webhook answers with its lead), reps.away_note/away_status

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 12:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('intake_keys') as batch:
        batch.add_column(sa.Column('lead_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('reps') as batch:
        batch.add_column(sa.Column('away_note', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('away_status', sa.String(length=400), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('reps') as batch:
        batch.drop_column('away_status')
        batch.drop_column('away_note')
    with op.batch_alter_table('intake_keys') as batch:
        batch.drop_column('lead_id')
