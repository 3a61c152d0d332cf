"""The CRM's rows: its outbox lane (written in the lead's transaction), the shared rate limit,
reps' owners and inbound event ids. Every SQL statement of the CRM sync is here.

The outbox lane is a table of its own, so the chat sender's claims never see a CRM row and a
HubSpot outage delays no chat message. A claim takes the oldest due rows (``FOR UPDATE SKIP
LOCKED`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``), none behind an unfinished earlier row of the
same lead, and marks them with a token by a compare-and-set: one row, one sender.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    and_,
    bindparam,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import aliased

from routing.crm.changes import change_from, change_json, described
from routing.crm.links import CrmLink, LinkState
from routing.crm.mapping import changes_for
from routing.crm.outbox import CrmBacklog, CrmClaim, CrmFailure
from routing.events import LeadEvent
from routing.lead import Lead
from routing.roles import Platform
from routing.team import Rep
from routing.text import storable
from storage import tables as t
from storage.codec import event_from, lead_from, rep_from
from storage.prepared import Prepared
from storage.repositories import _upsert_ignore, upsert

CRM = "hubspot"


class SqlCrmChanges:
    """In a use case's transaction: the CRM changes of the events each lead's save writes,
    collected and inserted in one statement before commit (or a savepoint), as the chat outbox
    does: a group commit's posts share it."""

    def __init__(self, conn: Connection, clock: Callable[[], datetime]) -> None:
        self.conn = conn
        self.clock = clock
        self._pending: list[dict[str, Any]] = []

    def add(self, lead: Lead, events: Sequence[LeadEvent]) -> None:
        now = self.clock()
        self._pending += [
            {
                "created_at": now,
                "next_attempt_at": now,
                "lead_id": lead.id,
                "crm": CRM,
                "change": change_json(change),
            }
            for event in events
            for change in changes_for(lead, event)
        ]

    def flush(self) -> None:
        if self._pending:
            _INSERT_CRM.many(self.conn, self._pending)
            self._pending = []


_INSERT_CRM = Prepared(insert(t.crm_outbox))


def _due() -> Any:
    o, earlier = t.crm_outbox, aliased(t.crm_outbox)
    now, stale = _p("now"), _p("stale")
    takeable = ((o.c.status == "pending") & (o.c.next_attempt_at <= now)) | (
        (o.c.status == "sending") & (func.coalesce(o.c.claimed_at, o.c.next_attempt_at) <= stale)
    )
    blocked = exists().where(
        earlier.c.lead_id == o.c.lead_id,
        earlier.c.id < o.c.id,
        earlier.c.status.in_(["pending", "sending"]),
    )
    return and_(takeable, ~blocked)


UTC_TIME = t.UTCDateTime()


def _p(name: str) -> Any:
    return bindparam(name, type_=UTC_TIME)


class SqlCrmRows:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(self, limit: int, now: datetime, stale_before: datetime) -> list[CrmClaim]:
        o = t.crm_outbox
        params = {"now": now, "stale": stale_before}
        query = select(o.c.id).where(_due()).order_by(o.c.id).limit(limit)
        if self.engine.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=o)
        token = uuid.uuid4().hex
        with self.engine.begin() as conn:
            ids = [r.id for r in conn.execute(query, params)]
            if not ids:
                return []
            taken = conn.execute(
                update(o)
                .where(o.c.id.in_(ids), _due())
                .values(
                    status="sending",
                    claim_token=token,
                    claimed_at=now,
                    attempts=o.c.attempts + 1,
                )
                .returning(o.c.id, o.c.lead_id, o.c.change, o.c.attempts, o.c.created_at),
                params,
            ).all()
        return [
            CrmClaim(r.id, token, now, r.lead_id, change_from(r.change), r.attempts, r.created_at)
            for r in sorted(taken, key=lambda r: r.id)
        ]

    def _held(self, claim: CrmClaim, **values: Any) -> bool:
        o = t.crm_outbox
        with self.engine.begin() as conn:
            done = conn.execute(
                update(o)
                .where(o.c.id == claim.row_id, o.c.claim_token == claim.token)
                .values(**values)
            )
            return bool(done.rowcount)

    def retry(self, claim: CrmClaim, at: datetime, error: str) -> bool:
        return self._held(
            claim,
            status="pending",
            next_attempt_at=at,
            last_error=_message(error),
            first_failed_at=_first_failure(claim.claimed_at),
        )

    def fail(self, claim: CrmClaim, now: datetime, error: str) -> bool:
        return self._held(
            claim,
            status="failed",
            sent_at=now,
            last_error=_message(error),
            first_failed_at=_first_failure(now),
        )

    def skip(self, claim: CrmClaim, now: datetime, reason: str) -> bool:
        """Not sent, for good and on purpose (its record was deleted in the CRM): kept with the
        reason, never retried, holding back nothing."""
        return self._held(claim, status="skipped", sent_at=now, last_error=reason[:2000])

    def mark_sent(self, claim: CrmClaim, now: datetime) -> None:
        o = t.crm_outbox
        with self.engine.begin() as conn:
            conn.execute(
                update(o)
                .where(o.c.id == claim.row_id, o.c.status != "sent")
                .values(status="sent", sent_at=now, last_error=None, claim_token=claim.token)
            )

    def release(self, claims: Sequence[CrmClaim]) -> None:
        o = t.crm_outbox
        with self.engine.begin() as conn:
            for claim in claims:
                conn.execute(
                    update(o)
                    .where(o.c.id == claim.row_id, o.c.claim_token == claim.token)
                    .values(status="pending", claim_token=None, attempts=o.c.attempts - 1)
                )

    def backlog(self, limit: int = 5) -> CrmBacklog:
        with self.engine.connect() as conn:
            return crm_backlog(conn, limit)

    def alert_once(self, kind: str, now: datetime) -> bool:
        with self.engine.begin() as conn:
            stmt = _upsert_ignore(conn, t.crm_alerts).values(kind=kind[:200], created_at=now)
            return conn.execute(stmt.returning(t.crm_alerts.c.kind)).first() is not None

    def forget_alert(self, kind: str) -> None:
        """The condition is over (the token works again): the next time is news again."""
        with self.engine.begin() as conn:
            conn.execute(t.crm_alerts.delete().where(t.crm_alerts.c.kind == kind[:200]))


def _message(error: str) -> str:
    """The CRM's message as Baton keeps it: outside text, made storable, cut to 2,000."""
    return storable(error)[:2000]


def _first_failure(at: datetime) -> Any:
    return func.coalesce(t.crm_outbox.c.first_failed_at, bindparam("first", at, UTC_TIME))


def crm_backlog(conn: Connection, limit: int = 5) -> CrmBacklog:
    """Rows waiting, rows failed, and up to ``limit`` failures (failed rows first, newest
    first, then waiting rows that failed an attempt): ``baton crm check`` and the dashboard."""
    o = t.crm_outbox
    counts = {
        str(r[0]): int(r[1])
        for r in conn.execute(select(o.c.status, func.count()).group_by(o.c.status))
    }
    rows = conn.execute(
        select(o.c.lead_id, o.c.change, o.c.last_error, o.c.first_failed_at, o.c.status)
        .where(o.c.last_error.is_not(None), o.c.status.in_(["failed", "pending"]))
        .order_by((o.c.status == "failed").desc(), o.c.id.desc())
        .limit(limit)
    ).all()
    failures = tuple(
        CrmFailure(
            int(r.lead_id),
            described(r.change if isinstance(r.change, dict) else {}),
            storable(str(r.last_error)),
            r.first_failed_at,
            r.status == "failed",
        )
        for r in rows
    )
    waiting = counts.get("pending", 0) + counts.get("sending", 0)
    return CrmBacklog(waiting, counts.get("failed", 0), failures)


class SqlCrmBacklogOn:
    """The CRM outbox's backlog inside a unit of work's snapshot (``uow.crm_backlog``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def backlog(self, limit: int = 5) -> CrmBacklog:
        return crm_backlog(self.conn, limit)


class SqlRateBucket:
    """HubSpot's limit as HubSpot counts it: at most ``limit`` calls in any rolling ``window``.
    One row holds the times of the last ``limit`` calls; every process and replica takes a
    slot in a short transaction (a row lock on PostgreSQL, the write lock on SQLite), so together
    they never go above the limit, and a backfill runs as fast as the limit lets it. The window
    is widened by :data:`MARGIN`, so a call that reaches HubSpot a little late still counts in
    the window Baton counted it in."""

    MARGIN = 0.25

    def __init__(self, engine: Engine, limit: int, window: timedelta, name: str = CRM) -> None:
        self.engine = engine
        self.limit = max(1, limit)
        self.window = window.total_seconds() + self.MARGIN
        self.name = name

    def _row(self, conn: Connection) -> Any:
        b = t.crm_limits
        query = select(b).where(b.c.name == self.name)
        if self.engine.dialect.name == "postgresql":
            query = query.with_for_update()
        row = conn.execute(query).first()
        if row is None:
            conn.execute(_upsert_ignore(conn, b).values(name=self.name, slots="[]"))
            row = conn.execute(query).first()
        return row

    def _save(self, conn: Connection, slots: list[float]) -> None:
        b = t.crm_limits
        conn.execute(update(b).where(b.c.name == self.name).values(slots=json.dumps(slots)))

    def take(self, now: datetime) -> float:
        with self.engine.begin() as conn:
            row = self._row(conn)
            if row.paused_until is not None and row.paused_until > now:
                return float((row.paused_until - now).total_seconds())
            at = now.timestamp()
            slots = [s for s in _slots(row.slots) if s > at - self.window]
            if len(slots) < self.limit:
                self._save(conn, [*slots, at])
                return 0.0
            return max(0.001, slots[-self.limit] + self.window - at)

    def pause(self, until: datetime) -> None:
        b = t.crm_limits
        with self.engine.begin() as conn:
            self._row(conn)
            conn.execute(update(b).where(b.c.name == self.name).values(paused_until=until))

    def drain(self, now: datetime) -> None:
        """HubSpot said 429 for its window: count the window as full, so nobody calls until it
        has passed."""
        with self.engine.begin() as conn:
            self._row(conn)
            self._save(conn, [now.timestamp()] * self.limit)

    def paused_until(self, now: datetime) -> datetime | None:
        b = t.crm_limits
        with self.engine.connect() as conn:
            until = conn.execute(select(b.c.paused_until).where(b.c.name == self.name)).scalar()
        return until if until is not None and until > now else None


def _slots(text: str | None) -> list[float]:
    try:
        found = json.loads(text or "[]")
    except ValueError:
        return []
    return (
        sorted(float(s) for s in found if isinstance(s, int | float))
        if isinstance(found, list)
        else []
    )


class SqlCrmOwnersOn:
    """Reps' CRM owners inside a transaction (``uow.crm_owners``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def owner_of(self, rep_id: int) -> str | None:
        c = t.crm_owners
        return self.conn.execute(select(c.c.owner_id).where(c.c.rep_id == rep_id)).scalar()

    def email_of(self, rep_id: int) -> str | None:
        c = t.crm_owners
        return self.conn.execute(select(c.c.email).where(c.c.rep_id == rep_id)).scalar()

    def set(self, rep_id: int, *, email: str | None = None, owner_id: str | None = None) -> None:
        given = {"email": email, "owner_id": owner_id}
        values = {k: v or None for k, v in given.items() if v is not None}  # "": clear it
        if values:
            stmt = upsert(self.conn, t.crm_owners, ["rep_id"], values)
            self.conn.execute(stmt.values(rep_id=rep_id, **values))


class SqlCrmOwners:
    """Reps' CRM owners, each call its own short transaction (the sender, ``baton crm``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def owner_of(self, rep_id: int) -> str | None:
        with self.engine.connect() as conn:
            return SqlCrmOwnersOn(conn).owner_of(rep_id)

    def email_of(self, rep_id: int) -> str | None:
        with self.engine.connect() as conn:
            return SqlCrmOwnersOn(conn).email_of(rep_id)

    def all(self) -> Mapping[int, tuple[str | None, str | None]]:
        c = t.crm_owners
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.c.rep_id, c.c.email, c.c.owner_id)).all()
        return {r.rep_id: (r.email, r.owner_id) for r in rows}

    def rep_for(self, owner_id: str) -> tuple[Platform, str] | None:
        """The rep (platform, user id) whose CRM owner is ``owner_id``, if one is."""
        return _rep_for(self.engine, owner_id)

    def set(self, rep_id: int, *, email: str | None = None, owner_id: str | None = None) -> None:
        with self.engine.begin() as conn:
            SqlCrmOwnersOn(conn).set(rep_id, email=email, owner_id=owner_id)


def _rep_for(engine: Engine, owner_id: str) -> tuple[Platform, str] | None:
    c, r = t.crm_owners, t.reps
    with engine.connect() as conn:
        row = conn.execute(
            select(r.c.platform, r.c.user_id)
            .join(c, c.c.rep_id == r.c.id)
            .where(c.c.owner_id == owner_id)
            .order_by(r.c.id)
            .limit(1)
        ).first()
    return (Platform(row.platform), str(row.user_id)) if row is not None else None


class SqlCrmInbox:
    """Webhook events by eventId: each is handled once, however often HubSpot delivers it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(self, event_id: str, now: datetime) -> bool:
        with self.engine.begin() as conn:
            stmt = _upsert_ignore(conn, t.crm_inbox).values(event_id=event_id, received_at=now)
            return conn.execute(stmt.returning(t.crm_inbox.c.event_id)).first() is not None

    def forget(self, event_id: str) -> None:
        """The event could not be handled (the CRM did not answer): let a redelivery try again."""
        with self.engine.begin() as conn:
            conn.execute(t.crm_inbox.delete().where(t.crm_inbox.c.event_id == event_id))


class SqlCrmReads:
    """What ``baton crm sync`` and ``check`` read: leads with their events, page by page, and
    the reps."""

    PAGE = 500

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _ids(self, conn: Connection, since: datetime | None) -> list[int]:
        if since is None:
            query = select(t.leads.c.id)
        else:
            query = select(t.lead_events.c.lead_id).where(t.lead_events.c.at >= since).distinct()
        return sorted(int(i) for i in conn.execute(query).scalars())

    def count(self, since: datetime | None) -> int:
        with self.engine.connect() as conn:
            return len(self._ids(conn, since))

    def histories(self, since: datetime | None) -> Iterator[tuple[Lead, list[LeadEvent]]]:
        """Every lead (with an event from ``since`` on), with its whole history, in id order."""
        with self.engine.connect() as conn:
            ids = self._ids(conn, since)
        for start in range(0, len(ids), self.PAGE):
            page = ids[start : start + self.PAGE]
            with self.engine.connect() as conn:
                leads = {
                    r.id: lead_from(r._mapping)
                    for r in conn.execute(select(t.leads).where(t.leads.c.id.in_(page)))
                }
                events: dict[int, list[LeadEvent]] = {i: [] for i in page}
                rows = conn.execute(
                    select(t.lead_events)
                    .where(t.lead_events.c.lead_id.in_(page))
                    .order_by(t.lead_events.c.id)
                )
                for row in rows:
                    events[row.lead_id].append(event_from(row._mapping))
            for lead_id in page:
                if lead_id in leads:
                    yield leads[lead_id], events[lead_id]

    def reps(self) -> list[Rep]:
        with self.engine.connect() as conn:
            return [rep_from(r._mapping) for r in conn.execute(select(t.reps))]

    def without_email(self, platform: Platform) -> list[str]:
        """User ids of ``platform``'s reps in a rotation pool with neither an email nor a CRM
        owner: the people whose email Baton still has to ask their chat for."""
        r, c, m = t.reps, t.crm_owners, t.memberships
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(r.c.user_id)
                .outerjoin(c, c.c.rep_id == r.c.id)
                .where(
                    r.c.platform == platform.value,
                    r.c.id.in_(select(m.c.rep_id)),
                    c.c.email.is_(None),
                    c.c.owner_id.is_(None),
                )
                .order_by(r.c.id)
            ).scalars()
            return [str(user_id) for user_id in rows]

    def pooled_reps(self) -> list[Rep]:
        """Reps in at least one rotation pool: the people who need a CRM owner."""
        with self.engine.connect() as conn:
            ids = set(conn.execute(select(t.memberships.c.rep_id)).scalars())
            rows = conn.execute(select(t.reps).where(t.reps.c.id.in_(ids))).all()
        return sorted((rep_from(r._mapping) for r in rows), key=lambda rep: rep.name)


class SqlCrmLinks:
    """Baton's key of each CRM record → the CRM's id and its state (``routing.crm.links``)."""

    def __init__(self, engine: Engine, crm: str = CRM) -> None:
        self.engine = engine
        self.crm = crm

    def for_keys(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], CrmLink]:
        """The links of these (kind, key) pairs, by the pair."""
        wanted = set(keys)
        if not wanted:
            return {}
        k = t.crm_links
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(k).where(
                    k.c.crm == self.crm, k.c.key.in_(sorted({key for _kind, key in wanted}))
                )
            ).all()
        links = [_link(r) for r in rows]
        return {(link.kind, link.key): link for link in links if (link.kind, link.key) in wanted}

    def for_ids(self, kind: str, crm_ids: Sequence[str]) -> list[CrmLink]:
        """Every link naming one of these CRM ids of ``kind``."""
        if not crm_ids:
            return []
        k = t.crm_links
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(k)
                .where(k.c.crm == self.crm, k.c.kind == kind, k.c.crm_id.in_(list(crm_ids)))
                .order_by(k.c.lead_id, k.c.key)
            ).all()
        return [_link(r) for r in rows]

    def save(self, links: Sequence[CrmLink], now: datetime) -> None:
        if not links:
            return
        with self.engine.begin() as conn:
            for link in links:
                values = {
                    "crm_id": link.crm_id,
                    "lead_id": link.lead_id,
                    "state": link.state.value,
                    "merged": link.merged,
                    "updated_at": now,
                }
                stmt = upsert(conn, t.crm_links, ["crm", "kind", "key"], values)
                conn.execute(stmt.values(crm=self.crm, kind=link.kind, key=link.key, **values))


def _link(row: Any) -> CrmLink:
    return CrmLink(
        row.kind, row.key, row.crm_id, int(row.lead_id), LinkState(row.state), bool(row.merged)
    )


class SqlCrmCursors:
    """Where each of the CRM poll's reads got to; written only after a page is handled."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def get(self, name: str) -> str | None:
        c = t.crm_cursors
        with self.engine.connect() as conn:
            return conn.execute(select(c.c.value).where(c.c.name == name)).scalar()

    def set(self, name: str, value: str, now: datetime) -> None:
        with self.engine.begin() as conn:
            stmt = upsert(conn, t.crm_cursors, ["name"], {"value": value, "updated_at": now})
            conn.execute(stmt.values(name=name, value=value, updated_at=now))

    def claim_slot(self, name: str, slot: int, now: datetime) -> bool:
        """Take ``slot`` of the job ``name`` (a compare-and-set on one row): True for exactly one
        process or replica per slot, however many run the job."""
        c = t.crm_cursors
        value = f"{slot:020d}"  # zero-padded: compared as text on both databases
        with self.engine.begin() as conn:
            conn.execute(
                _upsert_ignore(conn, c).values(name=name, value=f"{0:020d}", updated_at=now)
            )
            taken = conn.execute(
                update(c)
                .where(c.c.name == name, c.c.value < value)
                .values(value=value, updated_at=now)
            )
            return bool(taken.rowcount)
