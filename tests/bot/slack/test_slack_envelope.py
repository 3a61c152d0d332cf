"""The signature check, the reading of verified bodies and where Baton may answer."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.slack.transport.envelope import (
    Unreadable,
    allowed_response_url,
    bolt_request,
    parse_body,
)
from bot.slack.transport.signature import sign, unverified_because

SECRET = "s3cret"
NOW = 1_764_000_000.0
BODY = b"command=%2Flead&text=help"


def headers(timestamp: str, signature: str | None = None) -> dict[str, str]:
    return {
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature or sign(SECRET, timestamp, BODY),
    }


def test_a_request_signed_now_with_the_secret_is_verified() -> None:
    assert unverified_because(SECRET, headers(str(int(NOW))), BODY, NOW) is None


@pytest.mark.parametrize(
    ("timestamp", "why"),
    [
        (str(int(NOW) - 301), "window"),
        (str(int(NOW) + 301), "window"),
        ("abc", "whole number"),
        ("12.5", "whole number"),
        ("1e9", "whole number"),
        ("", "whole number"),
    ],
)
def test_stale_and_unreadable_timestamps_are_unverified(timestamp: str, why: str) -> None:
    assert why in (unverified_because(SECRET, headers(timestamp), BODY, NOW) or "")


@settings(max_examples=200, deadline=None)
@given(timestamp=st.text(max_size=20), signature=st.text(max_size=80))
def test_no_header_value_makes_the_check_raise(timestamp: str, signature: str) -> None:
    why = unverified_because(SECRET, headers(timestamp, signature or "x"), BODY, NOW)
    assert why is not None


def test_without_a_signing_secret_nothing_is_verified() -> None:
    assert unverified_because("", headers(str(int(NOW))), BODY, NOW) is not None


def test_a_command_mentioning_payload_is_read_as_a_command() -> None:
    body = parse_body(b"command=%2Flead&text=disqualify+L-9+bad+payload&user_id=U1", "")
    assert body["command"] == "/lead"
    assert body["text"] == "disqualify L-9 bad payload"


def test_a_lone_payload_field_is_interactivity() -> None:
    payload = {"type": "block_actions", "user": {"id": "U1"}}
    body = parse_body(
        b"payload=" + json.dumps(payload).encode(), "application/x-www-form-urlencoded"
    )
    assert body == payload


@pytest.mark.parametrize("raw", [b"payload=%7B", b"payload=%5B%5D", b"{", b"[1]", b"\xff"])
def test_malformed_bodies_are_unreadable(raw: bytes) -> None:
    with pytest.raises(Unreadable):
        parse_body(raw, "application/json" if raw[:1] in b"{[" else "")


def test_a_lone_surrogate_is_replaced_rather_than_stored() -> None:
    body = parse_body(b'{"type": "event_callback", "text": "a\\ud800b"}', "application/json")
    body["text"].encode("utf-8")


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("https://hooks.slack.com/actions/T1/2/abc", True),
        ("https://slack.com/api/x", True),
        ("http://hooks.slack.com/actions/T1/2/abc", False),
        ("https://hooks.slack.com.attacker.io/x", False),
        ("https://attacker.io/hooks.slack.com", False),
        ("https://hooks.slack.com:8443/x", False),
        ("http://127.0.0.1:4000/response/1", True),
        ("http://127.0.0.1:4001/response/1", False),
        (17, False),
    ],
)
def test_baton_answers_only_at_slack_or_the_configured_api_host(url: object, allowed: bool) -> None:
    assert allowed_response_url(url, ["http://127.0.0.1:4000"]) is allowed


def test_a_foreign_response_url_never_reaches_bolt() -> None:
    body = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "actions": [{"action_id": "lead:claim", "value": "1"}],
        "response_url": "http://attacker/x",
    }
    request = bolt_request(body)
    assert request is not None
    assert "response_url" not in request.body
    assert request.context.response_url is None
