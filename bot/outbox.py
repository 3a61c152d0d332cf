"""Delivering the outbox: in order per lane, with retries, never holding a DB lock while talking.

At-least-once: a row is marked ``sending`` (committed) before the platform call and ``sent`` after
it. A process that dies between the two leaves a ``sending`` row that is retried after
``STALE_SENDING`` — a rare duplicate beats a lost assignment.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import Connection, Engine, and_, exists, select, update
from sqlalchemy.orm import aliased

from routing.notices import Notice, NoticeKind
from routing.team import Rep
from storage import tables as t
from storage.codec import notice_from
from storage.engine import READ_ONLY
from storage.uow import SqlUnitOfWork, utc_now

log = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(hours=24)
"""A chat outage delays messages; only one that still fails after a day is marked failed."""
STALE_SENDING = timedelta(minutes=5)
BACKOFF_CAP = timedelta(minutes=10)


class TransientDeliveryError(Exception):
    """Rate limited, 5xx, timeout: try again (after ``retry_after`` seconds when given)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(Exception):
    """The platform refused for good (channel not found, not in channel): give up and log."""


@dataclass(frozen=True)
class Delivery:
    """What a notifier needs besides the notice: the people named and where the card lives."""

    notice: Notice
    recipient: Rep | None
    card_ref: str | None
    reps: Mapping[int, Rep]


class Notifier(Protocol):
    def deliver(self, delivery: Delivery) -> str | None:
        """Send it; return the platform's id of a posted lead card (to update it later)."""
        ...


class OutboxSender:
    def __init__(
        self,
        engine: Engine,
        notifiers: Mapping[str, Notifier],
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.engine = engine
        self.notifiers = notifiers
        self.clock = clock

    def run_once(self, limit: int = 200) -> int:
        """Deliver what is due now; return how many went out."""
        sent = 0
        for row_id in self._due(limit):
            if self._claim(row_id):
                sent += self._send(row_id)
        return sent

    def drain(self, rounds: int = 100) -> int:
        total = 0
        for _ in range(rounds):
            sent = self.run_once()
            total += sent
            if not sent:
                break
        return total

    def _due(self, limit: int) -> list[int]:
        o, earlier = t.outbox, aliased(t.outbox)
        stale = self.clock() - STALE_SENDING
        blocked = exists().where(
            earlier.c.lane == o.c.lane,
            earlier.c.id < o.c.id,
            earlier.c.status.in_(["pending", "sending"]),
        )
        query = (
            select(o.c.id)
            .where(
                o.c.platform.in_(list(self.notifiers)),
                ((o.c.status == "pending") & (o.c.next_attempt_at <= self.clock()))
                | ((o.c.status == "sending") & (o.c.next_attempt_at <= stale)),
                ~blocked,
            )
            .order_by(o.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            return list(conn.execute(query).scalars())

    def _claim(self, row_id: int) -> bool:
        o = t.outbox
        with self.engine.begin() as conn:
            result = conn.execute(
                update(o)
                .where(o.c.id == row_id, o.c.status.in_(["pending", "sending"]))
                .values(status="sending", attempts=o.c.attempts + 1, next_attempt_at=self.clock())
            )
            return bool(result.rowcount)

    def _send(self, row_id: int) -> int:
        delivery, platform, attempts, created_at = self._load(row_id)
        try:
            ref = self.notifiers[platform].deliver(delivery)
        except TransientDeliveryError as err:
            self._retry(row_id, attempts, created_at, err)
            return 0
        except PermanentDeliveryError as err:
            log.error("outbox %s refused for good: %s", row_id, err)
            self._finish(row_id, "failed", str(err))
            return 0
        except Exception as err:
            log.exception("outbox %s: unexpected delivery error", row_id)
            self._retry(row_id, attempts, created_at, TransientDeliveryError(repr(err)))
            return 0
        self._finish(row_id, "sent", None, card_ref=ref, notice=delivery.notice)
        return 1

    def _load(self, row_id: int) -> tuple[Delivery, str, int, datetime]:
        with SqlUnitOfWork(self.engine, self.clock, read_only=True) as uow:
            row = (
                uow.connection.execute(select(t.outbox).where(t.outbox.c.id == row_id))
                .mappings()
                .one()
            )
            notice = notice_from(row["notice"])
            recipient = uow.reps.get(notice.rep_id) if notice.rep_id is not None else None
            card_ref = None
            if notice.lead_id is not None and notice.thread is not None:
                card_ref = uow.leads.get(notice.lead_id).card_ref
            reps = {rep.id or 0: rep for rep in uow.reps.all()}
        delivery = Delivery(notice, recipient, card_ref, reps)
        return delivery, row["platform"], row["attempts"], row["created_at"]

    def _retry(
        self, row_id: int, attempts: int, created_at: datetime, err: TransientDeliveryError
    ) -> None:
        if self.clock() - created_at >= GIVE_UP_AFTER:
            log.error("outbox %s gave up after %s attempts in a day: %s", row_id, attempts, err)
            self._finish(row_id, "failed", str(err))
            return
        wait = (
            timedelta(seconds=err.retry_after)
            if err.retry_after is not None
            else min(BACKOFF_CAP, timedelta(seconds=2 ** min(attempts, 20)))
        )
        log.warning("outbox %s: will retry in %ss: %s", row_id, wait.total_seconds(), err)
        o = t.outbox
        with self.engine.begin() as conn:
            conn.execute(
                update(o)
                .where(o.c.id == row_id)
                .values(status="pending", next_attempt_at=self.clock() + wait, last_error=str(err))
            )

    def _finish(
        self,
        row_id: int,
        status: str,
        error: str | None,
        card_ref: str | None = None,
        notice: Notice | None = None,
    ) -> None:
        o = t.outbox
        with self.engine.begin() as conn:
            conn.execute(
                update(o)
                .where(o.c.id == row_id)
                .values(status=status, last_error=error, sent_at=self.clock())
            )
            if card_ref and notice is not None and notice.lead_id is not None and notice.thread:
                conn.execute(
                    update(t.leads)
                    .where(and_(t.leads.c.id == notice.lead_id, t.leads.c.card_ref.is_(None)))
                    .values(card_ref=card_ref)
                )
            if status == "sent" and notice is not None and notice.kind is NoticeKind.DIGEST:
                self._digest_sent(conn, notice)

    def _digest_sent(self, conn: Connection, notice: Notice) -> None:
        """Stamp the digest run (the first destination to get it sets the time)."""
        runs = t.digest_runs
        conn.execute(
            update(runs)
            .where(
                runs.c.digest == notice.data.get("schedule"),
                runs.c.period == notice.data.get("key"),
                runs.c.sent_at.is_(None),
            )
            .values(sent_at=self.clock())
        )


class SenderThread(threading.Thread):
    """Runs the sender every ``interval`` seconds in the serving process until stopped."""

    def __init__(self, sender: OutboxSender, interval: float = 0.2) -> None:
        super().__init__(name="baton-outbox", daemon=True)
        self.sender = sender
        self.interval = interval
        self.stopped = threading.Event()
        self.wake = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                sent = self.sender.run_once()
            except Exception:
                log.exception("outbox sender round failed; trying again")
                sent = 0
            if sent:
                continue  # what was waiting behind those messages in their lanes is due now
            self.wake.wait(self.interval)
            self.wake.clear()

    def stop(self) -> None:
        self.stopped.set()
        self.wake.set()
