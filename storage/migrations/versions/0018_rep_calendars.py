"""rep_calendars and meetings: calendar feeds, booking links, booked meetings (issue 21)

Revision ID: 0018
Revises: 0011
Create Date: 2026-12-04 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rep_calendars',
        sa.Column('rep_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=2000), nullable=True),
        sa.Column('booking_url', sa.String(length=2000), nullable=True),
        sa.Column('etag', sa.String(length=400), nullable=True),
        sa.Column('last_modified', sa.String(length=400), nullable=True),
        sa.Column('checked_at', UTCDateTime(), nullable=True),
        sa.Column('fetched_at', UTCDateTime(), nullable=True),
        sa.Column('read_at', UTCDateTime(), nullable=True),
        sa.Column('failing_since', UTCDateTime(), nullable=True),
        sa.Column('error', sa.String(length=200), nullable=True),
        sa.Column('busy', sa.Text(), nullable=True),
        sa.Column('applied_key', sa.String(length=16), nullable=True),
        sa.Column('overridden_key', sa.String(length=16), nullable=True),
        sa.Column('stale_told', sa.Boolean(), server_default='0', nullable=False),
        sa.PrimaryKeyConstraint('rep_id', name=op.f('pk_rep_calendars')),
    )
    op.create_table(
        'meetings',
        sa.Column('uid', sa.String(length=400), nullable=False),
        sa.Column('lead_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', UTCDateTime(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('booked_at', UTCDateTime(), nullable=False),
        sa.Column('handed_off_at', UTCDateTime(), nullable=True),
        sa.Column('rep_id', sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint('uid', name=op.f('pk_meetings')),
    )
    op.create_index(op.f('ix_meetings_booked_at'), 'meetings', ['booked_at'], unique=False)
    op.create_index(op.f('ix_meetings_lead_id'), 'meetings', ['lead_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_meetings_booked_at'), table_name='meetings')
    op.drop_index(op.f('ix_meetings_lead_id'), table_name='meetings')
    op.drop_table('meetings')
    op.drop_table('rep_calendars')
