"""The dashboard under odd parameters and odd stored text, on SQLite and PostgreSQL: filters by
source work, a parameter that breaks a rule is a 400 with the page's form, and a value stored
before every entry made text storable never fails a page or an export."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from storage import tables as t
from tests.support.dashboard import MANAGER, Browser, Served
from tests.support.server_log import tracebacks


@pytest.fixture
def manager(dashboard: Served) -> Browser:
    browser = Browser(dashboard)
    assert browser.get(dashboard.link(MANAGER))[0] == 200
    return browser


def shown_leads(body: str) -> set[int]:
    return {int(part.split('"')[0]) for part in body.split('data-lead="')[1:]}


def test_filtering_by_source_shows_that_sources_leads_and_exports_them(
    manager: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    status, body, _ = manager.get("/dashboard/leads?source=website")
    assert status == 200
    assert len(shown_leads(body)) == 2  # Ann Lee and Zoë Brandt came from the website
    status, exported, _ = manager.get("/dashboard/export/leads.csv?source=Website")
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {int(r["id"]) for r in rows} == shown_leads(body)
    status, events, _ = manager.get("/dashboard/export/events.csv?source=website")
    assert status == 200
    assert {int(r["lead_id"]) for r in csv.DictReader(io.StringIO(events))} == shown_leads(body)
    assert tracebacks(caplog) == []


BROKEN = [
    ("from=9999-12-31&to=9999-12-31", "from 2000-01-01 to 2999-12-31"),
    ("from=9999-12-30&to=9999-12-30", "from 2000-01-01 to 2999-12-31"),
    ("period=custom&from=0001-01-01&to=0001-01-02", "from 2000-01-01 to 2999-12-31"),
    ("from=2026-01-01&to=2027-06-01", "at most 366 days"),
    ("from=2026-02-01&to=2026-01-01", "cannot end"),
    ("from=2026-02-30&to=2026-03-01", "YYYY-MM-DD"),
    ("from=2026-01-01", "both a from and a to"),
    ("q=%00", "NUL"),
    ("q=a%00b", "NUL"),
    ("source=%00", "NUL"),
    ("pool=web%00", "NUL"),
    ("q=" + "x" * 101, "at most 100"),
    ("page=0", "page is a number"),
    ("page=10001", "page is a number"),
    ("owner=99999999999", "owner is a number"),
    ("stage=bogus", "no stage"),
    ("period=forever", "the period is one of"),
]


def test_every_leads_parameter_that_breaks_a_rule_is_a_400_with_the_leads_form(
    manager: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    for path in ("/dashboard/leads", "/dashboard/export/leads.csv", "/dashboard/export/events.csv"):
        for query, says in BROKEN:
            status, body, response = manager.get(f"{path}?{query}")
            assert status == 400, (path, query, body[:300])
            assert response.headers["Content-Type"].startswith("text/html")
            assert says in body, (path, query)
            assert '<form class="filters"' in body
    assert tracebacks(caplog) == []


@pytest.mark.parametrize(
    "query", ["from=9999-12-31&to=9999-12-31", "period=custom&from=1999-12-31&to=2000-01-01"]
)
def test_an_overview_period_out_of_range_is_a_400_with_the_period_form(
    manager: Browser, query: str
) -> None:
    status, body, _ = manager.get(f"/dashboard?{query}")
    assert status == 400
    assert "from 2000-01-01 to 2999-12-31" in body
    assert '<form class="period"' in body


def test_a_rep_gets_the_same_400_with_their_own_form(dashboard: Served) -> None:
    rep = Browser(dashboard)
    assert rep.get(dashboard.link("alice"))[0] == 200
    status, body, _ = rep.get("/dashboard/leads?q=%00")
    assert status == 400
    assert '<form class="filters"' in body
    assert 'name="owner"' not in body  # a rep's owner is always themselves


def _store_unreadable_lead(dashboard: Served) -> int:
    """A lead as a webhook stored it before every entry made text storable."""
    fields = {"source": "web\udfff", "plan\udfff": "pro\ud83d", "note": "a\x00b"}
    values = {
        "stage": "new",
        "origin": "inbound",
        "fields": fields,
        "company": "Surrogate Ltd",
        "created_at": datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
    }
    with dashboard.baton.engine.begin() as conn:
        lead_id = conn.execute(insert(t.leads).values(values).returning(t.leads.c.id))
        created = int(lead_id.scalar_one())
        conn.execute(
            insert(t.lead_events).values(
                lead_id=created,
                type="created",
                at=values["created_at"],
                to_stage="new",
                payload={"source": "web\udfff"},
            )
        )
    return created


def test_a_lead_stored_with_lone_surrogates_shows_them_as_replacement_characters(
    dashboard: Served, manager: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    lead_id = _store_unreadable_lead(dashboard)
    status, body, _ = manager.get(f"/dashboard/leads/{lead_id}")
    assert status == 200
    assert "pro\ufffd" in body
    assert manager.get("/dashboard/leads")[0] == 200
    assert manager.get("/dashboard?period=today")[0] == 200
    for kind in ("leads", "events"):
        status, exported, _ = manager.get(f"/dashboard/export/{kind}.csv")
        assert status == 200
        assert "\ufffd" in exported
    assert tracebacks(caplog) == []
