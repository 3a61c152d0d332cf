"""HubSpot waits ``X-HubSpot-Timeout-Millis`` (10 s) for an answer and counts a slower one as
failed: a delivery whose reads outlast that is cut short, answered 503, and its untaken events are
handled when HubSpot sends it again — each event once."""

from __future__ import annotations

import itertools

import pytest

from bot.bootstrap import crm_parts
from bot.crm.hubspot.events import HubSpotEvents, budget_seconds
from bot.entrypoints.crm_worker import hubspot_inbound
from tests.bot.crm.test_hubspot_events import SECRET, creation, site
from tests.support.clock import FakeClock


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("", 7.0),
        ("10000", 7.0),
        ("5000", 2.0),
        ("60000", 7.0),
        ("2500", 1.0),
        ("0", 7.0),
        ("ten", 7.0),
        ("-5000", 7.0),
        ("١٠٠٠٠", 7.0),
        ("9" * 40, 7.0),
    ],
)
def test_the_budget_is_hubspots_wait_less_a_margin_never_more_than_ten_seconds(
    header: str, seconds: float
) -> None:
    assert budget_seconds(header) == seconds


def test_a_delivery_that_outlasts_hubspots_wait_is_answered_503_and_finished_on_redelivery(
    sqlite_url: str, clock: FakeClock
) -> None:
    with site(sqlite_url, clock) as s:
        contacts = [
            s.double.add_contact(email=f"p{n}@acme{n}.io", company=f"Acme {n}") for n in range(5)
        ]
        events = [creation(100 + n, contact) for n, contact in enumerate(contacts)]
        parts = crm_parts(s.baton)
        assert parts is not None
        seconds = itertools.count(0, 3)  # each event's read takes three seconds
        endpoint = HubSpotEvents(
            inbound=hubspot_inbound(s.baton, parts),
            inbox=parts.inbox,
            secret=SECRET,
            public_url="https://baton.example.com",
            clock=s.baton.clock,
            monotonic=lambda: float(next(seconds)),
        )
        try:
            first = endpoint.handle_all(events, deadline=7.0)  # reads at 0, 3 and 6 s
            assert (first.handled, first.again) == (3, True)
            assert len(s.leads()) == 3
            again = endpoint.handle_all(events, deadline=float("inf"))
            assert (again.handled, again.ignored, again.again) == (2, 3, False)
        finally:
            endpoint.close()
        assert sorted(lead.email for lead in s.leads()) == sorted(
            f"p{n}@acme{n}.io" for n in range(5)
        )
