"""The managers' CRM page fed HubSpot messages no page should trust, on SQLite and PostgreSQL:
markup, a cell-closing tag, NUL, a lone surrogate and 20,000 characters are shown escaped,
storable and cut to what Baton keeps (2,000 characters)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.bootstrap import crm_parts, crm_sender
from tests.e2e.slack_double import LoopbackApp
from tests.support.clock import FakeClock
from tests.support.dashboard import MANAGER, Browser, Served, seeded_baton, serving
from tests.support.hubspot_double import HubSpotDouble

HOSTILE = (
    '</td></tr></table><script>alert("x")</script><img src=x onerror=alert(1)> '
    "NUL\x00 lone\udc00 " + "w" * 20_000
)


@pytest.fixture
def served(db_url: str, clock: FakeClock) -> Iterator[Served]:
    double = HubSpotDouble()
    with LoopbackApp(double.web_app()) as app:
        baton = seeded_baton(db_url, clock, hubspot_url=app.url)
        double.fail(
            400,
            {"status": "error", "message": HOSTILE, "category": "VALIDATION_ERROR"},
            times=1,
            match=lambda method, path: method == "POST" and "contacts/batch/upsert" in path,
        )
        parts = crm_parts(baton)
        assert parts is not None
        crm_sender(baton, parts).run_once(limit=3)
        with serving(baton) as running:
            yield running
        baton.engine.dispose()


def test_a_hostile_hubspot_message_is_escaped_storable_and_bounded(served: Served) -> None:
    browser = Browser(served)
    assert browser.get(served.link(MANAGER))[0] == 200
    status, body, _ = browser.get("/dashboard/crm")
    assert status == 200
    assert '<dd data-field="failed">1</dd>' in body
    assert "<script>" not in body
    assert "<img" not in body
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;" in body
    assert "\x00" not in body
    assert "NUL lone\ufffd w" in body
    cell = body.split('<td class="message">')[1].split("</td>")[0]
    assert cell.count("w") <= 2_000
    assert body.count("<tr data-lead=") == 1
    assert body.rstrip().endswith("</html>")
