"""The dashboard's CRM page over HTTP on loopback: writes HubSpot refused for good, with its
message escaped and made storable, for managers only, and only while HubSpot is configured."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.bootstrap import crm_parts, crm_sender
from tests.e2e.slack_double import LoopbackApp
from tests.support.clock import FakeClock
from tests.support.dashboard import MANAGER, Browser, Served, seeded_baton, serving
from tests.support.hubspot_double import HubSpotDouble

REFUSAL = 'Property values were not valid: <script>alert("x")</script> & phone \ud800'


@pytest.fixture
def hubspot() -> Iterator[tuple[HubSpotDouble, str]]:
    double = HubSpotDouble()
    with LoopbackApp(double.web_app()) as app:
        yield double, app.url


@pytest.fixture
def served(
    sqlite_url: str, clock: FakeClock, hubspot: tuple[HubSpotDouble, str]
) -> Iterator[Served]:
    """The seeded morning with HubSpot on; its first contact write refused with a 400."""
    double, url = hubspot
    baton = seeded_baton(sqlite_url, clock, hubspot_url=url)
    double.fail(
        400,
        {"status": "error", "message": REFUSAL, "category": "VALIDATION_ERROR"},
        times=1,
        match=lambda method, path: method == "POST" and "contacts/batch/upsert" in path,
    )
    parts = crm_parts(baton)
    assert parts is not None
    crm_sender(baton, parts).run_once(limit=3)
    with serving(baton) as running:
        yield running
    baton.engine.dispose()


def test_a_manager_sees_a_refused_write_with_hubspots_message_escaped_and_its_lead_linked(
    served: Served, clock: FakeClock
) -> None:
    browser = Browser(served)
    assert browser.get(served.link(MANAGER))[0] == 200
    assert 'href="/dashboard/crm"' in browser.get("/dashboard")[1]  # the managers' nav
    status, body, _ = browser.get("/dashboard/crm")
    assert status == 200
    assert '<dd data-field="failed">1</dd>' in body
    assert 'data-state="failed"' in body
    assert '<a href="/dashboard/leads/L-1">L-1</a>' in body
    assert "<td>contact: lead</td>" in body
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; phone \ufffd" in body
    assert "<script>" not in body
    assert f"{clock():%Y-%m-%d}" in body  # first failed at
    waiting = int(body.split('<dd data-field="waiting">')[1].split("<")[0])
    assert waiting > 0  # the seeded morning's other writes wait for the sender


def test_a_rep_gets_not_found_for_the_crm_page_and_no_link_to_it(served: Served) -> None:
    browser = Browser(served)
    assert browser.get(served.link("alice"))[0] == 200
    status, body, _ = browser.get("/dashboard/crm")
    assert status == 404
    assert "Property values" not in body
    assert 'href="/dashboard/crm"' not in browser.get("/dashboard")[1]


def test_without_hubspot_there_is_no_crm_page_even_for_a_manager(
    sqlite_url: str, clock: FakeClock
) -> None:
    baton = seeded_baton(sqlite_url, clock)
    with serving(baton) as running:
        browser = Browser(running)
        assert browser.get(running.link(MANAGER))[0] == 200
        assert browser.get("/dashboard/crm")[0] == 404
        assert 'href="/dashboard/crm"' not in browser.get("/dashboard")[1]
    baton.engine.dispose()
