"""Stored conversation references: how to reach a user or a channel proactively later."""

from __future__ import annotations

from collections.abc import Mapping
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


class SqlConversations:
    """``bot.baton.ConversationStore`` on the ``conversation_refs`` table."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def load(self, platform: str, key: str) -> StoredReference | None:
        return load_reference(self.engine, platform, key)

    def save(
        self,
        platform: str,
        key: str,
        reference: Mapping[str, Any],
        tenant_id: str | None,
        at: datetime,
    ) -> None:
        save_reference(self.engine, platform, key, dict(reference), tenant_id, at)
