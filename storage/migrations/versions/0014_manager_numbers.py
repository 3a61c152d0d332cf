"""source_spend, role_costs and stall_nudges: the manager's numbers (issue 22)

Revision ID: 0014
Revises: 0008
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime


revision = '0014'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'source_spend',
        sa.Column('source_key', sa.String(length=200), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('source', sa.String(length=200), nullable=False),
        sa.Column('amount', sa.String(length=40), nullable=False),
        sa.Column('set_by', sa.Integer(), nullable=True),
        sa.Column('set_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('source_key', 'month', name=op.f('pk_source_spend')),
    )
    op.create_table(
        'role_costs',
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('amount', sa.String(length=40), nullable=False),
        sa.Column('set_by', sa.Integer(), nullable=True),
        sa.Column('set_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('role', 'month', name=op.f('pk_role_costs')),
    )
    op.create_table(
        'stall_nudges',
        sa.Column('lead_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('lead_id', 'event_id', name=op.f('pk_stall_nudges')),
    )


def downgrade() -> None:
    op.drop_table('stall_nudges')
    op.drop_table('role_costs')
    op.drop_table('source_spend')
