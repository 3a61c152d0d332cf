"""``/funnel link`` in Slack: an ephemeral answer with the link, seen by the requester only."""

from __future__ import annotations

from tests.e2e.conftest import MANAGER, SlackWorld


def test_funnel_link_answers_the_manager_ephemerally_with_a_signed_link(slack: SlackWorld) -> None:
    answer = slack.slack.command("/funnel link", MANAGER)
    assert answer.status == 200
    body = answer.json()
    assert body["response_type"] == "ephemeral"
    assert "/dashboard?t=v1." in body["text"]
    assert not any("/dashboard?t=" in str(call) for call in slack.double.calls)


def test_funnel_link_is_refused_to_someone_in_no_rotation(slack: SlackWorld) -> None:
    body = slack.slack.command("/funnel link", "UBOB").json()
    assert "/dashboard?t=" not in body["text"]
    assert "rotation" in body["text"]
