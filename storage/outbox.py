"""The outbox's rows as a sender works them: claim, release, reschedule, fail, mark sent.

Each call is one short transaction, never held while a platform is called. A claim picks the
oldest due rows, a small batch (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; under SQLite's ``BEGIN
IMMEDIATE`` write lock), and marks them ``sending`` with a fresh token and the time by a
compare-and-set that re-checks they are still due: however many senders run (threads,
``--workers``, replicas), one row is taken by one of them. Order is kept per lead only: a row of a
``lead:`` lane waits for the earlier rows of its lane.

Every statement is built once, with bound parameters, for the platforms the sender delivers to
(known when it is made): a statement built per call makes SQLAlchemy compute its cache key anew
each time, which cost more than the UPDATE.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    Update,
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

from routing import limits
from routing.notices import NoticeKind
from routing.outbox import ClaimedRow
from routing.team import Rep
from storage import tables as t
from storage.codec import notice_from
from storage.engine import READ_ONLY
from storage.uow import SqlUnitOfWork

ORDERED_LANE = "lead:%"
"""Lanes whose rows go out in the order they were written; every other row goes out on its own."""


class SqlOutboxRows:
    def __init__(self, engine: Engine, platforms: Sequence[str]) -> None:
        self.engine = engine
        self.platforms = tuple(platforms)
        self._query, self._take = _claim_statements(self.platforms, engine.dialect.name)

    def claim(
        self, limit: int, now: datetime, stale_before: Mapping[str, datetime]
    ) -> list[ClaimedRow]:
        params = {
            "now": now,
            "limit": limit,
            **{f"stale_{n}": stale_before.get(p, now) for n, p in enumerate(self.platforms)},
        }
        if self.engine.dialect.name != "postgresql" and not self._anything_due(params):
            return []
        token = uuid.uuid4().hex
        with self.engine.begin() as conn:
            rows = {row.id: row for row in conn.execute(self._query, params)}
            if not rows:
                return []
            taken = conn.execute(self._take, {**params, "ids": list(rows), "token": token}).all()
        return [
            ClaimedRow(
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

    def _anything_due(self, params: Mapping[str, Any]) -> bool:
        """A read without the write lock first, so an idle sender's polls never queue writers."""
        with self.engine.connect() as conn:
            conn.execution_options(**{READ_ONLY: True})
            return conn.execute(self._query, dict(params)).first() is not None

    def release(self, claims: Sequence[ClaimedRow]) -> None:
        with self.engine.begin() as conn:
            for claim in claims:
                conn.execute(_RELEASE, {"b_row": claim.row_id, "b_token": claim.token})

    def retry(self, claim: ClaimedRow, at: datetime, error: str) -> bool:
        return self._held(claim, status="pending", next_attempt_at=at, last_error=error)

    def fail(self, claim: ClaimedRow, now: datetime, error: str) -> bool:
        return self._held(claim, status="failed", last_error=error, sent_at=now)

    def _held(self, claim: ClaimedRow, **values: Any) -> bool:
        """Change a row only while this claim on it stands."""
        params = {"b_row": claim.row_id, "b_token": claim.token, **values}
        with self.engine.begin() as conn:
            return bool(conn.execute(_held_update(tuple(sorted(values))), params).rowcount)

    def mark_sent(self, claim: ClaimedRow, now: datetime, card_ref: str | None) -> None:
        notice = claim.notice
        with self.engine.begin() as conn:
            # Sent is sent, even by a sender whose claim went stale: taking the token back makes
            # the newer holder's retry a no-op, so the row is not sent a third time.
            conn.execute(
                _MARK_SENT,
                {
                    "b_row": claim.row_id,
                    "now": now,
                    "token": claim.token,
                    "sent_ref": _ref(card_ref),
                },
            )
            if card_ref and notice.lead_id is not None and notice.thread and notice.card:
                conn.execute(_FIRST_CARD_REF, {"b_lead": notice.lead_id, "card_ref": card_ref})
            if notice.kind is NoticeKind.DIGEST:
                _digest_sent(conn, notice.data, now)

    def addressees(
        self, claims: Sequence[ClaimedRow]
    ) -> tuple[Mapping[int, Rep], Mapping[int, str | None]]:
        """The people once, and the cards of the claims' leads (a batch holds at most one row of
        a lead, so none waits on another)."""
        with SqlUnitOfWork(self.engine, read_only=True) as uow:
            reps = {rep.id or 0: rep for rep in uow.reps.all()}
            cards = {
                c.notice.lead_id: uow.leads.get(c.notice.lead_id).card_ref
                for c in claims
                if c.notice.lead_id is not None and c.notice.thread is not None
            }
        return reps, cards


def _claim_statements(platforms: Sequence[str], dialect: str) -> tuple[Select[Any], Update]:
    """The claim's SELECT of due rows and its compare-and-set UPDATE."""
    o = t.outbox
    due = _due(platforms)
    query = (
        select(o.c.id, o.c.claimed_at, o.c.platform)
        .where(due)
        .order_by(o.c.id)
        .limit(bindparam("limit", type_=Integer()))
    )
    if dialect == "postgresql":
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


def _due(platforms: Sequence[str]) -> ColumnElement[bool]:
    """Rows a sender may take at ``:now``: pending and due, or sending under a claim made before
    ``:stale_N`` (now minus platform N's claim window), and not behind an unfinished earlier row
    of the same lead."""
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
        for n, platform in enumerate(platforms)
    ]
    blocked = exists().where(
        earlier.c.lane == o.c.lane,
        earlier.c.id < o.c.id,
        earlier.c.status.in_(["pending", "sending"]),
    )
    return and_(or_(false(), *takeable), ~(o.c.lane.like(ORDERED_LANE) & blocked))


def _digest_sent(conn: Connection, data: Mapping[str, Any], now: datetime) -> None:
    """Stamp the digest run (the first destination to get it sets the time)."""
    conn.execute(
        _DIGEST_SENT, {"b_digest": data.get("schedule"), "b_period": data.get("key"), "now": now}
    )


_RELEASE = (
    update(t.outbox)
    .where(t.outbox.c.id == bindparam("b_row"), t.outbox.c.claim_token == bindparam("b_token"))
    .values(status="pending", claim_token=None, attempts=t.outbox.c.attempts - 1)
)
_MARK_SENT = (
    update(t.outbox)
    .where(t.outbox.c.id == bindparam("b_row"), t.outbox.c.status != "sent")
    .values(
        status="sent",
        last_error=None,
        sent_at=bindparam("now", type_=t.UTCDateTime()),
        claim_token=bindparam("token"),
        sent_ref=bindparam("sent_ref"),
    )
)
_FIRST_CARD_REF = (
    update(t.leads)
    .where(t.leads.c.id == bindparam("b_lead"), t.leads.c.card_ref.is_(None))
    .values(card_ref=bindparam("card_ref"))
)
_DIGEST_SENT = (
    update(t.digest_runs)
    .where(
        t.digest_runs.c.digest == bindparam("b_digest"),
        t.digest_runs.c.period == bindparam("b_period"),
        t.digest_runs.c.sent_at.is_(None),
    )
    .values(sent_at=bindparam("now", type_=t.UTCDateTime()))
)


def _ref(posted: str | None) -> str | None:
    """A posted message's id as kept; one too long to keep is not kept (never cut)."""
    return posted if posted and len(posted) <= limits.CARD_REF else None


@functools.cache
def _held_update(columns: tuple[str, ...]) -> Update:
    """``UPDATE outbox SET <columns>`` for the row while the claim token still matches."""
    o = t.outbox
    return (
        update(o)
        .where(o.c.id == bindparam("b_row"), o.c.claim_token == bindparam("b_token"))
        .values({name: bindparam(name, type_=o.c[name].type) for name in columns})
    )
