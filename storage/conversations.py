"""Stored conversation references: how to reach a user or a channel proactively later."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from storage import tables as t
from storage.repositories import upsert


@dataclass(frozen=True)
class StoredReference:
    reference: dict[str, Any]
    tenant_id: str | None
    updated_at: datetime


def save_reference(
    engine: Engine,
    platform: str,
    key: str,
    reference: dict[str, Any],
    tenant_id: str | None,
    at: datetime,
) -> None:
    values = {"reference": reference, "tenant_id": tenant_id, "updated_at": at}
    with engine.begin() as conn:
        conn.execute(
            upsert(conn, t.conversation_refs, ["platform", "key"], values).values(
                platform=platform, key=key, **values
            )
        )


def load_reference(engine: Engine, platform: str, key: str) -> StoredReference | None:
    c = t.conversation_refs
    with engine.connect() as conn:
        row = (
            conn.execute(select(c).where(c.c.platform == platform, c.c.key == key))
            .mappings()
            .first()
        )
    if row is None:
        return None
    return StoredReference(dict(row["reference"]), row["tenant_id"], row["updated_at"])
