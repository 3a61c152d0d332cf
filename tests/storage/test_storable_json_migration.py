"""Migration 0011: NUL and lone surrogates stored in JSON before every entry made text storable
are cleaned, so PostgreSQL reads the leads' sources again and every page can be encoded."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from routing.dashboard.filters import LeadFilters
from storage import tables as t
from storage.dashboard import filtered_leads
from storage.engine import make_engine
from storage.migrate import upgrade
from tests.support.migrations import rerun

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _lead(conn: Any, fields: dict[str, Any]) -> int:
    values = {"stage": "new", "origin": "inbound", "fields": fields, "created_at": NOW}
    return int(conn.execute(insert(t.leads).values(values).returning(t.leads.c.id)).scalar_one())


def test_stored_nul_and_lone_surrogates_are_made_storable_and_the_source_filter_reads_again(
    db_url: str,
) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    with engine.begin() as conn:
        broken = _lead(conn, {"source": "web\x00site", "plan\ud800": "pro\udfff", "n": [1, "\x00"]})
        fine = _lead(conn, {"source": "website", "city": "서울", "emoji": "😀"})
        conn.execute(
            insert(t.lead_events).values(
                lead_id=broken, type="created", at=NOW, to_stage="new", payload={"x": "\ud83d"}
            )
        )
    rerun(engine, "0011")
    with engine.connect() as conn:
        fields = dict(conn.execute(select(t.leads.c.id, t.leads.c.fields)).all())
        payload = conn.execute(select(t.lead_events.c.payload)).scalar_one()
        website = filtered_leads(LeadFilters(source="website"), None)
        found = {row.id for row in conn.execute(website)}
    engine.dispose()
    assert fields[broken] == {"source": "website", "plan\ufffd": "pro\ufffd", "n": [1, ""]}
    assert fields[fine] == {"source": "website", "city": "서울", "emoji": "😀"}
    assert payload == {"x": "\ufffd"}
    assert found == {broken, fine}
