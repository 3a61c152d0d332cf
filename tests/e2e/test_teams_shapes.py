"""Activities of shapes Teams rarely (or never) sends: verified before read, then a 400, a quiet
200 or a clear answer with a warning; never a 500, a traceback, or a reply with nowhere to go."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.teams.transport.references import load
from tests.conftest import FakeClock
from tests.e2e.teams_support import ALICE, INTAKE, MAYA, WEB, TeamsWorld, teams_world
from tests.e2e.test_teams_requests import APP_ID, WRITTEN

LEAD_POST = "Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"
MALFORMED: list[dict[str, Any]] = [
    {"type": "message", "text": "lead mine", "entities": {"type": "mention"}},
    {"type": "message", "text": "lead mine", "from": "alice"},
    {"type": "message", "text": "lead mine", "entities": [17]},
    {"type": "message", "text": "lead mine", "attachments": "x"},
    {"type": "message", "conversation": "x"},
    {"text": "no type"},
]


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


def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize("body", MALFORMED)
def test_with_an_app_id_a_malformed_activity_without_a_token_is_refused_before_it_is_read(
    secured: TeamsWorld, body: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    before = {table: secured.rows(table) for table in WRITTEN}
    assert secured.post(body).status == 401
    assert secured.post(body, token="Bearer forged").status == 401
    assert errors(caplog) == []
    assert {table: secured.rows(table) for table in WRITTEN} == before
    assert secured.double.calls == []


@pytest.mark.parametrize("body", MALFORMED)
def test_without_an_app_id_a_malformed_activity_is_a_400_and_a_warning(
    teams: TeamsWorld, body: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    assert teams.post(body).status == 400
    assert errors(caplog) == []
    assert any("not a readable activity" in r.getMessage() for r in caplog.records)


def test_a_request_whose_body_is_not_json_is_a_400(teams: TeamsWorld) -> None:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(
        f"{teams.url}/api/messages", b"{", {"Content-Type": "application/json"}, method="POST"
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 400


def test_a_mention_entity_whose_mentioned_is_not_an_object_is_ignored(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    said = teams.teams.say_personal(MAYA, "lead mine")
    said["entities"] += [
        {"type": "mention", "mentioned": "x"},
        {"type": "mention", "mentioned": {"id": 5, "name": ["x"]}, "text": 3},
        {"text": "no type"},
    ]
    assert teams.post(said).status == 200
    teams.deliver()
    assert errors(caplog) == []
    assert teams.double.to(MAYA.chat)


@pytest.mark.parametrize(
    "change",
    [
        {"channelData": [1, 2]},
        {"channelData": {"tenant": "x", "channel": ["y"], "team": 3}},
        {"value": [1]},
        {"value": {"baton": ["claim"], "lead": {"x": 1}}},
        {"conversation": {"id": "", "conversationType": 7}},
        {"localTimezone": "../../etc/passwd"},
        {"localTimezone": "Mars/Olympus_Mons"},
        {"recipient": {}},
    ],
)
def test_odd_values_where_objects_belong_crash_nothing(
    teams: TeamsWorld, change: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    said = {**teams.teams.say_personal(ALICE, "lead mine"), **change}
    assert teams.post(said).status == 200
    assert errors(caplog) == []


@pytest.mark.parametrize(
    "name", ["composeExtension/query", "task/fetch", "signin/verifyState", "x" * 300, None]
)
def test_an_invoke_baton_does_not_handle_is_answered_200_with_a_warning(
    teams: TeamsWorld, name: str | None, caplog: pytest.LogCaptureFixture
) -> None:
    invoke = teams.teams.execute(ALICE, "claim", {"baton": "claim", "lead": 1})
    invoke["name"] = name
    assert teams.post(invoke).status == 200
    assert errors(caplog) == []
    assert any("invoke Baton does not handle" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "value",
    [None, "x", [], {"action": "claim"}, {"action": {"verb": 5, "data": [1]}}],
)
def test_a_card_click_of_an_odd_shape_gets_a_message_back(
    teams: TeamsWorld, value: Any, caplog: pytest.LogCaptureFixture
) -> None:
    invoke = teams.teams.execute(ALICE, "claim", {})
    invoke["value"] = value
    answer = teams.post(invoke)
    assert answer.status == 200
    assert answer.json()["type"] == "application/vnd.microsoft.activity.message"
    assert errors(caplog) == []


@pytest.mark.parametrize(
    "change",
    [
        {"conversation": {}},
        {"conversation": {"id": ""}},
        {"conversation": {"id": "a b"}},
        {"conversation": {"id": "x" * 401}},
        {"serviceUrl": "ftp://example.org/"},
        {"serviceUrl": "not a url"},
        {"serviceUrl": "http://"},
        {"serviceUrl": None},
        {"serviceUrl": "http://example.org:99999/"},
    ],
    ids=lambda change: repr(change)[:40],
)
def test_a_command_with_nowhere_to_answer_is_dropped_quietly_and_queues_nothing(
    teams: TeamsWorld, change: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    said = {**teams.teams.say_personal(ALICE, "lead new Initech tom@initech.com"), **change}
    assert teams.post(said).status == 200
    assert teams.rows("outbox") == 0
    assert teams.rows("conversation_refs") == 0
    assert errors(caplog) == []
    assert any("no usable conversation" in r.getMessage() for r in caplog.records)


def test_with_auth_on_a_plain_http_service_url_is_not_a_destination(tmp_path: Path) -> None:
    from bot.teams.transport.references import usable_service_url

    assert usable_service_url("https://smba.trafficmanager.net/emea/", https_only=True)
    assert not usable_service_url("http://smba.trafficmanager.net/emea/", https_only=True)
    assert usable_service_url("http://127.0.0.1:3978/", https_only=False)
    assert not usable_service_url("https://user:pw@example.org/", https_only=True)


def test_an_intake_post_with_an_invalid_service_url_is_still_a_lead_but_no_destination(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    post = {**teams.teams.lead_post(WEB, LEAD_POST), "serviceUrl": "javascript:alert(1)"}
    assert teams.post(post).status == 200
    assert teams.rows("leads") == 1
    assert load(teams.baton.stores.conversations, INTAKE) is None
    assert errors(caplog) == []


def test_a_post_with_a_lone_surrogate_and_a_nul_becomes_a_lead(
    teams: TeamsWorld, caplog: pytest.LogCaptureFixture
) -> None:
    post = teams.teams.lead_post(WEB, "Lead: Sam \ud800 Ortiz\x00, sam@umbrella.co, Umbrella Corp")
    assert teams.post(post).status == 200
    assert teams.rows("leads") == 1
    assert errors(caplog) == []
