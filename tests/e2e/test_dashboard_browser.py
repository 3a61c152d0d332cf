"""The dashboard in headless Chromium: the figures of ``baton digest --print``, filters, a lead's
timeline, the CSV download and the 401 page, with no console error and no outside request.

Debian's ``chromium`` driven by Playwright's Python package (never ``playwright install``):
``.ci/run`` installs the browser where it can; without one these tests skip and say why.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.entrypoints.scheduler import digest_now
from tests.support.clock import FakeClock
from tests.support.dashboard import MANAGER, Served, seeded_baton, serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "dashboard.png"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright's Python package is not installed (dev extras)"
)
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="no Chromium on this machine (apt-get install chromium)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, timeout=30_000)
        yield launched
        launched.close()


@pytest.fixture
def served(sqlite_url: str, clock: FakeClock) -> Iterator[Served]:
    baton = seeded_baton(sqlite_url, clock)
    clock.advance(hours=22)  # the next morning: yesterday's digest is the seeded day
    with serving(baton) as running:
        yield running
    baton.engine.dispose()


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda err: page.problems.append(str(err)))
    page.on(
        "request",
        lambda r: r.url.startswith(served.url) or page.problems.append(f"outside: {r.url}"),
    )
    yield page
    context.close()


def _figure(page: Any, key: str) -> str:
    return str(page.locator(f'[data-figure="{key}"]').first.inner_text()).strip()


def test_a_manager_opens_a_link_and_sees_the_digests_figures(page: Any, served: Served) -> None:
    digest = digest_now(served.baton, "day")
    page.goto(served.link(MANAGER))
    assert page.url == f"{served.url}/dashboard"
    page.select_option("select[name=period]", "yesterday")
    page.click("form.period button")
    assert "period=yesterday" in page.url
    report = digest.report
    assert _figure(page, "period") == report.period.label
    for key in ("inbound", "claimed", "qualified", "disqualified", "meetings", "won"):
        assert _figure(page, key) == str(getattr(report, key)), key
        assert f"{getattr(report, key)}" in digest.text
    assert _figure(page, "won_value") == "12,000"
    assert "\nWon             1 " in digest.text
    assert page.locator("svg.chart").count() == 2
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert page.problems == []


def test_a_manager_filters_the_leads_opens_a_timeline_and_downloads_the_csv(
    page: Any, served: Served, tmp_path: Path
) -> None:
    page.goto(served.link(MANAGER))
    page.click("text=Leads")
    assert page.locator("tr[data-lead]").count() == 5
    page.fill("input[name=q]", "globex")
    page.click("form.filters button")
    rows = page.locator("tr[data-lead]")
    assert rows.count() == 1
    assert "Globex" in rows.first.inner_text()
    page.select_option("select[name=stage]", "working")
    page.fill("input[name=q]", "")
    page.click("form.filters button")
    working = page.locator("tr[data-lead]").all_inner_texts()
    assert len(working) == 3  # L-3, L-4 and L-5 are being worked; L-1 won, L-2 disqualified
    assert all("\tworking\t" in text for text in working)
    page.locator("tr[data-lead] a").first.click()
    assert page.locator('li[data-event="created"]').count() == 1
    assert page.locator('li[data-event="claimed"]').count() == 1
    page.go_back()
    with page.expect_download() as download:
        page.click("text=Download these leads (CSV)")
    saved = tmp_path / "leads.csv"
    download.value.save_as(saved)
    raw = saved.read_bytes()
    assert raw.startswith("\ufeffid,company".encode())
    assert raw.count(b"\r\n") == 4  # the header and the three leads the filters show
    assert page.problems == []


def test_an_expired_link_shows_the_401_page(page: Any, served: Served, clock: FakeClock) -> None:
    link = served.link(MANAGER)
    clock.advance(hours=25)
    answer = page.goto(link)
    assert answer.status == 401
    assert page.locator("h2", has_text="How to get a new link").count() == 1
    expected = "the server responded with a status of 401"  # Chromium logs the page's own 401
    assert [p for p in page.problems if expected not in p] == []


def test_a_manager_opens_the_audit_page_and_a_rep_is_not_shown_it(
    browser: Any, page: Any, served: Served, tmp_path: Path
) -> None:
    from routing.usecases.privacy import Contact
    from tests.support.world import say

    say(served.baton, MANAGER, "/rotation mode qualifier open")
    served.baton.relay.erase_contact(Contact(email="zoe@initech.io"), by="cli:ops")
    page.goto(served.link(MANAGER))
    page.click("nav >> text=Audit")
    assert page.url == f"{served.url}/dashboard/audit"
    kinds = page.locator("tr[data-kind]")
    assert kinds.first.get_attribute("data-kind") == "erasure"
    assert page.locator('tr[data-kind="claim_mode"]').count() == 1
    assert "zoe@initech.io" not in page.content()
    page.screenshot(path=str(tmp_path / "audit.png"), full_page=True)
    assert page.problems == []
    rep = browser.new_context().new_page()
    rep.goto(served.link("alice"))
    assert rep.locator("nav >> text=Audit").count() == 0
    assert rep.goto(f"{served.url}/dashboard/audit").status == 404


def test_a_manager_opens_the_crm_page_from_the_nav_and_follows_a_refused_write_to_its_lead(
    browser: Any, sqlite_url: str, clock: FakeClock, tmp_path: Path
) -> None:
    from bot.bootstrap import crm_parts, crm_sender
    from tests.e2e.slack_double import LoopbackApp
    from tests.support.hubspot_double import HubSpotDouble

    double = HubSpotDouble()
    with LoopbackApp(double.web_app()) as hubspot:
        baton = seeded_baton(sqlite_url, clock, hubspot_url=hubspot.url)
        refusal = {"status": "error", "message": "<b>phone</b> invalid", "category": "X"}
        double.fail(400, refusal, times=1, match=lambda m, p: "contacts/batch/upsert" in p)
        parts = crm_parts(baton)
        assert parts is not None
        crm_sender(baton, parts).run_once(limit=1)
        with serving(baton) as served:
            page = browser.new_context().new_page()
            page.goto(served.link(MANAGER))
            page.click("nav >> text=CRM")
            assert page.url == f"{served.url}/dashboard/crm"
            row = page.locator('tr[data-state="failed"]')
            assert row.count() == 1
            assert "<b>phone</b> invalid" in row.inner_text()  # shown as text, not markup
            page.screenshot(path=str(tmp_path / "crm.png"), full_page=True)
            row.locator("a").click()
            assert page.url == f"{served.url}/dashboard/leads/L-1"
            rep = browser.new_context().new_page()
            rep.goto(served.link("alice"))
            assert rep.locator("nav >> text=CRM").count() == 0
            assert rep.goto(f"{served.url}/dashboard/crm").status == 404
        baton.engine.dispose()
