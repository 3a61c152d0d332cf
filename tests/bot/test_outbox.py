"""The outbox sender: in order per lead, retried on rate limits and outages, never sent twice."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select, update

from bot.outbox import GIVE_UP_AFTER, Delivery, OutboxSender, TransientDeliveryError
from storage import tables as t
from tests.conftest import FakeClock
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
    baton = make_baton(url, clock, managers={("console", "maya")})
    notifier = RecordingNotifier()
    baton.notifiers["console"] = notifier
    say(baton, "maya", "/rotation add @alice qualifier")
    say(baton, "maya", "/rotation add @dave closer")
    return baton.sender(), notifier, baton


def _post_lead(baton: object, n: int = 1) -> int:
    from routing.roles import Platform
    from routing.usecases.intake import InboundPost

    post = InboundPost(
        Platform.CONSOLE, "#leads", f"m{n}", f"Lead: Sam {n}, sam{n}@umbrella{n}.co, Umbrella"
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


def test_a_message_stuck_in_sending_after_a_crash_is_retried_later(
    sqlite_url: str, clock: FakeClock
) -> None:
    sender, _notifier, baton = _setup(sqlite_url, clock)
    _post_lead(baton)
    with baton.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(update(t.outbox).values(status="sending", next_attempt_at=clock.now))
    assert sender.drain() == 0
    clock.advance(minutes=6)
    assert sender.drain() > 0
