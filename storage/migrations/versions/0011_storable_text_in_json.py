"""Text stored in JSON columns made storable: no NUL, no lone surrogate (leads, lead events)

Before every entry made text storable, a webhook could store ``"\\u0000"`` or a lone
``"\\ud83d"`` inside a lead's fields or an event's payload. PostgreSQL's ``json`` type keeps
them, then refuses to read any value of that document (``->>``): filtering the leads by source
failed for every source. Python reads them, and a page showing one could not be encoded. Each
such string becomes what :func:`routing.text.storable` makes of it, as it would be stored today.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 09:00:00
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from routing.text import storable

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

JSON_COLUMNS = {"leads": ("fields", "qualification"), "lead_events": ("payload",)}
SUSPECT = ("%\\u0000%", "%\\ud%")
"""The JSON escapes of NUL and of U+D000…U+DFFF (surrogates among them), as ``LIKE``
patterns (with ``!`` as the escape character, so the backslash is literal everywhere)."""


def upgrade() -> None:
    conn = op.get_bind()
    for table, columns in JSON_COLUMNS.items():
        for column in columns:
            _clean(conn, table, column)


def downgrade() -> None:
    """Nothing to undo: the text removed could not be read back anyway."""


def _clean(conn: sa.Connection, table: str, column: str) -> None:
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column(column, sa.JSON))
    as_text = sa.cast(rows.c[column], sa.Text)
    suspects = sa.select(rows.c.id, as_text).where(
        sa.or_(*(as_text.like(p, escape="!") for p in SUSPECT))
    )
    for row in conn.execute(suspects).all():
        row_id, value = row[0], json.loads(row[1])
        cleaned = _storable(value)
        if cleaned != value:
            conn.execute(sa.update(rows).where(rows.c.id == row_id).values({column: cleaned}))


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {storable(k): _storable(v) for k, v in value.items()}
    return value
