"""A seeded team and a served Baton for the dashboard's HTTP and browser tests."""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bot.baton import Baton
from bot.config import Settings
from bot.entrypoints.serve import make_server
from routing.arrival import posted
from routing.dashboard.links import subject_of
from routing.roles import Platform
from routing.usecases.context import Actor, RelayConfig
from tests.e2e.slack_double import LoopbackApp
from tests.support.hubspot_double import TOKEN
from tests.support.phones import PHONES
from tests.support.world import say

MANAGER = "maya"
QUALIFIERS = ("alice", "bob")
CLOSER = "carl"
OUTSIDER = "olga"


@dataclass
class Served:
    baton: Baton
    url: str

    def link(self, who: str | Actor) -> str:
        """A dashboard link for console user ``who`` (or any actor), on this server."""
        rep = self.baton.relay.rep(_console(who) if isinstance(who, str) else who)
        links = self.baton.relay.config.dashboard
        assert links is not None
        return links.link_for(subject_of(rep), self.baton.clock()).replace(
            self.baton.settings.public_url(), self.url
        )


class Browser:
    """A cookie-keeping client that does not follow redirects unless asked."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str, Any]:
        url = path if path.startswith("http") else self.served.url + path
        try:
            with self.opener.open(url, timeout=30) as response:
                return response.status, response.read().decode("utf-8-sig"), response
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode(), err


def _console(name: str) -> Actor:
    from tests.support.world import console

    return console(name)


def seeded_baton(
    url: str,
    clock: object,
    secret_key: str | None = "test-secret-key",
    public_url: str = "http://localhost:3000",
    hubspot_url: str | None = None,
) -> Baton:
    """Maya manages; Alice and Bob qualify, Carl closes. A morning of leads through the relay.
    With ``hubspot_url`` (a HubSpot double), CRM sync is on and every lead's changes wait in
    the CRM's outbox."""
    from bot.bootstrap import build

    crm = {"hubspot_access_token": TOKEN, "hubspot_api_url": hubspot_url} if hubspot_url else {}
    settings = Settings(  # type: ignore[call-arg]
        database_url=url,
        _env_file=None,
        baton_secret_key=secret_key,
        baton_public_url=public_url,
        **crm,
    )
    config = RelayConfig(
        managers=frozenset({(Platform.CONSOLE.value, MANAGER)}),
        phones=PHONES,
        crm_sync=bool(hubspot_url),
    )
    baton = build(settings, clock=clock, config=config)  # type: ignore[arg-type]
    for rep in QUALIFIERS:
        say(baton, MANAGER, f"/rotation add @{rep} qualifier")
    say(baton, MANAGER, f"/rotation add @{CLOSER} closer")
    baton.relay.rep(_console(OUTSIDER))
    posts = [
        "Lead: Sam Ortiz, sam@umbrella.co, Umbrella, source: webinar",
        "Lead: Ann Lee, ann@globex.com, Globex, source: website",
        "Lead: Zoë Brandt, zoe@initech.io, Initech, source: website",
        'Lead: Eve, eve@evil.test\nCompany: =HYPERLINK("http://evil","click")',
        'Lead: Dan "the man" Ode, dan@acme.test\nCompany: Acme, Inc.\nNotes: line one\nline two',
    ]
    for n, text in enumerate(posts, start=1):
        baton.relay.ingest(posted(Platform.SLACK, "C0LEADS", f"1.{n}", text, phones=PHONES))
        clock.advance(minutes=3)  # type: ignore[attr-defined]
    with baton.engine.connect() as conn:
        owners = dict(
            conn.exec_driver_sql(
                "SELECT l.id, r.user_id FROM leads l JOIN reps r ON r.id = l.owner_id"
            ).all()
        )
    for lead_id, owner in sorted(owners.items()):
        say(baton, owner, f"/lead claim {lead_id}")
    first = min(owners)
    say(
        baton, owners[first], f"/lead qualify {first} budget=10k authority=yes need=crm timeline=Q1"
    )
    say(baton, owners[first], f"/lead handoff {first}")
    say(baton, CLOSER, f"/lead meeting {first}")
    say(baton, CLOSER, f"/lead won {first} 12k")
    second = sorted(owners)[1]
    say(baton, owners[second], f"/lead disqualify {second} no budget")
    clock.advance(hours=1)  # type: ignore[attr-defined]
    return baton


@contextmanager
def serving(baton: Baton) -> Iterator[Served]:
    server = make_server(baton.settings, baton, sender=False)
    with LoopbackApp(server.web_app()) as served:
        yield Served(baton, served.url)
