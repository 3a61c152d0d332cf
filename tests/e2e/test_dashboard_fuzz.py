"""Fuzzing the dashboard over real HTTP, on SQLite and PostgreSQL.

A fuzzed database (webhook payloads of every shape through the intake door, and leads stored as
they were before every entry made text storable): every lead page, the leads table and both
exports answer 200 to a manager and a rep. Odd parameters on every page (dates out of range,
NUL, percent-encoded bytes that are not UTF-8, long values, odd lead ids) are answered below
500, and a 400 shows the page's form. The server log holds no traceback. Bounded: a few hundred
examples, fixed seeds.
"""

from __future__ import annotations

import urllib.parse
from collections import Counter
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from routing.inbound import webhook_arrival
from storage import tables as t
from tests.support.dashboard import MANAGER, Browser, Served
from tests.support.migrations import rerun
from tests.support.payloads import as_json, objects, texts
from tests.support.phones import PHONES
from tests.support.server_log import fuzz_counts, tracebacks

PAYLOADS = 80
QUERIES = 200
HTTP_LINE = 8190
"""aiohttp refuses a longer request line itself (400, text/plain) before any route runs."""


def fuzz(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def fuzz_the_database(served: Served) -> None:
    """Leads from fuzzed payloads through the intake door, and two stored before every entry
    made text storable, then upgraded (migration 0011) as a database from then would be."""

    @fuzz(PAYLOADS)
    @given(payload=objects, source=st.sampled_from(["website", "typeform", "hubspot"]))
    def one(payload: object, source: str) -> None:
        raw = as_json(payload).decode()
        served.baton.relay.ingest(webhook_arrival(source, payload, raw, None, None, phones=PHONES))

    one()
    stored_before = [
        {"source": "web\udfff", "plan\ud800": "pro\ud83d"},
        {"source": "a\x00b", "notes": "x\x00" * 100},
    ]
    with served.baton.engine.begin() as conn:
        for fields in stored_before:
            values = {"stage": "new", "origin": "inbound", "fields": fields}
            conn.execute(insert(t.leads).values(**values, created_at=datetime.now(UTC)))
    rerun(served.baton.engine, "0011")


def test_every_lead_page_of_a_fuzzed_database_renders_for_a_manager_and_a_rep(
    dashboard: Served, caplog: pytest.LogCaptureFixture, db_url: str
) -> None:
    fuzz_the_database(dashboard)
    caplog.clear()
    with dashboard.baton.engine.connect() as conn:
        ids = list(conn.execute(select(t.leads.c.id)).scalars())
    lists = ["/dashboard", "/dashboard/leads", "/dashboard/audit", "/dashboard/export/leads.csv"]
    lists += [
        "/dashboard/export/events.csv",
        "/dashboard/leads?q=%C3%A9",
        "/dashboard/leads?page=2",
    ]
    seen: Counter[int] = Counter()
    for who, allowed in ((MANAGER, {200}), ("alice", {200, 404})):
        browser = Browser(dashboard)
        assert browser.get(dashboard.link(who))[0] == 200
        for path in [*(f"/dashboard/leads/{i}" for i in ids), *lists]:
            status = browser.get(path)[0]
            seen[status] += 1
            assert status in allowed, (who, path, status)
    print(fuzz_counts(f"lead pages of {len(ids)} fuzzed leads", db_url, seen))
    assert tracebacks(caplog) == []


FILTERS = ["period", "from", "to", "stage", "owner", "pool", "source", "q", "page"]


def _encoded(value: str | bytes) -> str:
    raw = value if isinstance(value, bytes) else value.encode("utf-8", "surrogatepass")
    return urllib.parse.quote_from_bytes(raw, safe="")


values = st.one_of(
    texts,
    st.binary(max_size=30),
    st.dates().map(str),
    st.sampled_from(
        [
            *("9999-12-31", "9999-12-30", "0001-01-01", "2026-02-30", "2026-11-23", "1999-12-31"),
            *("0", "-1", "2147483648", "99999999999", "L-1", "custom", "today", "x" * 300),
        ]
    ),
)
queries = st.lists(
    st.tuples(
        st.one_of(*[st.sampled_from(FILTERS)] * 4, texts),
        values,
    ),
    max_size=5,
).map(lambda pairs: "&".join(f"{_encoded(k)}={_encoded(v)}" for k, v in pairs))
pages = st.sampled_from(
    [
        "/dashboard",
        "/dashboard/leads",
        "/dashboard/audit",
        "/dashboard/export/leads.csv",
        "/dashboard/export/events.csv",
    ]
)
lead_ids = st.one_of(texts, st.binary(max_size=20), st.integers()).map(
    lambda x: f"/dashboard/leads/{_encoded(str(x) if isinstance(x, int) else x)}"
)
paths = st.tuples(st.integers(0, 3), pages, lead_ids).map(lambda c: c[2] if c[0] == 0 else c[1])
"""A page of the dashboard three times in four, else a lead page with an odd id."""


def test_fuzzed_dashboard_parameters_are_answered_below_500_without_a_traceback(
    dashboard: Served, caplog: pytest.LogCaptureFixture, db_url: str
) -> None:
    fuzz_the_database(dashboard)
    browsers = {}
    for who in (MANAGER, "alice"):
        browsers[who] = Browser(dashboard)
        assert browsers[who].get(dashboard.link(who))[0] == 200
    seen: Counter[int] = Counter()

    @fuzz(QUERIES)
    @given(path=paths, query=queries, who=st.sampled_from([MANAGER, "alice"]))
    @example(path="/dashboard/leads", query="source=0", who=MANAGER)
    @example(path="/dashboard/export/leads.csv", query="source=website", who=MANAGER)
    @example(path="/dashboard/export/events.csv", query="source=web&q=%00", who="alice")
    def one(path: str, query: str, who: str) -> None:
        caplog.clear()
        target = f"{path}?{query}" if query else path
        status, body, _ = browsers[who].get(target)
        seen[status] += 1
        assert status in (200, 400, 404), (path, query, status, body[:300])
        if status == 400 and len(target) < HTTP_LINE:
            assert '<form class="' in body, (path, query)
        assert tracebacks(caplog) == []

    one()
    print(fuzz_counts("dashboard parameters", db_url, seen))
