"""audit_events: who changed what (claim modes, rotations, secrets, erasures), no contact
details; outbox.sent_ref: the platform's id of each message posted (an erasure rewrites them)

Revision ID: 0020
Revises: 0011
Create Date: 2026-12-04 11:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime


revision = '0020'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'audit_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('subject', sa.String(length=200), nullable=True),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    )
    op.create_index(op.f('ix_audit_events_at_id'), 'audit_events', ['at', 'id'], unique=False)
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('sent_ref', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('sent_ref')
    op.drop_index(op.f('ix_audit_events_at_id'), table_name='audit_events')
    op.drop_table('audit_events')
