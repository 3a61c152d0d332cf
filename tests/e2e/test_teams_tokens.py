"""With an app id set, a request is verified on its token alone before its body is read: only a
token signed by the Bot Framework's key, for this bot, naming the activity's serviceUrl, gets in.

The Bot Framework's signing key is played by a test key (``MicrosoftKeys``), so these run offline.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.teams_support import MAYA, WEB, MicrosoftKeys, Teams, TeamsWorld, teams_world
from tests.e2e.test_teams_requests import APP_ID, WRITTEN
from tests.support.clock import FakeClock

SERVICE_URL = "https://smba.trafficmanager.net/emea/"
LEAD_POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"


@pytest.fixture(scope="module")
def microsoft() -> Iterator[MicrosoftKeys]:
    with MicrosoftKeys(APP_ID).installed() as keys:
        yield keys


@pytest.fixture
def secured(tmp_path: Path, clock: FakeClock, microsoft: MicrosoftKeys) -> Iterator[TeamsWorld]:
    with teams_world(
        tmp_path, clock, microsoft_app_id=APP_ID, microsoft_app_password="not-the-secret"
    ) as world:
        world.teams = Teams(SERVICE_URL)
        yield world


def test_a_token_from_the_bot_framework_for_this_bot_lets_the_activity_in(
    secured: TeamsWorld, microsoft: MicrosoftKeys
) -> None:
    token = microsoft.token(SERVICE_URL)
    assert secured.post(secured.teams.lead_post(WEB, LEAD_POST), token=token).status == 200
    assert secured.post(secured.teams.say_personal(MAYA, "lead mine"), token=token).status == 200
    assert secured.rows("leads") == 1
    assert secured.rows("outbox") >= 2


@pytest.mark.parametrize(
    "forge",
    [
        "signed by another key",
        "an unknown key id",
        "for another bot",
        "expired",
        "for another service url",
        "a plain http service url",
    ],
)
def test_a_forged_or_misdirected_token_is_refused_and_touches_nothing(
    secured: TeamsWorld, microsoft: MicrosoftKeys, forge: str
) -> None:
    post = secured.teams.lead_post(WEB, LEAD_POST)
    token = {
        "signed by another key": lambda: microsoft.token(SERVICE_URL, signer=microsoft.attacker),
        "an unknown key id": lambda: microsoft.token(SERVICE_URL, kid="nobody-knows"),
        "for another bot": lambda: microsoft.token(SERVICE_URL, aud="another-bot"),
        "expired": lambda: microsoft.token(SERVICE_URL, exp=1_000_000_000),
        "for another service url": lambda: microsoft.token("https://attacker.example/"),
        "a plain http service url": lambda: microsoft.token("http://smba.trafficmanager.net/"),
    }[forge]()
    if forge == "a plain http service url":
        post["serviceUrl"] = "http://smba.trafficmanager.net/"
    before = {table: secured.rows(table) for table in WRITTEN}

    answer = secured.post(post, token=token)

    if forge == "a plain http service url":  # verified, but not a destination to store or use
        assert answer.status == 200
        assert secured.rows("conversation_refs") == before["conversation_refs"]
        return
    assert answer.status == 401
    assert {table: secured.rows(table) for table in WRITTEN} == before
    assert secured.double.calls == []
