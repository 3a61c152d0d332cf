"""Delivering the outbox: in order per lead, with retries, never holding a DB lock while talking.

A sender *claims* rows before the platform call: in one short transaction it picks the oldest
due rows, a small batch (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; under SQLite's ``BEGIN
IMMEDIATE`` write lock), and marks them ``sending`` with its own claim token and the time, by a
compare-and-set that re-checks they are still due. So however many senders run (threads,
``--workers``, replicas), one row is taken by one of them. It is marked ``sent`` after the
call, by the claim's holder.

At-least-once: a sender that dies between the call and the mark leaves a ``sending`` row that
another sender takes again once the claim is stale — after the notifier's HTTP timeout and a
margin (:func:`claim_window`), so a slow live sender is never overtaken. For a lead message a
crash in that gap repeats the message; a digest is looked up on the platform before it is sent
again (:attr:`Delivery.previous_attempt_at`), so it is posted once.

Order is kept per lead only: a lead's later messages wait for its earlier ones; a stuck row holds
back nothing else (not other leads, not DMs, not digests).
"""

from __future__ import annotations

import functools
import logging
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    and_,
    bindparam,
    exists,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Select

from routing.notices import Notice, NoticeKind
from routing.team import Rep
from storage import tables as t
from storage.codec import notice_from
from storage.engine import READ_ONLY
from storage.uow import SqlUnitOfWork, utc_now

log = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(hours=24)
"""A chat outage delays messages; only one that still fails after a day is marked failed."""
CLAIM_MARGIN = timedelta(seconds=5)
"""Added to a notifier's HTTP timeout: a claim is stale only when no live call can still be on."""
STALE_SENDING = timedelta(seconds=25)
"""The claim window of a notifier that does not state one: above the longest outbox HTTP timeout
(Teams' connector, 20 s) plus the margin."""
BACKOFF_CAP = timedelta(minutes=10)
CLAIM_BATCH = 10
"""Rows one claim takes: fewer round trips per message, a short wait for the batch's last."""
ORDERED_LANE = "lead:%"
"""Lanes whose rows go out in the order they were written; every other row goes out on its own."""


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
    previous_attempt_at: datetime | None = None
    """When an earlier attempt at this row was claimed (None on the first attempt). That attempt
    may have reached the platform before failing or dying, so a notifier that can look (the
    Slack digest) checks for it before sending again."""


class Notifier(Protocol):
    def deliver(self, delivery: Delivery) -> str | None:
        """Send it; return the platform's id of a posted lead card (to update it later)."""
        ...


def claim_window(notifier: Notifier) -> timedelta:
    """How long a claim on a row for ``notifier`` holds: its ``claim_window`` attribute when it
    has one (its HTTP timeout plus :data:`CLAIM_MARGIN`), else :data:`STALE_SENDING`."""
    window = getattr(notifier, "claim_window", None)
    return window if isinstance(window, timedelta) else STALE_SENDING


@dataclass(frozen=True)
class Claim:
    """A row this sender holds: only the holder of ``token`` may finish or reschedule it."""

    row_id: int
    token: str
    claimed_at: datetime
    platform: str
    previous_attempt_at: datetime | None
    notice: Notice
    """The row's notice, read with the claim (its ``UPDATE … RETURNING``)."""
    attempts: int
    created_at: datetime


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
        self._built: tuple[tuple[str, ...], Select[Any], Any] | None = None
        """The claim's statements, for the platforms they were built for (platforms mount
        after the sender is made)."""

    def run_once(self, limit: int = 200) -> int:
        """Deliver what is due now, up to ``limit`` rows; return how many went out."""
        sent, left = 0, limit
        while left > 0:
            claims = self._claim(min(CLAIM_BATCH, left))
            if not claims:
                break
            left -= len(claims)
            loaded = self._load_all(claims)
            for n, claim in enumerate(claims):
                if not self._still_fresh(claim):
                    self._release(claims[n:])
                    break
                sent += self._send(claim, loaded[n])
        return sent

    def _still_fresh(self, claim: Claim) -> bool:
        """Whether a claim taken with its batch has more than half its window left to send in;
        a slow batch hands the rest back rather than race a sender that thinks them stale."""
        window = claim_window(self.notifiers[claim.platform])
        return self.clock() - claim.claimed_at < window / 2

    def _release(self, claims: list[Claim]) -> None:
        o = t.outbox
        with self.engine.begin() as conn:
            for claim in claims:
                conn.execute(
                    update(o)
                    .where(o.c.id == claim.row_id, o.c.claim_token == claim.token)
                    .values(status="pending", claim_token=None, attempts=o.c.attempts - 1)
                )

    def drain(self, rounds: int = 100) -> int:
        total = 0
        for _ in range(rounds):
            sent = self.run_once()
            total += sent
            if not sent:
                break
        return total

    def _due(self) -> ColumnElement[bool]:
        """Rows this sender may take at ``:now``: pending and due, or sending under a claim made
        before ``:stale_N`` (now minus platform N's claim window), and not behind an unfinished
        earlier row of the same lead. Bound parameters: the statements are built once."""
        o, earlier = t.outbox, aliased(t.outbox)
        claimed_at = func.coalesce(o.c.claimed_at, o.c.next_attempt_at)
        now = bindparam("now", type_=t.UTCDateTime())
        takeable = [
            (o.c.platform == platform)
            & (
                ((o.c.status == "pending") & (o.c.next_attempt_at <= now))
                | (
                    (o.c.status == "sending")
                    & (claimed_at <= bindparam(f"stale_{n}", type_=t.UTCDateTime()))
                )
            )
            for n, platform in enumerate(tuple(self.notifiers))
        ]
        blocked = exists().where(
            earlier.c.lane == o.c.lane,
            earlier.c.id < o.c.id,
            earlier.c.status.in_(["pending", "sending"]),
        )
        return and_(or_(false(), *takeable), ~(o.c.lane.like(ORDERED_LANE) & blocked))

    def _statements(self) -> tuple[Select[Any], Any]:
        """The claim's SELECT of due rows and its compare-and-set UPDATE, built once."""
        o = t.outbox
        due = self._due()
        query = (
            select(o.c.id, o.c.claimed_at, o.c.platform)
            .where(due)
            .order_by(o.c.id)
            .limit(bindparam("limit", type_=Integer()))
        )
        if self.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=o)
        take = (
            update(o)
            .where(o.c.id.in_(bindparam("ids", expanding=True)), due)
            .values(
                status="sending",
                claim_token=bindparam("token"),
                claimed_at=bindparam("now", type_=t.UTCDateTime()),
                attempts=o.c.attempts + 1,
            )
            .returning(o.c.id, o.c.notice, o.c.attempts, o.c.created_at)
        )
        return query, take

    def _params(self, now: datetime) -> dict[str, Any]:
        windows = (claim_window(notifier) for notifier in self.notifiers.values())
        return {"now": now, **{f"stale_{n}": now - w for n, w in enumerate(windows)}}

    def _claim(self, limit: int) -> list[Claim]:
        """Take up to ``limit`` of the oldest due rows in one transaction: select them (on
        PostgreSQL skipping rows another sender has locked; on SQLite under the write lock) and
        compare-and-set them to ``sending`` with a fresh token, re-checking that they are due."""
        platforms = tuple(self.notifiers)
        if self._built is None or self._built[0] != platforms:
            self._built = (platforms, *self._statements())
        _platforms, query, take = self._built
        now = self.clock()
        params = {**self._params(now), "limit": limit}
        if self.engine.dialect.name != "postgresql" and not self._anything_due(query, params):
            return []
        token = uuid.uuid4().hex
        with self.engine.begin() as conn:
            rows = {row.id: row for row in conn.execute(query, params)}
            if not rows:
                return []
            taken = conn.execute(take, {**params, "ids": list(rows), "token": token}).all()
        return [
            Claim(
                r.id,
                token,
                now,
                rows[r.id].platform,
                rows[r.id].claimed_at,
                notice=notice_from(r.notice),
                attempts=r.attempts,
                created_at=r.created_at,
            )
            for r in sorted(taken, key=lambda r: r.id)
        ]

    def _claim_next(self) -> Claim | None:
        """Claim the one oldest due row (tests hold a claim with it)."""
        claims = self._claim(1)
        return claims[0] if claims else None

    def _anything_due(self, query: Select[Any], params: Mapping[str, Any]) -> bool:
        """A read without the write lock first, so an idle sender's polls never queue writers."""
        with self.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            return conn.execute(query, dict(params)).first() is not None

    def _send(self, claim: Claim, delivery: Delivery) -> int:
        try:
            ref = self.notifiers[claim.platform].deliver(delivery)
        except TransientDeliveryError as err:
            self._retry(claim, err)
            return 0
        except PermanentDeliveryError as err:
            log.error("outbox %s refused for good: %s", claim.row_id, err)
            self._finish(claim, "failed", str(err))
            return 0
        except Exception as err:
            log.exception("outbox %s: unexpected delivery error", claim.row_id)
            self._retry(claim, TransientDeliveryError(repr(err)))
            return 0
        self._finish(claim, "sent", None, card_ref=ref, notice=delivery.notice)
        return 1

    def _load_all(self, claims: list[Claim]) -> list[Delivery]:
        """Each claim's delivery, read in one snapshot for the batch: the people once, and the
        cards of its leads (a batch has at most one row of a lead, so none waits on another)."""
        with SqlUnitOfWork(self.engine, self.clock, read_only=True) as uow:
            reps = {rep.id or 0: rep for rep in uow.reps.all()}
            cards = {
                c.notice.lead_id: uow.leads.get(c.notice.lead_id).card_ref
                for c in claims
                if c.notice.lead_id is not None and c.notice.thread is not None
            }
        return [
            Delivery(
                c.notice,
                reps.get(c.notice.rep_id) if c.notice.rep_id is not None else None,
                cards.get(c.notice.lead_id or 0) if c.notice.thread is not None else None,
                reps,
                c.previous_attempt_at,
            )
            for c in claims
        ]

    def _retry(self, claim: Claim, err: TransientDeliveryError) -> None:
        attempts, created_at = claim.attempts, claim.created_at
        if self.clock() - created_at >= GIVE_UP_AFTER:
            log.error(
                "outbox %s gave up after %s attempts in a day: %s", claim.row_id, attempts, err
            )
            self._finish(claim, "failed", str(err))
            return
        wait = (
            timedelta(seconds=err.retry_after)
            if err.retry_after is not None
            else min(BACKOFF_CAP, timedelta(seconds=2 ** min(attempts, 20)))
        )
        log.warning("outbox %s: will retry in %ss: %s", claim.row_id, wait.total_seconds(), err)
        self._update_held(
            claim, status="pending", next_attempt_at=self.clock() + wait, last_error=str(err)
        )

    def _update_held(self, claim: Claim, **values: Any) -> None:
        """Change a row only while this sender's claim on it stands."""
        params = {"b_row": claim.row_id, "b_token": claim.token, **values}
        with self.engine.begin() as conn:
            held = conn.execute(_held_update(tuple(sorted(values))), params)
        if not held.rowcount:
            log.warning("outbox %s was claimed again by another sender meanwhile", claim.row_id)

    def _finish(
        self,
        claim: Claim,
        status: str,
        error: str | None,
        card_ref: str | None = None,
        notice: Notice | None = None,
    ) -> None:
        if status != "sent":
            self._update_held(claim, status=status, last_error=error, sent_at=self.clock())
            return
        with self.engine.begin() as conn:
            # Sent is sent, even by a sender whose claim went stale: taking the token back makes
            # the newer holder's retry a no-op, so the row is not sent a third time.
            conn.execute(
                _MARK_SENT, {"b_row": claim.row_id, "now": self.clock(), "token": claim.token}
            )
            if card_ref and notice is not None and notice.lead_id is not None and notice.thread:
                conn.execute(_FIRST_CARD_REF, {"b_lead": notice.lead_id, "card_ref": card_ref})
            if notice is not None and notice.kind is NoticeKind.DIGEST:
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


# The statements of every delivery, built once with bound parameters: a statement built per
# call makes SQLAlchemy compute its cache key anew each time, which cost more than the UPDATE.
_MARK_SENT = (
    update(t.outbox)
    .where(t.outbox.c.id == bindparam("b_row"), t.outbox.c.status != "sent")
    .values(
        status="sent",
        last_error=None,
        sent_at=bindparam("now", type_=t.UTCDateTime()),
        claim_token=bindparam("token"),
    )
)
_FIRST_CARD_REF = (
    update(t.leads)
    .where(t.leads.c.id == bindparam("b_lead"), t.leads.c.card_ref.is_(None))
    .values(card_ref=bindparam("card_ref"))
)


@functools.cache
def _held_update(columns: tuple[str, ...]) -> Any:
    """``UPDATE outbox SET <columns>`` for the row while the claim token still matches."""
    o = t.outbox
    return (
        update(o)
        .where(o.c.id == bindparam("b_row"), o.c.claim_token == bindparam("b_token"))
        .values({name: bindparam(name, type_=o.c[name].type) for name in columns})
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
