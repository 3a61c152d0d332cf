"""What ``POST /api/messages`` accepts: Bot Framework tokens when an app id is set, invokes with a
body (the botbuilder 4.17.1 bug path), and requests that aren't activities."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest

from tests.conftest import FakeClock
from tests.e2e.teams_support import ALICE, MAYA, WEB, TeamsWorld, teams_world

APP_ID = "6a0b9c1d-2e3f-4a5b-8c7d-9e0f1a2b3c4d"
LEAD_POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"
WRITTEN = (
    "reps",
    "leads",
    "lead_events",
    "intake_keys",
    "delivery_keys",
    "outbox",
    "conversation_refs",
)


@pytest.fixture
def teams(tmp_path: Path, clock: FakeClock) -> Iterator[TeamsWorld]:
    with teams_world(tmp_path, clock) as world:
        yield world


@pytest.fixture
def secured(tmp_path: Path, clock: FakeClock) -> Iterator[TeamsWorld]:
    with teams_world(
        tmp_path, clock, microsoft_app_id=APP_ID, microsoft_app_password="not-the-secret"
    ) as world:
        yield world


def forged_token(issuer: str) -> str:
    """A well-formed JWT with the right claims, signed by someone who isn't Microsoft."""
    now = int(time.time())
    claims = {"iss": issuer, "aud": APP_ID, "iat": now, "nbf": now, "exp": now + 3600}
    return "Bearer " + jwt.encode(claims, "attacker-secret-long-enough-for-hs256", "HS256")


@pytest.mark.parametrize(
    "token",
    [
        None,
        "Bearer forged",
        "Basic YWRtaW46YWRtaW4=",
        forged_token("https://sts.attacker.example"),
    ],
    ids=["no header", "junk bearer", "basic auth", "jwt from another issuer"],
)
def test_with_an_app_id_a_request_without_a_valid_token_is_refused_and_touches_nothing(
    secured: TeamsWorld, token: str | None
) -> None:
    before = {table: secured.rows(table) for table in WRITTEN}
    lead = secured.post(secured.teams.lead_post(WEB, LEAD_POST), token=token)
    command = secured.post(
        secured.teams.say_personal(MAYA, "rotation add @Alice Able qualifier", ALICE), token=token
    )

    assert (lead.status, command.status) == (401, 401)
    assert {table: secured.rows(table) for table in WRITTEN} == before
    assert before["leads"] == before["conversation_refs"] == 0
    assert secured.double.calls == []


def test_without_an_app_id_a_junk_authorization_header_is_ignored(teams: TeamsWorld) -> None:
    """Auth is off (local development): botbuilder would choke on the header, so it is dropped."""
    assert teams.post(teams.teams.lead_post(WEB, LEAD_POST), token="Bearer junk").status == 200
    assert teams.rows("leads") == 1


def test_a_card_click_answers_200_with_the_invoke_body(teams: TeamsWorld) -> None:
    """``CloudAdapter.process`` in botbuilder 4.17.1 turns this into a 500; we must not."""
    teams.post(teams.teams.say_personal(MAYA, "rotation add @Alice Able qualifier", ALICE))
    teams.post(teams.teams.lead_post(WEB, LEAD_POST))

    answer = teams.post(teams.teams.execute(ALICE, "claim", {"baton": "claim", "lead": 1}))

    assert answer.status == 200
    body = answer.json()
    assert body["statusCode"] == 200
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert body["value"]["type"] == "AdaptiveCard"


def test_a_click_that_breaks_a_rule_answers_with_the_reason_as_a_message(
    teams: TeamsWorld,
) -> None:
    teams.post(teams.teams.say_personal(MAYA, "rotation add @Alice Able qualifier", ALICE))
    teams.post(teams.teams.lead_post(WEB, LEAD_POST))
    teams.post(teams.teams.execute(ALICE, "claim", {"baton": "claim", "lead": 1}))

    again = teams.post(teams.teams.execute(MAYA, "claim", {"baton": "claim", "lead": 1})).json()
    missing = teams.post(teams.teams.execute(ALICE, "claim", {"baton": "claim", "lead": 99}))

    assert again["type"] == "application/vnd.microsoft.activity.message"
    assert "already claimed by @Alice Able" in again["value"]
    assert missing.status == 200
    assert "L-99" in missing.json()["value"]


def test_a_request_that_is_not_an_activity_gets_400(teams: TeamsWorld) -> None:
    assert teams.post({"hello": "world"}).status == 400
    assert teams.rows("conversation_refs") == 0


def test_installing_baton_remembers_the_chat_with_its_tenant(teams: TeamsWorld) -> None:
    from bot.teams.transport.references import load

    assert teams.post(teams.teams.installed_personally(ALICE)).status == 200
    stored = load(teams.baton.stores.conversations, ALICE.id)
    assert stored is not None
    assert stored.tenant_id == "72f988bf-86f1-41af-91ab-2d7cd011db47"
    assert stored.reference["conversation"]["id"] == ALICE.chat


def test_baton_serve_answers_teams_only_when_a_teams_variable_is_set(tmp_path: Path) -> None:
    """A Slack-only deployment must not expose an unauthenticated /api/messages."""
    from bot.config import Settings
    from bot.entrypoints.serve import make_server

    def routes(settings: Settings) -> set[str]:
        app = make_server(settings, sender=False).web_app()
        return {r.canonical for r in app.router.resources()}

    url = f"sqlite:///{tmp_path}/serve.db"
    bare = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    with_app_id = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=url, microsoft_app_id=APP_ID, microsoft_app_password="s"
    )
    assert "/api/messages" not in routes(bare)
    assert "/api/messages" in routes(with_app_id)
