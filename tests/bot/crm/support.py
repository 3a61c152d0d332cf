"""A Baton with HubSpot sync on, pointed at the HubSpot double, and a team to route to."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from bot.baton import Baton
from bot.bootstrap import CrmParts, build, crm_parts, crm_sender
from bot.config import Settings
from bot.crm.sender import CrmSender
from routing.arrival import posted
from routing.roles import Platform
from routing.usecases.context import RelayConfig
from tests.e2e.slack_double import LoopbackApp
from tests.support.clock import FakeClock
from tests.support.hubspot_double import TOKEN, HubSpotDouble
from tests.support.phones import PHONES
from tests.support.world import say

MANAGER = ("console", "maya")


@dataclass
class Synced:
    baton: Baton
    double: HubSpotDouble
    parts: CrmParts
    sender: CrmSender
    clock: FakeClock

    def post(self, text: str, ts: str) -> int:
        outcome = self.baton.relay.ingest(
            posted(Platform.SLACK, "C0LEADS", ts, text, phones=PHONES)
        )
        assert outcome.lead_id is not None
        return outcome.lead_id

    def say(self, who: str, line: str) -> str:
        return say(self.baton, who, line).reply

    def drain(self) -> int:
        return self.sender.drain()


def settings(url: str, api_url: str, **extra: object) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=url,
        hubspot_access_token=TOKEN,
        hubspot_api_url=api_url,
        _env_file=None,
        **extra,
    )


@contextmanager
def synced(db_url: str, clock: FakeClock, **extra: object) -> Iterator[Synced]:
    double = HubSpotDouble()
    with LoopbackApp(double.web_app()) as app:
        baton = build(
            settings(db_url, app.url, **extra),
            clock=clock,
            config=RelayConfig(managers=frozenset({MANAGER}), crm_sync=True),
        )
        parts = crm_parts(baton)
        assert parts is not None
        parts.crm.sleep = lambda seconds: clock.advance(seconds=seconds)  # type: ignore[assignment]
        world = Synced(baton, double, parts, crm_sender(baton, parts), clock)
        say(baton, "maya", "/rotation add @alice qualifier")
        say(baton, "maya", "/rotation add @carol closer")
        say(baton, "maya", "/rotation add @dan account_manager")
        try:
            yield world
        finally:
            baton.close()
