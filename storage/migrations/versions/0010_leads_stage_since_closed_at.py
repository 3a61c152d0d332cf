"""leads.stage_since and leads.closed_at, and the index reports read resting leads through

Revision ID: 0010
Revises: 0014
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.tables import UTCDateTime


revision = '0010'
down_revision = '0014'
branch_labels = None
depends_on = None

OPEN = ('new', 'assigned', 'working', 'qualified', 'with_closer', 'meeting',
        'proposal_requested', 'proposal_presented', 'won')  # fmt: skip
"""``routing.stages.OPEN_STAGES`` as they were at this revision."""
INDEX = 'ix_leads_closed_at_created_at_stage_owner_id_stage_since_id'


def upgrade() -> None:
    with op.batch_alter_table('leads') as batch:
        batch.add_column(sa.Column('stage_since', UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('closed_at', UTCDateTime(), nullable=True))
    open_stages = ', '.join(f"'{stage}'" for stage in OPEN)
    # The first event after the last one into another stage began the current stage; the first
    # event after the last one into an open stage closed it (or, never open, its creation).
    op.execute(
        "UPDATE leads SET stage_since = (SELECT min(e.at) FROM lead_events e"
        " WHERE e.lead_id = leads.id AND e.id > coalesce((SELECT max(b.id) FROM lead_events b"
        " WHERE b.lead_id = leads.id AND b.to_stage <> leads.stage), 0))"
    )
    op.execute(
        "UPDATE leads SET closed_at = (SELECT min(e.at) FROM lead_events e"
        " WHERE e.lead_id = leads.id AND e.id > coalesce((SELECT max(b.id) FROM lead_events b"
        f" WHERE b.lead_id = leads.id AND b.to_stage IN ({open_stages})), 0))"
        f" WHERE stage NOT IN ({open_stages})"
    )
    op.create_index(
        INDEX,
        'leads',
        ['closed_at', 'created_at', 'stage', 'owner_id', 'stage_since', 'id'],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name='leads')
    with op.batch_alter_table('leads') as batch:
        batch.drop_column('closed_at')
        batch.drop_column('stage_since')
