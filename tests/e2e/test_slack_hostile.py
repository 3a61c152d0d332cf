"""Unverifiable requests touch nothing; verified ones in shapes Slack rarely sends never crash."""

from __future__ import annotations

import json
import logging
import time
import urllib.parse
from collections.abc import Iterator

import pytest
from aiohttp import web

from tests.e2e.conftest import INTAKE, MANAGER, SlackWorld
from tests.e2e.slack_double import FORM, JSON, LoopbackApp, fixture, signature

TABLES = ("reps", "leads", "outbox", "intake_keys", "lead_events")


def counts(world: SlackWorld) -> dict[str, int]:
    return {table: world.rows(table) for table in TABLES}


def no_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR or r.exc_info is not None
    ]


class Attacker:
    """A server that records any request Baton might send it."""

    def __init__(self) -> None:
        self.received: list[str] = []

    def web_app(self) -> web.Application:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._any)
        return app

    async def _any(self, request: web.Request) -> web.Response:
        self.received.append(f"{request.method} {request.path}")
        return web.Response(text="ok")


@pytest.fixture
def attacker() -> Iterator[tuple[Attacker, str]]:
    recorder = Attacker()
    with LoopbackApp(recorder.web_app()) as served:
        yield recorder, served.url


def claim_click(response_url: str) -> bytes:
    payload = fixture("block_actions")
    payload["user"]["id"] = "U0X"
    payload["response_url"] = response_url
    payload["actions"][0].update(action_id="lead:claim", value="1")
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


@pytest.mark.parametrize(
    "timestamp",
    ["abc", "12.5", "1e9", "", " 1", "1_700_000_000", "-5", "1000000000", None],
    ids=repr,
)
def test_a_request_with_an_unreadable_timestamp_gets_401_and_causes_no_call_at_all(
    slack: SlackWorld,
    attacker: tuple[Attacker, str],
    caplog: pytest.LogCaptureFixture,
    timestamp: str | None,
) -> None:
    recorder, url = attacker
    headers = {"X-Slack-Signature": "v0=00"}
    if timestamp is not None:
        headers["X-Slack-Request-Timestamp"] = timestamp
    before = counts(slack)

    answer = slack.slack.post(claim_click(f"{url}/x"), FORM, signed=False, headers=headers)

    assert answer.status == 401
    time.sleep(0.2)  # anything Baton would send has had its chance
    assert recorder.received == []
    assert (slack.double.calls, slack.double.refused) == ([], [])
    assert counts(slack) == before
    assert no_errors(caplog) == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"{", JSON), (b"payload=%7B", FORM), (b"payload=[1]", FORM), (b"\xff\xfe", FORM)],
    ids=["json", "payload", "list-payload", "not-utf8"],
)
def test_an_unsigned_malformed_body_gets_401_not_500(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    assert slack.slack.post(body, content_type, signed=False).status == 401
    assert slack.double.calls == []
    assert no_errors(caplog) == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{", JSON),
        (b"[1, 2]", JSON),
        (b"payload=%7B", FORM),
        (b"payload=%5B1%5D", FORM),
        (b"payload=17", FORM),
        (b"\xff\xfe", FORM),
    ],
    ids=["json", "json-list", "payload", "list-payload", "number-payload", "not-utf8"],
)
def test_a_signed_malformed_body_is_refused_quietly_with_a_warning(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    answer = slack.slack.post(body, content_type)
    assert answer.status in {200, 400}
    assert no_errors(caplog) == []
    assert any(r.levelno == logging.WARNING for r in caplog.records)


def test_a_signed_click_never_answers_at_a_response_url_outside_slack(
    slack: SlackWorld, attacker: tuple[Attacker, str], caplog: pytest.LogCaptureFixture
) -> None:
    recorder, url = attacker
    slack.slack.command("/rotation add <@UALICE> qualifier", MANAGER)
    slack.slack.post_lead("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    payload = fixture("block_actions")
    payload["user"]["id"] = "UALICE"
    payload["response_url"] = f"{url}/steal"
    payload["actions"][0].update(action_id="lead:claim", value="1")

    assert slack.slack.interact(payload).status == 200

    assert recorder.received == []
    told = slack.double.to("chat.postEphemeral")
    assert [call.params["user"] for call in told] == ["UALICE"]
    assert "L-1 is yours" in told[0].text
    assert no_errors(caplog) == []


@pytest.mark.parametrize(
    ("line", "channel_name", "expected"),
    [
        ("/lead disqualify L-1 bad payload", "leads", "L-1 disqualified"),
        ("/lead mine", "payload-team", "L-1"),
        ("/lead disqualify L-1 payload=1&x", "leads", "L-1 disqualified"),
    ],
    ids=["in-the-text", "in-the-channel", "looks-like-a-form"],
)
def test_a_command_containing_the_word_payload_is_answered(
    slack: SlackWorld, line: str, channel_name: str, expected: str
) -> None:
    send = slack.slack
    send.command("/rotation add <@UALICE> qualifier", MANAGER)
    send.post_lead("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    send.command("/lead claim L-1", "UALICE")
    form = dict(urllib.parse.parse_qsl(send.command_body(line, "UALICE").decode()))
    form["channel_name"] = channel_name

    answer = send.post(urllib.parse.urlencode(form).encode(), FORM)

    assert answer.status == 200
    assert expected in answer.json()["text"]


def test_a_message_whose_user_is_a_number_still_becomes_a_lead(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    event = slack.slack.message("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    event["user"] = 123
    assert slack.slack.event(event).status == 200
    assert slack.rows("leads") == 1
    assert no_errors(caplog) == []


@pytest.mark.parametrize("event", ["a string", ["a", "list"], None, {"no": "type"}], ids=repr)
def test_an_envelope_whose_event_is_not_an_event_gets_200_and_a_warning(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, event: object
) -> None:
    envelope = fixture("event_callback")
    envelope["event"] = event
    answer = slack.slack.post(json.dumps(envelope).encode(), JSON)
    assert answer.status == 200
    assert no_errors(caplog) == []
    assert any("event" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_app_home_opened_without_a_user_gets_200_and_a_warning(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture
) -> None:
    event = fixture("app_home_opened")
    event.pop("user", None)
    assert slack.slack.event(event).status == 200
    assert slack.double.to("views.publish") == []
    assert no_errors(caplog) == []
    assert any(r.levelno == logging.WARNING for r in caplog.records)


@pytest.mark.parametrize(
    "view_changes",
    [
        {"state": "garbage"},
        {"state": {"values": ["x"]}},
        {"state": {"values": {"amount": "x"}}},
        {"blocks": "not a list"},
        {"blocks": [17, {"type": "input"}]},
    ],
    ids=["state-string", "values-list", "inputs-string", "blocks-string", "odd-blocks"],
)
def test_a_form_submission_in_a_garbage_shape_gets_a_form_error(
    slack: SlackWorld, caplog: pytest.LogCaptureFixture, view_changes: dict[str, object]
) -> None:
    payload = fixture("view_submission")
    payload["user"]["id"] = MANAGER
    payload["view"].update(callback_id="lead:won", private_metadata="1", **view_changes)
    answer = slack.slack.interact(payload)
    assert answer.status == 200
    assert answer.json()["response_action"] == "errors"
    assert no_errors(caplog) == []


def test_requests_signed_with_a_slack_timestamp_in_the_window_still_work(slack: SlackWorld) -> None:
    body = slack.slack.command_body("/lead help", "UALICE")
    stamp = str(int(time.time()) - 200)
    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(slack.slack.secret, stamp, body),
    }
    answer = slack.slack.post(body, FORM, signed=False, headers=headers)
    assert answer.status == 200
    assert INTAKE  # the command was typed in the intake channel
