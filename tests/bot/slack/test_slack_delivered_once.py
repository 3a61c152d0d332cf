"""Every Slack message of the outbox — lead card, thread reply, DM, channel post — is delivered
exactly once, even when its sender dies after Slack took it and before the row was marked sent:
the message carries its row's key as Slack message metadata, and the sender that takes the stale
claim over finds it (``conversations.replies`` / ``conversations.history``) instead of posting it
again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.baton import Baton
from bot.outbox.port import claim_window
from bot.outbox.sender import OutboxSender
from bot.slack.transport.app import OUTBOX_TIMEOUT_SECONDS, web_client
from bot.slack.transport.delivered import OUTBOX_EVENT
from bot.slack.transport.notifier import SlackNotifier
from routing.arrival import WebhookCall, arrived, posted
from routing.commands import parse_command
from routing.lead import SourceRef
from routing.lead_post import ParsedLead, parse_lead_post
from routing.roles import Platform
from routing.usecases.context import Actor
from storage import tables as t
from tests.e2e.slack_double import LoopbackApp, SlackDouble
from tests.support.clock import FakeClock
from tests.support.digests import rebuilds_a_digest
from tests.support.phones import PHONES
from tests.support.world import make_baton

INTAKE = "C0INTAKE"
WEBHOOK_CHANNEL = "C0LEADS"
POST_TS = "1764000000.000100"
MAYA = Actor(Platform.SLACK, "UMAYA", "Maya")


@pytest.fixture
def double(clock: FakeClock) -> Iterator[SlackDouble]:
    double = SlackDouble()
    double.clock = lambda: clock.now.timestamp()
    with LoopbackApp(double.web_app()) as served:
        double.url = served.url
        yield double


def _baton(url: str, clock: FakeClock, double: SlackDouble) -> tuple[Baton, SlackNotifier]:
    notifier = SlackNotifier(
        web_client("xoxb-test", double.api_url, OUTBOX_TIMEOUT_SECONDS), digests=rebuilds_a_digest
    )
    baton = make_baton(url, clock, {("slack", "UMAYA")}, notifiers={"slack": notifier})
    baton.relay.execute(MAYA, parse_command("/rotation", "add <@UALICE> qualifier", clock().date()))
    return baton, notifier


def _post_lead(baton: Baton) -> None:
    """A post in the intake channel: a card in its thread and a DM to alice."""
    text = "Lead: Sam, sam@umbrella.co, Umbrella"
    assert baton.relay.ingest(posted(Platform.SLACK, INTAKE, POST_TS, text, phones=PHONES)).lead_id


def _webhook_lead(baton: Baton) -> int:
    """A lead from the webhook: its card is posted to the channel and starts the thread."""
    lead = parse_lead_post("Lead: Ann, ann@initech.io, Initech", phones=PHONES)
    assert isinstance(lead, ParsedLead)
    thread = SourceRef("slack", WEBHOOK_CHANNEL, "")
    lead_id = baton.relay.ingest(arrived(WebhookCall("website", "k1"), lead, thread)).lead_id
    assert lead_id is not None
    return lead_id


def _die_mid_delivery(baton: Baton, notifier: SlackNotifier) -> int:
    """A sender claims every due row and posts each to Slack, then its process dies before it
    marks any of them sent; returns how many messages Slack got."""
    dying = baton.sender()
    claims = []
    while (claim := dying.claim_next()) is not None:
        claims.append(claim)
    for delivery in dying.deliveries(claims):
        notifier.deliver(delivery)
    return len(claims)


def _take_over(baton: Baton, notifier: SlackNotifier, clock: FakeClock) -> int:
    """The claims go stale; another sender delivers what is left."""
    clock.advance(seconds=claim_window(notifier).total_seconds() + 1)
    return OutboxSender(baton.stores.outbox, baton.notifiers, clock).drain()


def _statuses(baton: Baton) -> list[str]:
    with baton.engine.connect() as conn:
        return [str(s) for s in conn.execute(select(t.outbox.c.status)).scalars()]


def _card_ref(baton: Baton, lead_id: int) -> str | None:
    with baton.engine.connect() as conn:
        query = select(t.leads.c.card_ref).where(t.leads.c.id == lead_id)
        return conn.execute(query).scalar_one()


def _messages(double: SlackDouble) -> list[dict[str, object]]:
    return [m for messages in double.history.values() for m in messages]


def test_every_outbox_message_carries_its_row_key_and_a_first_attempt_looks_for_nothing(
    sqlite_url: str, clock: FakeClock, double: SlackDouble
) -> None:
    baton, _notifier = _baton(sqlite_url, clock, double)
    _post_lead(baton)
    sent = baton.sender().drain()
    marked = double.posted_with_metadata(OUTBOX_EVENT)
    assert len(marked) == sent == len(double.posts()) == 3
    keys = [m["metadata"]["event_payload"]["key"] for m in marked]  # type: ignore[index]
    assert len(set(keys)) == 3
    assert all("@2026-11-23T09:00:00+00:00" in str(key) for key in keys)
    lookups = ("conversations.history", "conversations.replies", "conversations.open")
    assert [c for m in lookups for c in double.to(m)] == []


def test_a_lead_card_thread_reply_and_dm_posted_before_the_sender_died_are_not_posted_again(
    db_url: str, clock: FakeClock, double: SlackDouble
) -> None:
    baton, notifier = _baton(db_url, clock, double)
    _post_lead(baton)
    # The rotation DM and the card are in Slack; the lead's DM waits behind the card in its lane.
    assert _die_mid_delivery(baton, notifier) == len(double.posts()) == 2

    assert _take_over(baton, notifier, clock) == 3
    assert len(double.posts()) == 3, "each message exactly once"
    assert len({c.params["metadata"]["event_payload"]["key"] for c in double.posts()}) == 3
    assert _statuses(baton) == ["sent"] * 3
    [thread_lookup] = double.to("conversations.replies")
    assert thread_lookup.params["ts"] == POST_TS
    assert {c.params["users"] for c in double.to("conversations.open")} == {"UALICE"}
    assert {c.params["channel"] for c in double.to("conversations.history")} == {"DALICE"}


def test_a_card_that_starts_a_thread_is_found_in_the_channel_and_kept_as_the_leads_card(
    db_url: str, clock: FakeClock, double: SlackDouble
) -> None:
    baton, notifier = _baton(db_url, clock, double)
    lead_id = _webhook_lead(baton)
    _die_mid_delivery(baton, notifier)
    [card] = double.history[WEBHOOK_CHANNEL]

    _take_over(baton, notifier, clock)

    assert double.history[WEBHOOK_CHANNEL] == [card], "the card once"
    assert _card_ref(baton, lead_id) == card["ts"], "later replies and updates go to it"
    assert WEBHOOK_CHANNEL in [c.params["channel"] for c in double.to("conversations.history")]


def test_a_message_whose_first_attempt_failed_is_posted_on_the_retry(
    sqlite_url: str, clock: FakeClock, double: SlackDouble
) -> None:
    baton, _notifier = _baton(sqlite_url, clock, double)
    _post_lead(baton)
    double.fail(503, methods={"chat.postMessage"}, times=None)
    assert baton.sender().drain() == 0
    double.recover()
    clock.advance(seconds=3)
    assert baton.sender().drain() == 3
    assert len(double.posts()) == 3
    assert len(double.to("conversations.replies")) == 1


def test_a_dm_is_still_posted_when_the_installation_cannot_look_in_dms(
    sqlite_url: str, clock: FakeClock, double: SlackDouble
) -> None:
    """An app installed before ``im:write`` was asked for: the lookup is refused, logged, and
    the DM posted (twice rather than never)."""
    baton, _notifier = _baton(sqlite_url, clock, double)
    baton.relay.execute(MAYA, parse_command("/rotation", "add <@UBOB> qualifier", clock().date()))
    double.fail(503, methods={"chat.postMessage"}, times=None)
    baton.sender().drain()
    double.recover()
    double.fail(200, methods={"conversations.open"}, times=None, error="missing_scope")
    clock.advance(seconds=3)
    assert baton.sender().drain() == 2
    assert [c.params["channel"] for c in double.posts()] == ["UALICE", "UBOB"]


def test_a_lookup_during_an_outage_is_retried_like_the_post(
    sqlite_url: str, clock: FakeClock, double: SlackDouble
) -> None:
    baton, notifier = _baton(sqlite_url, clock, double)
    _die_mid_delivery(baton, notifier)
    clock.advance(seconds=claim_window(notifier).total_seconds() + 1)
    double.fail(500, methods={"conversations.open"})
    assert baton.sender().drain() == 0
    clock.advance(seconds=5)
    assert baton.sender().drain() == 1
    assert len(double.posts()) == 1
    assert _statuses(baton) == ["sent"]
