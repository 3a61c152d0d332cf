"""The dashboard's signing secret, generated once and kept in the database.

``stored_secret`` inserts a fresh random secret if none is stored (``ON CONFLICT DO NOTHING``)
and reads back whichever won, so two replicas starting together agree on one secret.
"""

from __future__ import annotations

import secrets as random_secrets
from datetime import UTC, datetime

from sqlalchemy import Engine, Select, insert, select, update

from storage import tables as t
from storage.engine import READ_ONLY
from storage.repositories import _upsert_ignore

DASHBOARD_SECRET = "dashboard"
PRIVACY_SALT = "privacy_salt"
"""The salt of erased contacts' intake keys: generated once, never rotated."""


def stored_secret(engine: Engine, name: str = DASHBOARD_SECRET) -> str:
    """The stored secret ``name``, created on first use."""
    with engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        with conn.begin():
            value = conn.execute(_read(name)).scalar()
    if value is not None:
        return str(value)
    with engine.begin() as conn:
        conn.execute(
            _upsert_ignore(conn, t.secrets).values(
                name=name, value=_fresh(), created_at=datetime.now(UTC)
            )
        )
        return str(conn.execute(_read(name)).scalar_one())


def rotate_secret(engine: Engine, name: str = DASHBOARD_SECRET, by: str = "cli") -> None:
    """Replace the secret: every link signed with the old one stops working. The rotation is
    kept in the audit trail (``by``: who ran it), never the secret."""
    stored_secret(engine, name)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            update(t.secrets).where(t.secrets.c.name == name).values(value=_fresh(), created_at=now)
        )
        conn.execute(
            insert(t.audit_events).values(
                at=now, kind="secret_rotated", subject=f"{name} secret", detail={"by": by}
            )
        )


def _read(name: str) -> Select[tuple[str]]:
    return select(t.secrets.c.value).where(t.secrets.c.name == name)


def _fresh() -> str:
    return random_secrets.token_urlsafe(48)


class SqlSecrets:
    """The dashboard's secret as the operators' commands see it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def rotate(self, by: str = "cli") -> None:
        rotate_secret(self.engine, by=by)
