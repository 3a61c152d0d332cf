"""End-to-end fixtures: the real server on loopback, Slack's Web API double, signed requests.

``slack`` starts ``Server(...).web_app()`` (the same app ``baton serve`` runs) with
``SLACK_API_URL`` at the double. The outbox sender thread is off: tests deliver with
``world.deliver()`` and move the FakeClock past retry times, so nothing depends on timing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from bot.baton import Baton
from bot.bootstrap import build
from bot.config import Settings
from bot.entrypoints.serve import make_server
from storage import tables as t
from tests.e2e.serve_process import new_double
from tests.e2e.slack_double import LoopbackApp, SignedSlack, SlackDouble
from tests.support.clock import FakeClock
from tests.support.dashboard import Served, seeded_baton, serving

INTAKE = "C0INTAKE"
MANAGER = "UMAYA"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = {
    MANAGER: "Maya Manager",
    "UALICE": "Alice Able",
    "UBOB": "Bob Baker",
    "UCARL": "Carl Closer",
    "UAMY": "Amy Account",
    "UWEB": "Wendy Web",
}


@dataclass
class SlackWorld:
    baton: Baton
    double: SlackDouble
    slack: SignedSlack

    def deliver(self) -> int:
        """Send everything the outbox holds that is due now (on the test's clock)."""
        return self.baton.sender().drain()

    def rows(self, table: str) -> int:
        with self.baton.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count()).select_from(t.metadata.tables[table])
                ).scalar_one()
            )


def slack_settings(database_url: str, api_url: str, **extra: str) -> Settings:
    values = {
        "database_url": database_url,
        "slack_bot_token": "xoxb-test-token",
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": api_url,
        "baton_intake_channels": INTAKE,
        "baton_managers": MANAGER,
        **extra,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg, arg-type]


@pytest.fixture
def dashboard(db_url: str, clock: FakeClock) -> Iterator[Served]:
    """The dashboard's seeded team served on loopback, on each database."""
    baton = seeded_baton(db_url, clock)
    with serving(baton) as running:
        yield running
    baton.engine.dispose()


@pytest.fixture
def slack_double() -> Iterator[SlackDouble]:
    double = SlackDouble()
    for user_id, name in TEAM.items():
        double.add_user(user_id, name)
    with LoopbackApp(double.web_app()) as served:
        double.url = served.url
        yield double


@pytest.fixture
def double() -> Iterator[SlackDouble]:
    """The Slack double for tests that run ``baton serve`` processes: the wall clock (the
    processes keep real time) and the team of ``tests.e2e.serve_process``."""
    double = new_double()
    with LoopbackApp(double.web_app()) as served:
        double.url = served.url
        yield double


@pytest.fixture
def slack(sqlite_url: str, clock: object, slack_double: SlackDouble) -> Iterator[SlackWorld]:
    settings = slack_settings(sqlite_url, slack_double.api_url)
    baton = build(settings, clock=clock)  # type: ignore[arg-type]
    server = make_server(settings, baton, sender=False)
    with LoopbackApp(server.web_app()) as served:
        yield SlackWorld(
            baton, slack_double, SignedSlack(served.url, SIGNING_SECRET, slack_double, INTAKE)
        )
    baton.engine.dispose()
