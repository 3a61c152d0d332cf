"""The closer's booking link at hand-off, prefilled with a prospect whose name has spaces,
accents, an ampersand, a plus or an apostrophe: every booking page reads back exactly the name,
email and lead Baton put in (cal.com and Calendly read the query with ``URLSearchParams``, which
takes ``%20`` and ``+`` alike; ``%20`` is the one every reader takes as a space)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from routing.arrival import posted
from routing.calendars.booking import booking_provider
from routing.roles import Platform
from tests.support.clock import FakeClock
from tests.support.phones import PHONES
from tests.support.world import make_baton, say

NAMES = ["José Núñez-Ødegaard", "Smith & Wesson", "Ann+Lee", "Seán O'Brien", "李 小龙"]


def handed_off_reply(db_url: str, clock: FakeClock, name: str, email: str, link: str) -> str:
    baton = make_baton(db_url, clock, managers=[("console", "maya")])
    say(baton, "maya", "/rotation add @alice qualifier")
    say(baton, "maya", "/rotation add @carl closer")
    say(baton, "carl", f"/rotation booking {link}")
    text = f"Name: {name}\nEmail: {email}\nCompany: Umbrella Corp\nMessage: call me"
    baton.relay.ingest(posted(Platform.SLACK, "C0LEADS", "9.1", text, phones=PHONES))
    say(baton, "alice", "/lead claim 1")
    say(baton, "alice", "/lead qualify 1 budget=50k authority=CTO need=CRM wants a demo")
    reply = say(baton, "alice", "/lead handoff 1").reply
    baton.engine.dispose()
    return reply


def link_in(reply: str, host: str) -> str:
    found = re.search(rf"https://{re.escape(host)}/\S+", reply)
    assert found, reply
    return found[0].rstrip(".,)")


@pytest.mark.parametrize("name", NAMES)
def test_a_calcom_link_gives_back_the_prospects_name_and_the_lead(
    sqlite_url: str, clock: FakeClock, name: str
) -> None:
    reply = handed_off_reply(
        sqlite_url, clock, name, "sam+sales@umbrella.co", "https://cal.example.com/carl/intro"
    )
    url = link_in(reply, "cal.example.com")
    query = parse_qs(urlsplit(url).query, strict_parsing=True)
    assert query["name"] == [name]
    assert query["email"] == ["sam+sales@umbrella.co"]
    assert query["notes"] == ["Baton lead L-1"]
    assert query["metadata[lead]"] == ["L-1"]
    assert " " not in url
    assert "+" not in urlsplit(url).query  # a space is %20, a plus %2B


@pytest.mark.parametrize("name", NAMES)
def test_a_calendly_link_gives_back_the_prospects_name_and_the_lead_in_a1(
    sqlite_url: str, clock: FakeClock, name: str
) -> None:
    reply = handed_off_reply(
        sqlite_url, clock, name, "sam@umbrella.co", "https://calendly.com/carl/30min"
    )
    url = link_in(reply, "calendly.com")
    assert parse_qs(urlsplit(url).query, strict_parsing=True) == {
        "name": [name],
        "email": ["sam@umbrella.co"],
        "a1": ["Baton lead L-1"],
    }


@pytest.mark.parametrize(
    ("link", "provider"),
    [
        ("https://meetings.hubspot.com/carl", "hubspot"),
        ("https://meetings-eu1.hubspot.com/carl", "hubspot"),
        ("https://book.nothubspot.com/carl", "calcom"),
        ("https://calendly.com/carl/30min", "calendly"),
        ("https://calendly.com.evil.example/carl", "calcom"),
        ("https://cal.example.com/carl/intro", "calcom"),
    ],
)
def test_the_booking_page_is_known_by_its_host_not_by_how_the_host_ends(
    link: str, provider: str
) -> None:
    assert booking_provider(link) == provider
