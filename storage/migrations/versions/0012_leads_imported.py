"""leads.imported: a row of an imported spreadsheet, whose claim SLA is a list's

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: SQLite takes a NOT NULL column with a constant
    # default, and the table is not copied (its foreign keys stay as they are).
    op.add_column('leads', sa.Column('imported', sa.Boolean(), nullable=False, server_default='0'))


def downgrade() -> None:
    op.drop_column('leads', 'imported')  # SQLite ≥ 3.35 drops a column in place too
