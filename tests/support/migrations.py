"""Running one migration again on a test database, as an upgrade from before it would run it."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine

from storage.migrate import alembic_config


def rerun(engine: Engine, revision: str) -> None:
    """Step back to just before ``revision`` and upgrade to head again, so ``revision`` (and
    whatever follows it) runs on the rows the test wrote."""
    config = alembic_config(engine)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, f"{revision}-1")
        command.upgrade(config, "head")
