"""SQLAlchemy implementations of routing's repository ports, on one connection (one transaction)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from routing.errors import NotFound
from routing.events import RECEIVING, LeadEvent, received_through
from routing.lead import Lead, format_lead_id
from routing.metrics import CustomerSpan
from routing.notices import Notice
from routing.roles import Platform, Role
from routing.stages import OPEN_STAGES, OWNED_STAGES, Stage
from routing.team import ClaimMode, Membership, Pool, Rep, RotationEvent
from storage import report
from storage import tables as t
from storage.codec import (
    event_from,
    event_row,
    lead_from,
    lead_row,
    notice_json,
    rep_from,
    rep_row,
)
from storage.prepared import Prepared

_MATCHABLE = sorted(s.value for s in (OPEN_STAGES - {Stage.NEW}) | {Stage.CUSTOMER})
_MATCHABLE_SQL: list[Any] = [literal_column(f"'{stage}'") for stage in _MATCHABLE]
"""The stages as SQL literals (our own constants): a statement compiled once needs no IN list."""
_OWNED = sorted(s.value for s in OWNED_STAGES)
_WORKLOAD = [Stage.ASSIGNED.value, Stage.WORKING.value]
_RECEIVED = sorted(e.value for e in RECEIVING)


def _dialect_insert(conn: Connection, table: Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _upsert_ignore(conn: Connection, table: Table) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` in the connection's dialect."""
    return _dialect_insert(conn, table).on_conflict_do_nothing()


def upsert(conn: Connection, table: Table, keys: list[str], values: dict[str, Any]) -> Any:
    """``INSERT … ON CONFLICT (keys) DO UPDATE SET values`` in the connection's dialect."""
    return _dialect_insert(conn, table).on_conflict_do_update(index_elements=keys, set_=values)


class SqlReps:
    """Reps of one transaction, each read once: the same person is asked for by every post of
    a shared (group-commit) transaction and by every member of a pool."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._by_id: dict[int, Rep] = {}
        self._by_user: dict[tuple[Platform, str], int] = {}

    def _remember(self, rep: Rep) -> Rep:
        self._by_id[rep.id or 0] = rep
        self._by_user[(rep.platform, rep.user_id)] = rep.id or 0
        return rep

    def get(self, rep_id: int) -> Rep:
        if rep_id in self._by_id:
            return self._by_id[rep_id]
        row = _GET_REP.first(self.conn, {"id": rep_id})
        if row is None:
            raise NotFound(f"No rep with id {rep_id}.")
        return self._remember(rep_from(row))

    def find(self, platform: Platform, user_id: str) -> Rep | None:
        known = self._by_user.get((platform, user_id))
        if known is not None:
            return self._by_id[known]
        params = {"platform": platform.value, "user_id": user_id}
        row = _FIND_REP.first(self.conn, params)
        return self._remember(rep_from(row)) if row else None

    def add(self, rep: Rep) -> Rep:
        """Insert ``rep``; when a concurrent request inserted the same person first, use theirs."""
        stmt = _upsert_ignore(self.conn, t.reps).values(**rep_row(rep)).returning(t.reps.c.id)
        new_id = self.conn.execute(stmt).scalar()
        if new_id is None:
            existing = self.find(rep.platform, rep.user_id)
            assert existing is not None
            return existing
        rep.id = int(new_id)
        return self._remember(rep)

    def save(self, rep: Rep) -> None:
        self.conn.execute(update(t.reps).where(t.reps.c.id == rep.id).values(**rep_row(rep)))

    def managers(self) -> list[Rep]:
        return [self._remember(rep_from(r)) for r in _MANAGERS.rows(self.conn)]

    def all(self) -> list[Rep]:
        return [self._remember(rep_from(r)) for r in _ALL_REPS.rows(self.conn)]

    def adopt(self, row: Any) -> Rep:
        rep_id = row["id"]
        return self._by_id.get(rep_id) or self._remember(rep_from(row))


class SqlPools:
    def __init__(self, conn: Connection, reps: SqlReps) -> None:
        self.conn = conn
        self.reps = reps
        self._members: dict[str, list[Membership]] | None = (
            {} if conn.dialect.name == "sqlite" else None
        )
        """A pool's members, read once per transaction, on SQLite only: ``BEGIN IMMEDIATE``
        holds the database's write lock from the first statement, so nobody else can change
        them meanwhile (on PostgreSQL another transaction could, so they are read every time).
        Forgotten when a membership is added, removed or saved from another read."""

    def get(self, name: str) -> Pool | None:
        row = _GET_POOL.first(self.conn, {"name": name})
        return _pool(row) if row else None

    def ensure(self, name: str, role: Role) -> Pool:
        self.conn.execute(_upsert_ignore(self.conn, t.pools).values(name=name, role=role.value))
        pool = self.get(name)
        assert pool is not None
        return pool

    def all(self) -> list[Pool]:
        return [_pool(r) for r in _ALL_POOLS.rows(self.conn)]

    def lock(self, name: str) -> None:
        """PostgreSQL: lock the pool's row. SQLite: nothing to do — every transaction starts
        with ``BEGIN IMMEDIATE``, which already holds the database's write lock (and SQLite
        would silently ignore ``FOR UPDATE`` anyway)."""
        if self.conn.dialect.name != "sqlite":
            self.conn.execute(_LOCK_POOL, {"name": name})

    def members(self, name: str) -> list[Membership]:
        known = self._members.get(name) if self._members is not None else None
        if known is None:
            known = [self._membership(r) for r in _POOL_MEMBERS.rows(self.conn, {"pool": name})]
            if self._members is not None:
                self._members[name] = known
        return list(known)

    def _forget(self, name: str) -> None:
        if self._members is not None:
            self._members.pop(name, None)

    def _membership(self, row: Any) -> Membership:
        row["id"] = row["rep_id"]
        rep = self.reps.adopt(row)
        return Membership(
            pool=row["pool"],
            rep=rep,
            weight=row["weight"],
            cap=row["cap"],
            credit=row["credit"],
            position=row["position"],
            max_open=row["max_open"],
            seated=bool(row["seated"]),
            held=row["held"],
            last_assigned_at=row["last_assigned_at"],
            note=row["note"],
        )

    def add_member(self, membership: Membership) -> None:
        self._forget(membership.pool)
        self.conn.execute(
            insert(t.memberships).values(
                pool=membership.pool, rep_id=membership.rep_id, **_membership_values(membership)
            )
        )

    def save_members(self, memberships: Sequence[Membership]) -> None:
        if not memberships:
            return
        for member in memberships:
            known = self._members.get(member.pool) if self._members is not None else None
            if known is not None and not any(member is k for k in known):
                self._forget(member.pool)  # changed through another read: read it again
        _SAVE_MEMBER.many(
            self.conn,
            [{"b_pool": x.pool, "b_rep": x.rep_id, **_membership_values(x)} for x in memberships],
        )

    def remove_member(self, name: str, rep_id: int) -> bool:
        self._forget(name)
        m = t.memberships
        result = self.conn.execute(m.delete().where(m.c.pool == name, m.c.rep_id == rep_id))
        return bool(result.rowcount)

    def memberships_of(self, rep_id: int) -> list[tuple[Pool, Membership]]:
        rows = _MEMBERSHIPS_OF.rows(self.conn, {"rep_id": rep_id})
        return [(_pool({**r, "name": r["pool"]}), self._membership(r)) for r in rows]

    def set_claim_mode(self, name: str, mode: ClaimMode) -> None:
        self.conn.execute(
            update(t.pools).where(t.pools.c.name == name).values(claim_mode=mode.value)
        )

    def record(self, event: RotationEvent) -> None:
        self.conn.execute(insert(t.rotation_events).values(**vars(event)))


def _pool(row: Any) -> Pool:
    mode = row["claim_mode"]
    return Pool(row["name"], Role(row["role"]), ClaimMode(mode) if mode else None)


m_ = t.memberships
_ALL_REPS = Prepared(select(t.reps).order_by(t.reps.c.id))
_GET_POOL = Prepared(select(t.pools).where(t.pools.c.name == bindparam("name")))
_ALL_POOLS = Prepared(select(t.pools).order_by(t.pools.c.role, t.pools.c.name))
_LOCK_POOL = select(t.pools.c.name).where(t.pools.c.name == bindparam("name")).with_for_update()
_POOL_MEMBERS = Prepared(
    select(m_, t.reps)
    .join(t.reps, t.reps.c.id == m_.c.rep_id)
    .where(m_.c.pool == bindparam("pool"))
    .order_by(m_.c.position, m_.c.rep_id)
)
_MEMBERSHIPS_OF = Prepared(
    select(m_, t.reps, t.pools.c.role, t.pools.c.claim_mode)
    .join(t.reps, t.reps.c.id == m_.c.rep_id)
    .join(t.pools, t.pools.c.name == m_.c.pool)
    .where(m_.c.rep_id == bindparam("rep_id"))
    .order_by(m_.c.pool)
)
_SAVE_MEMBER = Prepared(
    update(m_).where(and_(m_.c.pool == bindparam("b_pool"), m_.c.rep_id == bindparam("b_rep"))),
)
_INSERT_LEAD = Prepared(insert(t.leads).returning(t.leads.c.id))
_GET_REP = Prepared(select(t.reps).where(t.reps.c.id == bindparam("id")))
_FIND_REP = Prepared(
    select(t.reps).where(
        t.reps.c.platform == bindparam("platform"), t.reps.c.user_id == bindparam("user_id")
    )
)
_MANAGERS = Prepared(select(t.reps).where(t.reps.c.is_manager.is_(True)).order_by(t.reps.c.id))
_l = t.leads
_MATCH = Prepared(
    select(_l)
    .where(
        or_(_l.c.email == bindparam("email"), _l.c.email_domain == bindparam("domain")),
        _l.c.stage.in_(_MATCHABLE_SQL),
        _l.c.owner_id.is_not(None),
    )
    .order_by((_l.c.email == bindparam("email")).desc(), _l.c.id.desc())
    .limit(1)
)
_CLAIM_KEY = Prepared(
    {
        name: dialect.insert(t.intake_keys).on_conflict_do_nothing().returning(t.intake_keys.c.key)
        for name, dialect in (("sqlite", sqlite), ("postgresql", postgresql))
    },
)
_KNOWN_KEY = Prepared(
    select(t.intake_keys.c.key).where(t.intake_keys.c.key == bindparam("key")).limit(1)
)
_ATTACH_KEY = Prepared(update(t.intake_keys).where(t.intake_keys.c.key == bindparam("b_key")))
_SAVE_LEAD = Prepared(update(t.leads).where(t.leads.c.id == bindparam("b_id")))
_GET_LEAD = Prepared(select(t.leads).where(t.leads.c.id == bindparam("id")))
_OWNED_BY = Prepared(
    select(t.leads)
    .where(
        t.leads.c.owner_id == bindparam("rep_id"),
        t.leads.c.stage.in_([literal_column(f"'{stage}'") for stage in _OWNED]),
    )
    .order_by(t.leads.c.id)
)
_OPEN_COUNT = Prepared(
    select(func.count()).where(
        t.leads.c.owner_id == bindparam("rep_id"),
        t.leads.c.stage.in_([literal_column(f"'{stage}'") for stage in _WORKLOAD]),
    )
)
# The rep's receiving events of the day (a few dozen): which pool each came through is read from
# its payload by ``routing.events.received_through``, the same on both databases.
_RECEIVED_SINCE = Prepared(
    select(t.lead_events.c.lead_id, t.lead_events.c.payload).where(
        t.lead_events.c.owner_id == bindparam("rep_id"),
        t.lead_events.c.type.in_([literal_column(f"'{kind}'") for kind in _RECEIVED]),
        t.lead_events.c.at >= bindparam("since", type_=t.UTCDateTime()),
    )
)
_LOCK_LEAD = Prepared(select(t.leads).where(t.leads.c.id == bindparam("id")).with_for_update())
_EVENTS = Prepared(
    select(t.lead_events)
    .where(t.lead_events.c.lead_id == bindparam("lead_id"))
    .order_by(t.lead_events.c.id)
)
_INSERT_EVENT = Prepared(insert(t.lead_events))
_INSERT_OUTBOX = Prepared(insert(t.outbox))


def _count(query: Prepared, conn: Connection, values: dict[str, Any]) -> int:
    row = query.first(conn, values)
    return int(next(iter(row.values()))) if row else 0


def _membership_values(m: Membership) -> dict[str, Any]:
    return {
        "weight": m.weight,
        "cap": m.cap,
        "credit": m.credit,
        "position": m.position,
        "max_open": m.max_open,
        "seated": m.seated,
        "held": m.held,
        "last_assigned_at": m.last_assigned_at,
        "note": m.note,
    }


class SqlLeads:
    def __init__(
        self,
        conn: Connection,
        on_events: Callable[[Lead, list[LeadEvent]], None] | None = None,
    ) -> None:
        self.conn = conn
        self.on_events = on_events
        """Called with each save's new events in the same transaction (the CRM's outbox rows)."""

    def add(self, lead: Lead) -> Lead:
        row = _INSERT_LEAD.first(self.conn, lead_row(lead))
        assert row is not None
        lead.id = int(row["id"])
        self._write_events(lead)
        return lead

    def get(self, lead_id: int, *, lock: bool = False) -> Lead:
        row = (_LOCK_LEAD if lock else _GET_LEAD).first(self.conn, {"id": lead_id})
        if row is None:
            raise NotFound(f"There is no lead {format_lead_id(lead_id)}. `/lead mine` lists yours.")
        return lead_from(row)

    def save(self, lead: Lead) -> None:
        _SAVE_LEAD.run(self.conn, {"b_id": lead.id, **lead_row(lead)})
        self._write_events(lead)

    def _write_events(self, lead: Lead) -> None:
        events = lead.take_pending()
        if events:
            _INSERT_EVENT.many(self.conn, [event_row(e) for e in events])
            if self.on_events is not None:
                self.on_events(lead, events)

    def find_open_match(self, email: str | None, domain: str | None) -> Lead | None:
        """The newest owned open lead or customer with this email, else with this domain."""
        if not email and not domain:
            return None
        row = _MATCH.first(self.conn, {"email": email, "domain": domain})
        return lead_from(row) if row else None

    def owned_by(self, rep_id: int) -> list[Lead]:
        return [lead_from(r) for r in _OWNED_BY.rows(self.conn, {"rep_id": rep_id})]

    def open_count(self, rep_id: int) -> int:
        return _count(_OPEN_COUNT, self.conn, {"rep_id": rep_id})

    def received_since(self, rep_id: int, since: datetime, pool: str) -> int:
        rows = _RECEIVED_SINCE.rows(self.conn, {"rep_id": rep_id, "since": since})
        return len({r["lead_id"] for r in rows if received_through(r["payload"] or {}, pool)})

    def queued(self, pool: str) -> list[Lead]:
        query = (
            select(t.leads)
            .where(t.leads.c.stage == Stage.NEW.value, t.leads.c.pool == pool)
            .order_by(t.leads.c.id)
        )
        if self.conn.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [lead_from(r) for r in self.conn.execute(query).mappings()]

    def awaiting_claim(
        self, assigned_before: datetime, imported_before: datetime | None = None
    ) -> list[Lead]:
        leads = t.leads.c
        due = leads.assigned_at < assigned_before
        if imported_before is not None:
            due = or_(
                and_(leads.imported.is_(False), due),
                and_(leads.imported.is_(True), leads.assigned_at < imported_before),
            )
        rows = self.conn.execute(
            select(t.leads)
            .where(leads.stage == Stage.ASSIGNED.value, due)
            .order_by(leads.assigned_at)
        ).mappings()
        return [lead_from(r) for r in rows]

    def events(self, lead_id: int) -> list[LeadEvent]:
        return [event_from(r) for r in _EVENTS.rows(self.conn, {"lead_id": lead_id})]

    def events_for_report(self, start: datetime, end: datetime) -> list[LeadEvent]:
        return report.events_for_report(self.conn, start, end)

    def customer_spans(self, won_before: datetime) -> list[CustomerSpan]:
        return report.customer_spans(self.conn, won_before)

    def first_lead_at(self) -> datetime | None:
        return report.first_lead_at(self.conn)


class SqlIntakeKeys:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def claim(self, keys: Sequence[str], at: datetime) -> bool:
        fresh = sum(
            _CLAIM_KEY.first(self.conn, {"key": key, "created_at": at}) is not None for key in keys
        )
        return fresh == len(keys)

    def known(self, keys: Sequence[str]) -> bool:
        """One prepared lookup per key (a post has one or two): every arrival asks it."""
        return any(_KNOWN_KEY.first(self.conn, {"key": key}) is not None for key in keys)

    def attach(self, keys: Sequence[str], lead_id: int) -> None:
        _ATTACH_KEY.many(self.conn, [{"b_key": key, "lead_id": lead_id} for key in keys])

    def lead_for(self, keys: Sequence[str]) -> int | None:
        ik = t.intake_keys
        query = select(ik.c.lead_id).where(ik.c.key.in_(list(keys)), ik.c.lead_id.is_not(None))
        found = self.conn.execute(query.limit(1)).scalar()
        return int(found) if found is not None else None


class SqlDeliveryKeys:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def claim(self, platform: str, key: str, at: datetime) -> bool:
        d = t.delivery_keys
        stmt = _upsert_ignore(self.conn, d).values(platform=platform, key=key, created_at=at)
        return self.conn.execute(stmt.returning(d.c.key)).first() is not None

    def reply(self, platform: str, key: str) -> dict[str, Any] | None:
        d = t.delivery_keys
        query = select(d.c.reply).where(d.c.platform == platform, d.c.key == key)
        stored = self.conn.execute(query).scalar_one_or_none()
        return dict(stored) if isinstance(stored, dict) else None

    def save_reply(self, platform: str, key: str, reply: Mapping[str, Any]) -> None:
        d = t.delivery_keys
        where = (d.c.platform == platform) & (d.c.key == key)
        self.conn.execute(update(d).where(where).values(reply=dict(reply)))


class SqlOutbox:
    """Collects the transaction's notices and writes them in one statement before commit."""

    def __init__(self, conn: Connection, reps: SqlReps, now: Any) -> None:
        self.conn = conn
        self.reps = reps
        self.now = now
        self._pending: list[dict[str, Any]] = []

    def add(self, notice: Notice) -> None:
        at = self.now()
        self._pending.append(
            {
                "created_at": at,
                "next_attempt_at": at,
                "lane": _lane(notice),
                "platform": self._platform(notice),
                "notice": notice_json(notice),
            }
        )

    def flush(self) -> None:
        if self._pending:
            _INSERT_OUTBOX.many(self.conn, self._pending)
            self._pending = []

    def _platform(self, notice: Notice) -> str | None:
        if notice.thread is not None:
            return notice.thread.platform
        if notice.rep_id is not None:
            return self.reps.get(notice.rep_id).platform.value
        return notice.platform


def _lane(notice: Notice) -> str:
    """Messages in one lane are delivered in order; lanes don't wait for each other."""
    if notice.lead_id is not None:
        return f"lead:{notice.lead_id}"
    if notice.rep_id is not None:
        return f"rep:{notice.rep_id}"
    return f"channel:{notice.platform}:{notice.channel}"


class SqlDigestRuns:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def claim(self, digest: str, period: str, at: datetime) -> bool:
        stmt = _upsert_ignore(self.conn, t.digest_runs).values(
            digest=digest, period=period, claimed_at=at
        )
        return self.conn.execute(stmt.returning(t.digest_runs.c.digest)).first() is not None
