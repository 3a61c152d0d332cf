"""What the Slack endpoint does with requests that are forged, stale, malformed or just wrong."""

from __future__ import annotations

import json
import time

import pytest

from tests.e2e.conftest import MANAGER, SlackWorld
from tests.e2e.slack_double import FORM, JSON

TABLES = ("reps", "leads", "outbox", "intake_keys", "lead_events")


def counts(world: SlackWorld) -> dict[str, int]:
    return {table: world.rows(table) for table in TABLES}


@pytest.mark.parametrize(
    "how",
    [
        {"signed": False},
        {"secret": "not-the-signing-secret"},
        {"timestamp": -6 * 60},
        {"timestamp": +6 * 60},
    ],
    ids=["unsigned", "forged", "stale", "from-the-future"],
)
def test_unsigned_forged_and_stale_requests_get_401_and_touch_nothing(
    slack: SlackWorld, how: dict[str, object]
) -> None:
    send = slack.slack
    command = send.command_body("/rotation add <@UALICE|alice> qualifier", MANAGER)
    event = send.event_body(send.message("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp"))
    before = counts(slack)
    if "timestamp" in how:  # an offset from now, taken when the test runs
        how = {"timestamp": time.time() + float(how["timestamp"])}  # type: ignore[arg-type]

    assert send.post(command, FORM, **how).status == 401  # type: ignore[arg-type]
    assert send.post(event, JSON, **how).status == 401  # type: ignore[arg-type]
    assert counts(slack) == before
    assert slack.double.calls == []


def test_a_body_changed_after_signing_gets_401(slack: SlackWorld) -> None:
    send = slack.slack
    body = send.command_body("/lead mine", MANAGER)
    stamp = str(int(time.time()))
    from tests.e2e.slack_double import signature

    headers = {
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature(send.secret, stamp, body),
    }
    tampered = body.replace(b"mine", b"help")
    before = counts(slack)
    assert send.post(tampered, FORM, signed=False, headers=headers).status == 401
    assert counts(slack) == before
    assert slack.double.calls == []


def test_bad_command_text_gets_an_ephemeral_usage_message(slack: SlackWorld) -> None:
    for line, expected in (
        ("/lead frobnicate L-1", "is not a /lead subcommand"),
        ("/lead claim", "a lead id is required"),
        ("/lead won L-1 lots", "is not an amount"),
        ("/rotation add alice qualifier", "Usage: `/rotation add @user"),
        ("/funnel fortnight", "is not a period"),
    ):
        answer = slack.slack.command(line, "UALICE")
        assert answer.status == 200, line
        body = answer.json()
        assert body["response_type"] == "ephemeral"
        assert expected in body["text"], (line, body["text"])


def test_a_refused_action_says_who_may_do_it(slack: SlackWorld) -> None:
    answer = slack.slack.command("/rotation add <@UBOB|bob> qualifier", "UALICE")
    assert answer.status == 200
    assert "Only a manager can change the rotations" in answer.json()["text"]


def test_an_unexpected_failure_gets_an_apology_not_a_500(
    slack: SlackWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(slack.baton.relay, "execute", broken)
    answer = slack.slack.command("/lead mine", "UALICE")
    assert answer.status == 200
    assert "something went wrong on my side" in answer.json()["text"]


def test_slack_url_verification_is_answered_with_the_challenge(slack: SlackWorld) -> None:
    body = json.dumps(
        {
            "token": "x",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    ).encode()
    answer = slack.slack.post(body, JSON)
    assert answer.status == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in answer.body


def test_the_health_check_lists_slack(slack: SlackWorld) -> None:
    import urllib.request

    with urllib.request.urlopen(f"{slack.slack.url}/healthz", timeout=10) as response:
        assert json.loads(response.read()) == {"status": "ok", "platforms": ["slack"]}
