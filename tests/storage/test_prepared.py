"""Statements run on the DBAPI cursor store and read values exactly as SQLAlchemy's own execution
does, and fail with SQLAlchemy's exceptions (SQLite and PostgreSQL alike)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from routing.lead import Lead, Qualification, SourceRef
from storage import tables as t
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.prepared import Prepared
from storage.uow import SqlUnitOfWork

AT = datetime(2026, 11, 23, 9, 30, 15, 123456, tzinfo=UTC)


def test_a_lead_written_on_the_cursor_reads_back_the_same_through_sqlalchemy(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    lead = Lead(
        company="Umbrella — Ünïcode",
        email="sam@umbrella.co",
        fields={"source": "web", "nested": "é"},
        source=SourceRef("slack", "C1", "1.2"),
        qualification=Qualification(budget="10k"),
        amount=Decimal("12.50"),
        created_at=AT,
    )
    with SqlUnitOfWork(engine) as uow:
        uow.leads.add(lead)
        uow.commit()
    assert lead.id is not None
    with engine.connect() as conn:
        stored = conn.execute(select(t.leads).where(t.leads.c.id == lead.id)).mappings().one()
    with SqlUnitOfWork(engine, read_only=True) as uow:
        again = uow.leads.get(lead.id)

    assert stored["created_at"] == AT == again.created_at
    assert stored["fields"] == {"source": "web", "nested": "é"} == again.fields
    assert stored["qualification"] == {**Qualification(budget="10k").as_dict()}
    assert again.qualification == Qualification(budget="10k")
    assert (again.company, again.amount, again.source) == (lead.company, lead.amount, lead.source)
    engine.dispose()


def test_a_constraint_broken_on_the_cursor_raises_sqlalchemys_integrity_error(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    add_key = Prepared(insert(t.intake_keys))
    with SqlUnitOfWork(engine) as uow:
        add_key.many(uow.connection, [{"key": "k", "created_at": AT}])
        with pytest.raises(IntegrityError):
            add_key.many(uow.connection, [{"key": "k", "created_at": AT}])
    engine.dispose()
