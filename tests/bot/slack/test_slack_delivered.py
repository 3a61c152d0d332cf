"""A digest goes out once even when its sender dies or times out after Slack took it: the message
carries its key as metadata and a repeated attempt finds it in the channel's history first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.baton import Baton
from bot.outbox.port import claim_window
from bot.outbox.sender import OutboxSender
from bot.slack.transport.app import OUTBOX_TIMEOUT_SECONDS, web_client
from bot.slack.transport.delivered import DIGEST_EVENT
from bot.slack.transport.notifier import SlackNotifier
from routing.notices import Notice, NoticeKind
from storage import tables as t
from storage.uow import SqlUnitOfWork
from tests.conftest import FakeClock
from tests.e2e.slack_double import LoopbackApp, SlackDouble
from tests.support.world import make_baton

CHANNEL = "C0DIGEST"
KEY = {"schedule": "daily", "key": "2026-11-22"}


@pytest.fixture
def double(clock: FakeClock) -> Iterator[SlackDouble]:
    double = SlackDouble()
    double.clock = lambda: clock.now.timestamp()
    with LoopbackApp(double.web_app()) as served:
        double.url = served.url
        yield double


def _baton(url: str, clock: FakeClock, double: SlackDouble) -> tuple[Baton, SlackNotifier]:
    notifier = SlackNotifier(web_client("xoxb-test", double.api_url, OUTBOX_TIMEOUT_SECONDS))
    baton = make_baton(url, clock, notifiers={"slack": notifier})
    with SqlUnitOfWork(baton.engine, clock) as uow:
        uow.outbox.add(
            Notice(
                "Funnel digest · Sun 22 Nov",
                NoticeKind.DIGEST,
                channel=CHANNEL,
                platform="slack",
                data=KEY,
            )
        )
        uow.commit()
    return baton, notifier


def _status(baton: Baton) -> str:
    with baton.engine.connect() as conn:
        return str(conn.execute(select(t.outbox.c.status)).scalar_one())


def test_a_digest_carries_its_key_as_slack_message_metadata(
    sqlite_url: str, clock: FakeClock, double: SlackDouble
) -> None:
    baton, _notifier = _baton(sqlite_url, clock, double)
    assert baton.sender().drain() == 1
    [message] = double.posted_with_metadata(DIGEST_EVENT)
    assert message["metadata"]["event_payload"] == {"key": "daily:2026-11-22"}
    assert double.to("conversations.history") == [], "a first attempt has nothing to look for"


def test_a_digest_posted_just_before_its_sender_died_is_not_posted_again(
    sqlite_url: str, clock: FakeClock, double: SlackDouble
) -> None:
    baton, notifier = _baton(sqlite_url, clock, double)
    dying = baton.sender()
    claim = dying.claim_next()
    assert claim is not None
    (delivery,) = dying.deliveries([claim])
    notifier.deliver(delivery)  # Slack has it; the process dies before marking the row sent
    clock.advance(seconds=claim_window(notifier).total_seconds() + 1)
    OutboxSender(baton.stores.outbox, baton.notifiers, clock).drain()
    assert len(double.posted_with_metadata(DIGEST_EVENT)) == 1
    [lookup] = double.to("conversations.history")
    assert lookup.params["channel"] == CHANNEL
    assert float(lookup.params["oldest"]) < claim_time(clock, notifier).timestamp()
    assert _status(baton) == "sent"


def test_a_digest_whose_first_attempt_failed_is_posted_on_the_retry(
    sqlite_url: str, clock: FakeClock, double: SlackDouble
) -> None:
    baton, _notifier = _baton(sqlite_url, clock, double)
    double.fail(503, methods={"chat.postMessage"})
    assert baton.sender().drain() == 0
    clock.advance(seconds=3)
    assert baton.sender().drain() == 1
    assert len(double.posted_with_metadata(DIGEST_EVENT)) == 1
    assert len(double.to("conversations.history")) == 1


def test_a_digest_is_still_posted_when_its_channel_history_cannot_be_read(
    sqlite_url: str, clock: FakeClock, double: SlackDouble
) -> None:
    baton, _notifier = _baton(sqlite_url, clock, double)
    double.fail(503, methods={"chat.postMessage"})
    baton.sender().drain()
    double.history.clear()  # conversations.history answers channel_not_found
    clock.advance(seconds=3)
    assert baton.sender().drain() == 1
    assert len(double.posted_with_metadata(DIGEST_EVENT)) == 1


def claim_time(clock: FakeClock, notifier: SlackNotifier) -> datetime:
    return clock.now - claim_window(notifier) - timedelta(seconds=1)
