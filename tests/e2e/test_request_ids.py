"""Each answer carries its request's id: the one the caller sent when it is a plain token,
else a fresh one (a header of any other shape never reaches the log)."""

from __future__ import annotations

import urllib.request

import pytest

from tests.e2e.conftest import SlackWorld


def request_id(world: SlackWorld, sent: str | None) -> str:
    headers = {"X-Request-Id": sent} if sent is not None else {}
    request = urllib.request.Request(f"{world.slack.url}/healthz", headers=headers)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return str(answer.headers["X-Request-Id"])


def test_a_plain_request_id_is_kept(slack: SlackWorld) -> None:
    assert request_id(slack, "lb-7f3a.42") == "lb-7f3a.42"


@pytest.mark.parametrize("sent", [None, "", "x" * 65, "a b", "id\tsecret", "ünï"])
def test_any_other_request_gets_a_fresh_id(slack: SlackWorld, sent: str | None) -> None:
    given = request_id(slack, sent)
    assert given != sent
    assert len(given) == 32
    assert given != request_id(slack, sent)
