"""meetings(handed_off_at): meetings booked at hand-off are read by their hand-off's time (issue 21)

Revision ID: 0024
Revises: 0018
Create Date: 2026-12-04 15:00:00
"""

from __future__ import annotations

from alembic import op


revision = '0024'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        op.f('ix_meetings_handed_off_at'), 'meetings', ['handed_off_at'], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_meetings_handed_off_at'), table_name='meetings')
