"""The Slack notifier: where each notice goes, and which failures the outbox retries."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.outbox.port import Delivery, PermanentDeliveryError, TransientDeliveryError
from bot.slack.transport.failures import delivery_error
from bot.slack.transport.notifier import SlackNotifier
from routing.lead import SourceRef
from routing.notices import LeadCard, Notice, NoticeKind
from routing.roles import Platform
from routing.team import Rep
from tests.support.digests import rebuilds_a_digest

ALICE = Rep(Platform.SLACK, "UALICE", "Alice", id=1)
TINA = Rep(Platform.TEAMS, "29:tina", "Tina", id=2)
REPS = {1: ALICE, 2: TINA}
THREAD = SourceRef("slack", "C0INTAKE", "1700000000.000100")
CARD = LeadCard(1, "L-1", "Umbrella — Sam", "assigned", "<rep:1|Alice>", {}, None, ("claim",))


class FakeClient:
    """Records Web API calls; ``fail_with`` makes every call raise it."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail_with = fail_with

    def _call(self, method: str, **params: Any) -> dict[str, Any]:
        self.calls.append((method, params))
        if self.fail_with is not None:
            raise self.fail_with
        return {"ok": True, "ts": "1700000000.000999"}

    def chat_postMessage(self, **params: Any) -> dict[str, Any]:  # noqa: N802 — slack_sdk's name
        return self._call("chat.postMessage", **params)

    def chat_update(self, **params: Any) -> dict[str, Any]:
        return self._call("chat.update", **params)


def api_error(status: int, error: str, headers: dict[str, str] | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError("The request to the Slack API failed.", response)


def deliver(notice: Notice, client: FakeClient, card_ref: str | None = None) -> str | None:
    recipient = REPS.get(notice.rep_id) if notice.rep_id else None
    notifier = SlackNotifier(client, digests=rebuilds_a_digest)  # type: ignore[arg-type]
    return notifier.deliver(Delivery(notice, recipient, card_ref, REPS))


def test_a_dm_goes_to_the_reps_user_id_with_mentions_rendered() -> None:
    client = FakeClient()
    deliver(Notice("<rep:2|Tina> handed you L-1", rep_id=1), client)
    assert client.calls == [
        ("chat.postMessage", {"channel": "UALICE", "text": "Tina handed you L-1"})
    ]


def test_a_new_lead_card_is_posted_in_the_thread_and_its_ts_returned() -> None:
    client = FakeClient()
    notice = Notice(
        "L-1 → <rep:1|Alice>.", NoticeKind.LEAD_CARD, thread=THREAD, card=CARD, update_card=True
    )
    assert deliver(notice, client) == "1700000000.000999"
    method, params = client.calls[0]
    assert method == "chat.postMessage"
    assert (params["channel"], params["thread_ts"]) == ("C0INTAKE", "1700000000.000100")
    assert params["text"] == "L-1 → <@UALICE>."
    assert params["blocks"][-1]["elements"][0]["action_id"] == "lead:claim"


def test_a_posted_card_is_updated_in_place() -> None:
    client = FakeClient()
    notice = Notice(
        "L-1 · working", NoticeKind.LEAD_CARD, thread=THREAD, card=CARD, update_card=True
    )
    assert deliver(notice, client, card_ref="1700000000.000555") is None
    method, params = client.calls[0]
    assert (method, params["channel"], params["ts"]) == (
        "chat.update",
        "C0INTAKE",
        "1700000000.000555",
    )


def test_a_thread_reply_is_plain_text_in_the_thread_and_its_ts_returned() -> None:
    """Its ts is kept with the outbox row, so an erasure can rewrite the reply later."""
    client = FakeClient()
    notice = Notice("<rep:1|Alice> claimed L-1.", thread=THREAD)
    assert deliver(notice, client) == "1700000000.000999"
    assert client.calls == [
        (
            "chat.postMessage",
            {
                "channel": "C0INTAKE",
                "thread_ts": "1700000000.000100",
                "text": "<@UALICE> claimed L-1.",
            },
        )
    ]


def test_an_erasures_edit_rewrites_the_earlier_reply_in_place() -> None:
    client = FakeClient()
    notice = Notice("L-1 · details erased", thread=THREAD, lead_id=1, edit_ref="1700000000.000500")
    assert deliver(notice, client, card_ref="1700000000.000200") is None
    text = "L-1 · details erased"
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    assert client.calls == [
        (
            "chat.update",
            {"channel": "C0INTAKE", "ts": "1700000000.000500", "text": text, "blocks": blocks},
        )
    ]


def test_a_dm_returns_its_channel_and_ts_and_an_erasure_rewrites_it_there() -> None:
    """``chat.update`` needs the DM's ``D…`` channel, which ``chat.postMessage`` answers."""

    class DmClient(FakeClient):
        def chat_postMessage(self, **params: Any) -> dict[str, Any]:  # noqa: N802
            return {**self._call("chat.postMessage", **params), "channel": "D0ALICE"}

    client = DmClient()
    ref = deliver(Notice("New lead L-1 for you", rep_id=1, lead_id=1, card=CARD), client)
    assert ref == "D0ALICE:1700000000.000999"
    deliver(Notice("L-1 · details erased", rep_id=1, lead_id=1, edit_ref=ref), client)
    method, params = client.calls[-1]
    assert (method, params["channel"], params["ts"]) == (
        "chat.update",
        "D0ALICE",
        "1700000000.000999",
    )
    assert params["blocks"][0]["text"]["text"] == "L-1 · details erased"


def test_a_rate_limit_is_retried_after_slacks_retry_after() -> None:
    client = FakeClient(api_error(429, "ratelimited", {"Retry-After": "30"}))
    with pytest.raises(TransientDeliveryError) as raised:
        deliver(Notice("hi", rep_id=1), client)
    assert raised.value.retry_after == 30


@pytest.mark.parametrize(
    "failure",
    [
        api_error(500, "internal_error"),
        api_error(503, "service_unavailable"),
        api_error(200, "fatal_error"),
        TimeoutError("timed out"),
        ConnectionRefusedError(111, "refused"),
    ],
    ids=["500", "503", "fatal_error", "timeout", "refused"],
)
def test_server_errors_and_timeouts_are_retried(failure: Exception) -> None:
    with pytest.raises(TransientDeliveryError):
        deliver(Notice("hi", rep_id=1), FakeClient(failure))


@pytest.mark.parametrize("error", ["channel_not_found", "not_in_channel", "invalid_blocks"])
def test_refusals_are_given_up(error: str) -> None:
    with pytest.raises(PermanentDeliveryError, match=error):
        deliver(Notice("hi", thread=THREAD), FakeClient(api_error(200, error)))


def test_a_rate_limit_without_retry_after_waits_a_second() -> None:
    assert delivery_error(api_error(429, "ratelimited")).retry_after == 1.0  # type: ignore[attr-defined]


def test_a_lead_card_in_a_dm_refreshes_the_recipients_home() -> None:
    refreshed: list[str] = []
    notifier = SlackNotifier(
        FakeClient(),  # type: ignore[arg-type]
        after_lead_dm=refreshed.append,
        digests=rebuilds_a_digest,
    )
    notice = Notice("New lead L-1", NoticeKind.LEAD_CARD, rep_id=1, card=CARD)
    notifier.deliver(Delivery(notice, ALICE, None, REPS))
    assert refreshed == ["UALICE"]
