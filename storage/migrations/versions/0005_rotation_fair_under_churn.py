"""Rotation fair under churn: claim modes, max_open, manual credit, least-recent ties

Memberships keep the rotation's new state (``seated``, ``held``, ``last_assigned_at``) and the
workload limit ``max_open``; the daily cap is now counted from lead events, so
``assigned_on``/``assigned_count`` go. Credits change meaning (lag in millionths of a lead), so
every rep starts level. Pools get ``claim_mode``; ``rotation_events`` records manual credits.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pools') as batch:
        batch.add_column(sa.Column('claim_mode', sa.String(16), nullable=True))
    with op.batch_alter_table('memberships') as batch:
        batch.add_column(sa.Column('max_open', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('seated', sa.Boolean(), server_default='1', nullable=False))
        batch.add_column(sa.Column('held', sa.Integer(), server_default='0', nullable=False))
        batch.add_column(sa.Column('last_assigned_at', UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch.drop_column('assigned_on')
        batch.drop_column('assigned_count')
    op.execute("UPDATE memberships SET credit = 0")
    op.create_table(
        'rotation_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pool', sa.String(64), nullable=False),
        sa.Column('rep_id', sa.Integer(), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(32), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ['rep_id'], ['reps.id'], name='fk_rotation_events_rep_id_reps', ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name='pk_rotation_events'),
    )
    op.create_index(
        'ix_rotation_events_pool_rep_id_at', 'rotation_events', ['pool', 'rep_id', 'at']
    )


def downgrade() -> None:
    op.drop_index('ix_rotation_events_pool_rep_id_at', table_name='rotation_events')
    op.drop_table('rotation_events')
    with op.batch_alter_table('memberships') as batch:
        batch.add_column(sa.Column('assigned_on', sa.Date(), nullable=True))
        batch.add_column(
            sa.Column('assigned_count', sa.Integer(), server_default='0', nullable=False)
        )
        for column in ('note', 'last_assigned_at', 'held', 'seated', 'max_open'):
            batch.drop_column(column)
    with op.batch_alter_table('pools') as batch:
        batch.drop_column('claim_mode')
