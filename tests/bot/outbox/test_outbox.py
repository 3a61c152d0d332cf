"""The outbox sender: in order per lead, retried on rate limits and outages, never sent twice,
however many senders compete for it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update

from bot.outbox.port import (
    CLAIM_MARGIN,
    STALE_SENDING,
    Delivery,
    TransientDeliveryError,
    claim_window,
)
from bot.outbox.sender import GIVE_UP_AFTER, OutboxSender
from bot.slack.transport.app import OUTBOX_TIMEOUT_SECONDS, web_client
from bot.slack.transport.notifier import SlackNotifier
from bot.teams.transport.adapter import CONNECTOR_TIMEOUT_SECONDS
from storage import tables as t
from storage.codec import notice_json
from tests.support.clock import FakeClock
from tests.support.digests import rebuilds_a_digest
from tests.support.phones import PHONES
from tests.support.world import make_baton, say


class RecordingNotifier:
    """Delivers into a list; ``fail`` decides, per delivery, whether to raise instead."""

    def __init__(self) -> None:
        self.sent: list[Delivery] = []
        self.fail: Callable[[Delivery], Exception | None] = lambda _d: None
        self._cards = 0

    def deliver(self, delivery: Delivery) -> str | None:
        error = self.fail(delivery)
        if error is not None:
            raise error
        self.sent.append(delivery)
        if delivery.notice.card is not None and delivery.notice.thread and not delivery.card_ref:
            self._cards += 1
            return f"card-{self._cards}"
        return None

    def texts(self) -> list[str]:
        return [d.notice.text for d in self.sent]


def _setup(url: str, clock: FakeClock) -> tuple[OutboxSender, RecordingNotifier, object]:
    notifier = RecordingNotifier()
    baton = make_baton(url, clock, {("console", "maya")}, {"console": notifier})
    say(baton, "maya", "/rotation add @alice qualifier")
    say(baton, "maya", "/rotation add @dave closer")
    return baton.sender(), notifier, baton


def _post_lead(baton: object, n: int = 1) -> int:
    from routing.arrival import posted
    from routing.roles import Platform

    post = posted(
        Platform.CONSOLE,
        "#leads",
        f"m{n}",
        f"Lead: Sam {n}, sam{n}@umbrella{n}.co, Umbrella",
        phones=PHONES,
    )
    outcome = baton.relay.ingest(post)  # type: ignore[attr-defined]
    assert outcome.lead_id is not None
    return outcome.lead_id


def test_a_delivered_message_is_never_sent_again(sqlite_url: str, clock: FakeClock) -> None:
    sender, notifier, baton = _setup(sqlite_url, clock)
    _post_lead(baton)
    first = sender.drain()
    again = sender.drain()
    assert first == len(notifier.sent) > 0
    assert again == 0


def test_messages_about_one_lead_arrive_in_the_order_they_were_written(
    sqlite_url: str, clock: FakeClock
) -> None:
    sender, notifier, baton = _setup(sqlite_url, clock)
    lead = _post_lead(baton)
    say(baton, "alice", f"/lead claim L-{lead}")
    say(baton, "alice", f"/lead qualify L-{lead} budget=10k")
    sender.drain()
    thread = [d.notice.text for d in notifier.sent if d.notice.thread and not d.notice.update_card]
    assert len(thread) == 2
    assert "claimed" in thread[0]
    assert "qualified" in thread[1]


def test_a_rate_limited_message_waits_for_retry_after_and_holds_back_its_lane(
    sqlite_url: str, clock: FakeClock
) -> None:
    sender, notifier, baton = _setup(sqlite_url, clock)
    lead = _post_lead(baton)
    sender.drain()
    notifier.sent.clear()
    say(baton, "alice", f"/lead claim L-{lead}")
    notifier.fail = lambda d: (
        TransientDeliveryError("429", retry_after=30) if d.notice.thread else None
    )
    sender.drain()
    assert all(d.notice.thread is None for d in notifier.sent)
    notifier.fail = lambda _d: None
    clock.advance(seconds=29)
    assert sender.drain() == 0
    clock.advance(seconds=2)
    sender.drain()
    thread = [d for d in notifier.sent if d.notice.thread]
    assert [d.notice.update_card for d in thread] == [False, True]


def test_an_outage_delays_messages_and_loses_none(sqlite_url: str, clock: FakeClock) -> None:
    sender, notifier, baton = _setup(sqlite_url, clock)
    sender.drain()
    notifier.sent.clear()
    notifier.fail = lambda _d: TransientDeliveryError("HTTP 500")
    ids = [_post_lead(baton, n) for n in range(1, 4)]
    for _ in range(5):
        sender.drain()
        clock.advance(minutes=11)
    assert notifier.sent == []
    notifier.fail = lambda _d: None
    clock.advance(minutes=11)
    sender.drain()
    leads = {d.notice.lead_id for d in notifier.sent}
    assert leads == set(ids)
    assert len(notifier.sent) == len(
        {(d.notice.lead_id, d.notice.text, d.notice.rep_id) for d in notifier.sent}
    )


def test_a_message_still_failing_after_a_day_is_marked_failed(
    sqlite_url: str, clock: FakeClock
) -> None:
    sender, notifier, baton = _setup(sqlite_url, clock)
    notifier.fail = lambda _d: TransientDeliveryError("HTTP 503")
    _post_lead(baton)
    for _ in range(int(GIVE_UP_AFTER.total_seconds() // 600) + 10):
        sender.drain()
        clock.advance(minutes=11)
    with baton.engine.connect() as conn:  # type: ignore[attr-defined]
        statuses = set(conn.execute(select(t.outbox.c.status)).scalars())
    assert statuses == {"failed"}


def test_the_posted_card_is_updated_in_place_afterwards(sqlite_url: str, clock: FakeClock) -> None:
    sender, notifier, baton = _setup(sqlite_url, clock)
    lead = _post_lead(baton)
    sender.drain()
    say(baton, "alice", f"/lead claim L-{lead}")
    sender.drain()
    cards = [d for d in notifier.sent if d.notice.thread and d.notice.card]
    assert cards[0].card_ref is None
    assert cards[-1].card_ref == "card-1"


def test_a_message_stuck_in_sending_after_a_crash_is_retried_once_its_claim_is_stale(
    sqlite_url: str, clock: FakeClock
) -> None:
    sender, _notifier, baton = _setup(sqlite_url, clock)
    _post_lead(baton)
    with baton.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(update(t.outbox).values(status="sending", claimed_at=clock.now))
    assert sender.drain() == 0
    clock.advance(seconds=STALE_SENDING.total_seconds() - 1)
    assert sender.drain() == 0
    clock.advance(seconds=2)
    assert sender.drain() > 0


def test_a_claim_lasts_just_over_the_slack_clients_http_timeout() -> None:
    client = web_client("xoxb-test", "http://127.0.0.1:9/api/", OUTBOX_TIMEOUT_SECONDS)
    window = claim_window(SlackNotifier(client, digests=rebuilds_a_digest))
    assert (
        timedelta(seconds=OUTBOX_TIMEOUT_SECONDS)
        < window
        <= timedelta(seconds=OUTBOX_TIMEOUT_SECONDS) + CLAIM_MARGIN
    )
    assert timedelta(seconds=CONNECTOR_TIMEOUT_SECONDS) < STALE_SENDING


def test_a_row_another_sender_holds_is_not_taken_again_while_its_claim_stands(
    db_url: str, clock: FakeClock
) -> None:
    sender, notifier, baton = _setup(db_url, clock)
    sender.drain()
    notifier.sent.clear()
    _post_lead(baton, 7)
    held = sender.claim_next()
    assert held is not None
    other = OutboxSender(baton.stores.outbox, baton.notifiers, clock)  # type: ignore[attr-defined]
    clock.advance(seconds=STALE_SENDING.total_seconds() - 1)
    other.drain()
    assert held.row_id not in _sent_ids(baton)
    clock.advance(seconds=2)
    assert other.drain() > 0
    assert held.row_id in _sent_ids(baton)


def test_a_sender_whose_claim_went_stale_cannot_reschedule_the_row(
    sqlite_url: str, clock: FakeClock
) -> None:
    sender, _notifier, baton = _setup(sqlite_url, clock)
    sender.drain()
    _post_lead(baton, 8)
    slow = sender.claim_next()
    assert slow is not None
    clock.advance(seconds=STALE_SENDING.total_seconds() + 1)
    assert sender.drain() > 0
    sender.retry(slow, TransientDeliveryError("late timeout"))
    with baton.engine.connect() as conn:  # type: ignore[attr-defined]
        status = conn.execute(
            select(t.outbox.c.status).where(t.outbox.c.id == slow.row_id)
        ).scalar_one()
    assert status == "sent"


def test_a_stuck_message_delays_only_its_own_leads_later_messages(
    db_url: str, clock: FakeClock
) -> None:
    sender, notifier, baton = _setup(db_url, clock)
    sender.drain()
    notifier.sent.clear()
    stuck, free = _post_lead(baton, 1), _post_lead(baton, 2)
    notifier.fail = lambda d: (
        TransientDeliveryError("503") if d.notice.lead_id == stuck and d.notice.thread else None
    )
    sender.drain()
    say(baton, "alice", f"/lead claim L-{stuck}")
    say(baton, "alice", f"/lead claim L-{free}")
    sender.drain()
    delivered = {(d.notice.lead_id, d.notice.text) for d in notifier.sent}
    assert any(lead == free and "claimed" in text for lead, text in delivered)
    assert not any(lead == stuck for lead, _text in delivered)
    notifier.fail = lambda _d: None
    clock.advance(minutes=11)
    sender.drain()
    stuck_thread = [d.notice.text for d in notifier.sent if d.notice.lead_id == stuck]
    assert any("claimed" in text for text in stuck_thread)


SENDERS = 4
LEADS = 12


def test_competing_senders_deliver_every_row_once_in_order_per_lead(
    db_url: str, clock: FakeClock
) -> None:
    _sender, notifier, baton = _setup(db_url, clock)
    notifier.sent.clear()
    lock = threading.Lock()
    delivered: list[Delivery] = []

    def deliver(delivery: Delivery) -> str | None:
        time.sleep(0.001)  # let the senders interleave
        with lock:
            delivered.append(delivery)
        return None

    notifier.deliver = deliver  # type: ignore[method-assign]
    for n in range(1, LEADS + 1):
        lead = _post_lead(baton, n)
        say(baton, "alice", f"/lead claim L-{lead}")
        say(baton, "alice", f"/lead qualify L-{lead} budget=10k")
    outbox = baton.stores.outbox  # type: ignore[attr-defined]
    senders = [OutboxSender(outbox, baton.notifiers, clock) for _ in range(SENDERS)]  # type: ignore[attr-defined]
    threads = [threading.Thread(target=s.drain) for s in senders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    rows = _rows(baton)
    assert {status for _id, _lane, status, _n in rows} == {"sent"}
    seen = [notice_json(d.notice) for d in delivered]
    assert len(seen) == len(rows)
    assert sorted(map(str, seen)) == sorted(str(n) for _i, _l, _s, n in rows)
    for lane in {lane for _id, lane, _s, _n in rows if lane.startswith("lead:")}:
        written = [n for _i, ln, _s, n in rows if ln == lane]
        assert [n for n in seen if n in written] == written, lane


def _rows(baton: object) -> list[tuple[int, str, str, object]]:
    with baton.engine.connect() as conn:  # type: ignore[attr-defined]
        query = select(t.outbox.c.id, t.outbox.c.lane, t.outbox.c.status, t.outbox.c.notice)
        return [tuple(r) for r in conn.execute(query.order_by(t.outbox.c.id))]  # type: ignore[misc]


def _sent_ids(baton: object) -> set[int]:
    return {row_id for row_id, _lane, status, _n in _rows(baton) if status == "sent"}
