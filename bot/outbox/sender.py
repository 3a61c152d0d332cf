"""Delivering the outbox: in order per lead, with retries, never holding a DB lock while talking.

A sender claims a small batch of due rows (``routing.ports.OutboxRows``, whose SQL is in
``storage/outbox.py``), hands each to its platform's notifier, and then marks it sent, makes it
due again after a backoff, or gives it up. However many senders run (threads, ``--workers``,
replicas), one row is taken by one of them.

At-least-once: a sender that dies between the call and the mark leaves a ``sending`` row that
another sender takes again once the claim is stale — after the notifier's HTTP timeout and a
margin (:func:`bot.outbox.port.claim_window`), so a slow live sender is never overtaken. A
notifier that can look (Slack: every message carries its row's :attr:`Delivery.key` as message
metadata) looks for a row attempted before (:attr:`Delivery.previous_attempt_at`) on the platform
before sending it again, so it is posted once; Teams cannot be searched, so there a crash in that
gap can repeat the message (README, "What a crash can repeat").

Order is kept per lead only: a lead's later messages wait for its earlier ones; a stuck row holds
back nothing else (not other leads, not DMs, not digests).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Protocol

from bot.ops.logs import about_lead
from bot.outbox.port import (
    Delivery,
    Notifier,
    PermanentDeliveryError,
    TransientDeliveryError,
    claim_window,
)
from routing.outbox import ClaimedRow
from routing.ports import OutboxRows

log = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(hours=24)
"""A chat outage delays messages; only one that still fails after a day is marked failed."""
BACKOFF_CAP = timedelta(minutes=10)
CLAIM_BATCH = 10
"""Rows one claim takes: fewer round trips per message, a short wait for the batch's last."""


class Draining:
    """A lane's sender that can be run until it is idle (the demo, the console, tests)."""

    def run_once(self) -> int:
        raise NotImplementedError

    def drain(self, rounds: int = 100) -> int:
        """Rounds until one sends nothing (at most ``rounds``); how many were sent."""
        total = 0
        for _ in range(rounds):
            sent = self.run_once()
            total += sent
            if not sent:
                break
        return total


class OutboxSender(Draining):
    def __init__(
        self,
        rows: OutboxRows,
        notifiers: Mapping[str, Notifier],
        clock: Callable[[], datetime],
    ) -> None:
        self.rows = rows
        self.notifiers = notifiers
        self.clock = clock
        self._windows = {name: claim_window(n) for name, n in notifiers.items()}

    def run_once(self, limit: int = 200) -> int:
        """Deliver what is due now, up to ``limit`` rows; return how many went out."""
        sent, left = 0, limit
        while left > 0:
            claims = self._claim(min(CLAIM_BATCH, left))
            if not claims:
                break
            left -= len(claims)
            deliveries = self.deliveries(claims)
            for n, claim in enumerate(claims):
                if not self._still_fresh(claim):
                    self.rows.release(claims[n:])
                    break
                sent += self._send(claim, deliveries[n])
        return sent

    def _claim(self, limit: int) -> list[ClaimedRow]:
        now = self.clock()
        stale = {name: now - window for name, window in self._windows.items()}
        return self.rows.claim(limit, now, stale)

    def claim_next(self) -> ClaimedRow | None:
        """Claim the one oldest due row, as a sender about to deliver it would."""
        claims = self._claim(1)
        return claims[0] if claims else None

    def _still_fresh(self, claim: ClaimedRow) -> bool:
        """Whether a claim taken with its batch has more than half its window left to send in;
        a slow batch hands the rest back rather than race a sender that thinks them stale."""
        return self.clock() - claim.claimed_at < self._windows[claim.platform] / 2

    def deliveries(self, claims: list[ClaimedRow]) -> list[Delivery]:
        """What each claimed row's notifier is handed: the notice, its people, its card."""
        reps, cards = self.rows.addressees(claims)
        return [
            Delivery(
                c.notice,
                reps.get(c.notice.rep_id) if c.notice.rep_id is not None else None,
                cards.get(c.notice.lead_id or 0) if c.notice.thread is not None else None,
                reps,
                c.previous_attempt_at,
                c.delivery_key,
            )
            for c in claims
        ]

    def _send(self, claim: ClaimedRow, delivery: Delivery) -> int:
        with about_lead(claim.notice.lead_id):
            return self._deliver(claim, delivery)

    def _deliver(self, claim: ClaimedRow, delivery: Delivery) -> int:
        try:
            ref = self.notifiers[claim.platform].deliver(delivery)
        except TransientDeliveryError as err:
            self.retry(claim, err)
            return 0
        except PermanentDeliveryError as err:
            log.error("outbox %s refused for good: %s", claim.row_id, err)
            self._give_up(claim, str(err))
            return 0
        except Exception as err:
            log.exception("outbox %s: unexpected delivery error", claim.row_id)
            self.retry(claim, TransientDeliveryError(repr(err)))
            return 0
        self.rows.mark_sent(claim, self.clock(), ref)
        return 1

    def retry(self, claim: ClaimedRow, err: TransientDeliveryError) -> None:
        """Due again after ``Retry-After`` or a backoff; given up a day after it was written."""
        if self.clock() - claim.created_at >= GIVE_UP_AFTER:
            log.error("outbox %s gave up after %s attempts: %s", claim.row_id, claim.attempts, err)
            self._give_up(claim, str(err))
            return
        wait = (
            timedelta(seconds=err.retry_after)
            if err.retry_after is not None
            else min(BACKOFF_CAP, timedelta(seconds=2 ** min(claim.attempts, 20)))
        )
        log.warning("outbox %s: will retry in %ss: %s", claim.row_id, wait.total_seconds(), err)
        if not self.rows.retry(claim, self.clock() + wait, str(err)):
            _taken_over(claim)

    def _give_up(self, claim: ClaimedRow, error: str) -> None:
        if not self.rows.fail(claim, self.clock(), error):
            _taken_over(claim)


def _taken_over(claim: ClaimedRow) -> None:
    log.warning("outbox %s was claimed again by another sender meanwhile", claim.row_id)


class Rounds(Protocol):
    """A sender of one lane: each round delivers what is due and says how many it sent."""

    def run_once(self) -> int: ...


class SenderThread(threading.Thread):
    """Runs a lane's sender every ``interval`` seconds in the serving process until stopped
    (the chat outbox's, and the CRM's beside it, never inside it)."""

    def __init__(
        self, sender: Rounds, interval: float = 0.2, *, name: str = "baton-outbox"
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.sender = sender
        self.interval = interval
        self.stopped = threading.Event()
        self.wake = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                sent = self.sender.run_once()
            except Exception:
                log.exception("%s sender round failed; trying again", self.name)
                sent = 0
            if sent:
                continue  # what was waiting behind those messages in their lanes is due now
            self.wake.wait(self.interval)
            self.wake.clear()

    def stop(self) -> None:
        self.stopped.set()
        self.wake.set()
