"""The dashboard's queries and exports on SQLite and PostgreSQL: filters, pages, CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from sqlalchemy import func, or_, select

from bot.baton import Baton
from routing.dashboard.filters import LeadFilters, parse_filters
from routing.stages import Stage
from storage import tables as t
from storage.dashboard import SqlDashboardReads
from storage.dashboard_export import count_leads, export_chunks
from storage.dashboard_secrets import rotate_secret, stored_secret
from tests.conftest import FakeClock
from tests.support.dashboard import seeded_baton


@pytest.fixture
def baton(db_url: str, clock: FakeClock) -> Iterator[Baton]:
    made = seeded_baton(db_url, clock)
    yield made
    made.engine.dispose()


def _ids(baton: Baton, filters: LeadFilters) -> list[int]:
    with baton.engine.connect() as conn:
        return [row.id for row in SqlDashboardReads(conn).leads_page(filters, None, 50, 0)]


def test_the_leads_page_filters_by_stage_source_and_search_newest_first(baton: Baton) -> None:
    everything = _ids(baton, LeadFilters())
    assert everything == sorted(everything, reverse=True)
    assert len(everything) == 5
    assert _ids(baton, parse_filters({"source": "WEBSITE"})) == [3, 2]
    assert _ids(baton, parse_filters({"q": "GLOBEX"})) == [2]
    assert _ids(baton, parse_filters({"q": "100%"})) == []
    assert _ids(baton, LeadFilters(stage=Stage.WON)) == [1]


def test_pages_do_not_overlap(baton: Baton) -> None:
    with baton.engine.connect() as conn:
        reads = SqlDashboardReads(conn)
        first, second = (reads.leads_page(LeadFilters(), None, 3, offset) for offset in (0, 3))
    assert {r.id for r in first}.isdisjoint({r.id for r in second})
    assert len(first) + len(second) == 5


def test_the_csv_export_quotes_commas_quotes_and_newlines_and_keeps_accents(
    baton: Baton,
) -> None:
    with baton.engine.connect() as conn:
        assert count_leads(conn, LeadFilters(), None) == 5
    raw = b"".join(
        data for data, _ in export_chunks(baton.engine, "leads", LeadFilters(), None, {})
    )
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    by_company = {row["company"]: row for row in rows}
    assert "Acme, Inc." in by_company
    assert by_company["Initech"]["person"] == "Zoë Brandt"
    assert '\'=HYPERLINK("http://evil","click")' in by_company
    won = by_company["Umbrella"]
    assert won["won_amount"] == "12000"
    assert won["budget"] == "10k"
    assert won["first_won_at"].startswith("2026-11-23T09:")


def test_the_events_export_has_one_row_per_event(baton: Baton) -> None:
    raw = b"".join(
        data for data, _ in export_chunks(baton.engine, "events", LeadFilters(), None, {})
    )
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    with baton.engine.connect() as conn:
        count = conn.exec_driver_sql("SELECT count(*) FROM lead_events").scalar_one()
    assert len(rows) == count


def test_replicas_share_one_stored_secret_until_it_is_rotated(baton: Baton) -> None:
    first = stored_secret(baton.engine)
    assert stored_secret(baton.engine) == first
    rotate_secret(baton.engine)
    assert stored_secret(baton.engine) != first


@pytest.mark.parametrize("words", ["zoë", "ZOË", "Brandt", "UMBRELLA.co", "acme, inc", "o", "ë b"])
def test_a_search_matches_the_rows_lower_like_matches(baton: Baton, words: str) -> None:
    """On SQLite the search is ``x LIKE p`` (its LIKE ignores the case its lower() folds)."""
    pattern = f"%{words.lower()}%"
    with baton.engine.connect() as conn:
        expected = [
            row.id
            for row in conn.execute(
                select(t.leads.c.id)
                .where(
                    or_(
                        *(
                            func.lower(column).like(pattern)
                            for column in (t.leads.c.company, t.leads.c.name, t.leads.c.email)
                        )
                    )
                )
                .order_by(t.leads.c.id.desc())
            )
        ]
    assert _ids(baton, parse_filters({"q": words})) == expected
    assert expected
