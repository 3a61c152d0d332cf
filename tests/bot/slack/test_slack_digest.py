"""The digest in Slack: Block Kit inside Slack's limits whatever the data, and the post itself
(message, then chart) with Slack's failures sorted into "retry" and "give up"."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.web import SlackResponse

from bot.outbox.port import Delivery, PermanentDeliveryError, TransientDeliveryError
from bot.slack.render import digest as slack_digest
from bot.slack.render.digest import digest_blocks, digest_fallback, post_digest, use_digest_source
from routing.metrics import (
    Bottleneck,
    Conversion,
    ReasonCount,
    RepRow,
    SourceCost,
    compare,
    funnel,
    period_for,
    previous,
)
from routing.notices import Notice, NoticeKind
from routing.stages import Stage
from routing.usecases.funnel import Digest

UTC_ZONE = ZoneInfo("UTC")
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
PERIOD = period_for("day", NOW, UTC_ZONE, previous_complete=True)
STEPS = ("leads", "claimed", "qualified", "handed to closers", "won", "handed to account managers")


def rep(i: int, name: str | None = None) -> RepRow:
    return RepRow(i, name or f"Rep {i}", i % 7, i % 5, 3.5 if i % 2 else None, i % 3, Decimal(i))


def digest(**figures: Any) -> Digest:
    counts = (40, 30, 20, 10, 5, 2)
    steps = list(zip(STEPS, counts, strict=True))
    conversions = tuple(
        Conversion(a, b, x, y, y / x) for (a, x), (b, y) in itertools.pairwise(steps)
    )
    defaults: dict[str, Any] = {
        "inbound": 36,
        "outbound": 4,
        "claimed": 30,
        "qualified": 20,
        "won": 5,
        "won_value": Decimal("42000"),
        "conversions": conversions,
        "reps": (rep(1, "Ana"), rep(2, "Ben")),
        "bottleneck": Bottleneck(Stage.WORKING, 4, timedelta(hours=5), 17, timedelta(days=2)),
    }
    report = replace(funnel([], PERIOD, PERIOD.end, {}), **{**defaults, **figures})
    before = previous(PERIOD, UTC_ZONE)
    earlier = replace(funnel([], before, before.end, {}), inbound=30, won=4)
    return Digest(report, earlier, compare(report, earlier))


def texts(blocks: list[dict[str, Any]]) -> Iterator[tuple[str, str]]:
    """(where, text) for every text object in the blocks."""
    for block in blocks:
        kind = block["type"]
        if "text" in block:
            yield kind, block["text"]["text"]
        for field in block.get("fields", []):
            yield "field", field["text"]
        for element in block.get("elements", []):
            yield "context", element["text"]


def assert_within_slack_limits(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= 50
    for block in blocks:
        assert block["type"] in {"header", "section", "context", "divider"}
        assert len(block.get("fields", [])) <= 10
        assert len(block.get("elements", [])) <= 10
        if block["type"] == "header":
            assert block["text"]["type"] == "plain_text"
            assert len(block["text"]["text"]) <= 150
    for where, text in texts(blocks):
        assert text.strip(), where
        limit = {"header": 150, "section": 3000, "field": 2000, "context": 2000}[where]
        assert len(text) <= limit, (where, len(text))
    json.dumps(blocks)
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()


# --- limits -----------------------------------------------------------------------------------


def test_300_reps_with_200_character_names_stay_inside_slacks_limits() -> None:
    long = "Bartholomew-Maximilian " * 9
    reps = tuple(rep(i, f"{long[:190]} {i:05d}<&>") for i in range(1, 301))
    costs = tuple(SourceCost(f"{long} source {i}", i, Decimal(100), Decimal(1)) for i in range(40))
    reasons = tuple(ReasonCount("because " * 120, 3) for _ in range(3))
    big = digest(
        reps=reps,
        cost_per_lead=costs,
        disqualified_reasons=reasons,
        lost_reasons=reasons,
        queued=250,
        queued_lead_ids=tuple(range(1, 251)),
    )
    blocks = digest_blocks(big)
    assert_within_slack_limits(blocks)
    shown = "\n".join(text for _where, text in texts(blocks))
    assert "…and 275 more reps" in shown
    assert "…and 25 more sources" in shown
    assert "and 240 more)" in shown
    assert len(digest_fallback(big)) <= 3000


def test_names_and_reasons_cannot_inject_slack_markup() -> None:
    tricky = digest(
        reps=(rep(1, "Ann <!channel> & Co"),),
        disqualified_reasons=(ReasonCount("<@U123> said no", 1),),
    )
    shown = "\n".join(text for _where, text in texts(digest_blocks(tricky)))
    assert "Ann &lt;!channel&gt; &amp; Co" in shown
    assert "&lt;@U123&gt; said no (1)" in shown
    assert "<!channel>" not in shown
    assert "<@U123>" not in shown


def test_a_very_long_period_label_is_cut_to_the_header_limit() -> None:
    long_period = replace(PERIOD, label="x" * 400)
    blocks = digest_blocks(digest(period=long_period))
    assert blocks[0]["type"] == "header"
    assert len(blocks[0]["text"]["text"]) == 150
    assert_within_slack_limits(blocks)


def test_when_many_reps_are_cut_the_most_active_are_shown() -> None:
    reps = (
        *tuple(rep(i) for i in range(1, 61)),
        RepRow(999, "Busiest", 50, 50, 1.0, 20, Decimal(9000)),
    )
    shown = "\n".join(text for _w, text in texts(digest_blocks(digest(reps=reps))))
    assert "Busiest" in shown
    assert "most active" in shown


def all_round(i: int, name: str | None = None) -> RepRow:
    """A rep who sells, takes rotation turns (and is skipped) and manages accounts."""
    return replace(
        rep(i, name),
        received=i % 4,
        fair_share=i % 4 + 0.25,
        skipped={"away": i % 3, "open_limit": 1},
        customers_taken_on=i % 2,
        expansion_value=Decimal(i * 10),
        churned=i % 2,
    )


def test_300_reps_in_all_three_tables_stay_inside_slacks_limits() -> None:
    long = "Bartholomew-Maximilian " * 9
    reps = tuple(all_round(i, f"{long[:190]} {i:05d}<&>") for i in range(1, 301))
    blocks = digest_blocks(digest(reps=reps))
    assert_within_slack_limits(blocks)
    shown = "\n".join(text for _where, text in texts(blocks))
    assert shown.count("…and 275 more reps") == 3
    assert "*Account managers*" in shown
    assert "most skipped" in shown


# --- content ------------------------------------------------------------------------------------


def test_the_rep_tables_show_fair_share_skips_and_account_managers() -> None:
    reps = (
        RepRow(1, "Ana", 5, 5, 3.0, 1, Decimal(0), received=5, fair_share=3.5, skipped={"cap": 2}),
        RepRow(
            4,
            "Dan",
            0,
            0,
            None,
            0,
            Decimal(0),
            customers_taken_on=2,
            expansion_value=Decimal("2500"),
            churned=1,
        ),
    )
    blocks = digest_blocks(digest(reps=reps))
    assert_within_slack_limits(blocks)
    tables = {
        text.split("\n")[0]: text.split("\n")[2:-1]
        for _where, text in texts(blocks)
        if text.startswith(("*Reps*", "*Rotation", "*Account"))
    }
    assert tables["*Reps*"] == [
        "Rep  Assigned  Claimed  To claim  Qualified  Won",
        "Ana         5        5     3 min          1    0",
    ]
    assert tables["*Rotation: received vs fair share, skips by reason*"] == [
        "Rep  Received  Fair share  Away  Hours  Cap  Open limit",
        "Ana         5         3.5     0      0    2           0",
    ]
    assert tables["*Account managers*"] == [
        "Rep  Customers  Expansion  Churned",
        "Dan          2      2,500        1",
    ]


def test_the_digest_shows_headlines_with_changes_the_funnel_speed_bottleneck_and_reps() -> None:
    blocks = digest_blocks(digest())
    assert_within_slack_limits(blocks)
    assert blocks[0]["text"]["text"] == "Funnel digest · Sun 22 Nov 2026"
    fields = next(b["fields"] for b in blocks if "fields" in b)
    assert fields[0]["text"] == "*Inbound leads*\n36 (+6, +20%)"
    assert fields[4]["text"] == "*Won*\n5 (+1, +25%) · 42,000 (+42,000)"
    shown = "\n".join(text for _where, text in texts(blocks))
    funnel_rows = [line.split() for line in shown.splitlines() if "% of " in line]
    assert funnel_rows[0] == ["Claimed", "30", "75%", "of", "leads"]
    assert funnel_rows[-1] == ["Handed", "to", "account", "managers", "2", "40%", "of", "won"]
    assert "*Speed to lead* (0 inbound claims)" in shown
    assert "*Bottleneck:* working — 4 open leads, median wait 5 h 00 min; oldest L-17" in shown
    assert "*Queue:* empty" in shown
    assert "Ana" in shown
    assert "Ben" in shown
    assert "Compared with Sat 21 Nov 2026" in shown


def test_a_quiet_day_renders_without_figures_to_compare() -> None:
    empty = funnel([], PERIOD, PERIOD.end, {})
    blocks = digest_blocks(Digest(empty, empty, []))
    assert_within_slack_limits(blocks)
    shown = "\n".join(text for _where, text in texts(blocks))
    assert "No inbound leads were claimed." in shown
    assert "No rep activity." in shown


# --- posting ---------------------------------------------------------------------------------


class FakeSlack:
    """Records the Web API calls ``post_digest`` makes; can fail a given method."""

    def __init__(self, fail: dict[str, SlackApiError | OSError] | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail or {}

    def _call(self, method: str, kwargs: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((method, kwargs))
        if method in self.fail:
            raise self.fail[method]
        return {"ok": True, "ts": "1700000000.000100"}

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:  # noqa: N802 - Slack's name
        return self._call("chat.postMessage", kwargs)

    def files_upload_v2(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("files.upload", kwargs)


def slack_error(status: int, error: str, headers: dict[str, str] | None = None) -> SlackApiError:
    response = SlackResponse(
        client=None,
        http_verb="POST",
        api_url="https://slack.com/api/chat.postMessage",
        req_args={},
        data={"ok": False, "error": error},
        headers=headers or {},
        status_code=status,
    )
    return SlackApiError(f"The request failed: {error}", response)


def delivery(channel: str | None = "C0DIGEST") -> Delivery:
    notice = Notice(
        text="Funnel digest · Sun 22 Nov 2026\n\nInbound 36",
        kind=NoticeKind.DIGEST,
        channel=channel,
        platform="slack",
        data={"schedule": "daily", "key": "2026-11-22"},
    )
    return Delivery(notice, None, None, {})


def test_the_digest_is_posted_as_blocks_then_the_chart_is_uploaded_to_the_channel() -> None:
    slack = FakeSlack()
    asked: list[Notice] = []

    def source(notice: Notice) -> Digest:
        asked.append(notice)
        return digest()

    post_digest(slack, delivery(), source)  # type: ignore[arg-type]
    assert asked == [delivery().notice]
    [(post, message), (upload, chart)] = slack.calls
    assert post == "chat.postMessage"
    assert message["channel"] == "C0DIGEST"
    assert message["blocks"] == digest_blocks(digest())
    assert message["text"].startswith("Funnel digest · Sun 22 Nov 2026: 40 leads")
    assert upload == "files.upload"
    assert chart["channel"] == "C0DIGEST"
    assert chart["filename"] == "funnel.png"
    assert chart["file"].startswith(b"\x89PNG")
    assert chart["initial_comment"] == "Funnel chart · Sun 22 Nov 2026"


def test_the_registered_digest_source_is_used_and_can_be_taken_back() -> None:
    slack = FakeSlack()
    remove = use_digest_source(lambda _notice: digest(inbound=7))
    try:
        post_digest(slack, delivery())  # type: ignore[arg-type]
    finally:
        remove()
    assert slack.calls[0][1]["blocks"][2]["fields"][0]["text"].startswith("*Inbound leads*\n7")
    assert slack_digest._sources == []


def test_without_a_digest_source_the_plain_text_digest_is_posted() -> None:
    slack = FakeSlack()
    post_digest(slack, delivery())  # type: ignore[arg-type]
    [(method, message)] = slack.calls
    assert method == "chat.postMessage"
    assert message["text"].startswith("```\nFunnel digest · Sun 22 Nov 2026")


def test_rate_limited_digests_are_retried_after_slacks_retry_after() -> None:
    slack = FakeSlack({"chat.postMessage": slack_error(429, "ratelimited", {"Retry-After": "7"})})
    with pytest.raises(TransientDeliveryError) as caught:
        post_digest(slack, delivery(), lambda _n: digest())  # type: ignore[arg-type]
    assert caught.value.retry_after == 7.0
    assert [method for method, _ in slack.calls] == ["chat.postMessage"]


def test_slack_server_errors_and_network_failures_are_retried() -> None:
    for failure in (slack_error(503, "service_unavailable"), ConnectionResetError("reset")):
        slack = FakeSlack({"chat.postMessage": failure})
        with pytest.raises(TransientDeliveryError):
            post_digest(slack, delivery(), lambda _n: digest())  # type: ignore[arg-type]


def test_a_refusal_is_permanent() -> None:
    slack = FakeSlack({"chat.postMessage": slack_error(200, "channel_not_found")})
    with pytest.raises(PermanentDeliveryError):
        post_digest(slack, delivery(), lambda _n: digest())  # type: ignore[arg-type]
    with pytest.raises(PermanentDeliveryError):
        post_digest(FakeSlack(), delivery(channel=None), lambda _n: digest())  # type: ignore[arg-type]


def test_a_failed_chart_upload_does_not_post_the_digest_again() -> None:
    slack = FakeSlack({"files.upload": slack_error(429, "ratelimited", {"Retry-After": "3"})})
    post_digest(slack, delivery(), lambda _n: digest())  # type: ignore[arg-type]
    assert [method for method, _ in slack.calls] == ["chat.postMessage", "files.upload"]


# --- over HTTP, through the Slack notifier ------------------------------------------------------


def test_the_slack_notifier_posts_a_digest_and_uploads_its_chart_over_the_web_api() -> None:
    """The real slack_sdk client against the local Web API double: files_upload_v2's three steps
    (upload URL, raw bytes, complete) included."""
    from slack_sdk import WebClient

    from bot.slack.transport.notifier import SlackNotifier
    from tests.e2e.slack_double import LoopbackApp, SlackDouble

    double = SlackDouble()
    with LoopbackApp(double.web_app()) as served:
        double.url = served.url
        client = WebClient(token="xoxb-test", base_url=double.api_url, retry_handlers=[])
        remove = use_digest_source(lambda _notice: digest())
        try:
            assert SlackNotifier(client).deliver(delivery()) is None
        finally:
            remove()
    methods = [call.method for call in double.calls]
    assert methods == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    posted = double.calls[0]
    assert posted.params["channel"] == "C0DIGEST"
    assert posted.blocks == digest_blocks(digest())
    assert double.calls[2].params["channel_id"] == "C0DIGEST"
    assert double.uploads[0].startswith(b"\x89PNG")
