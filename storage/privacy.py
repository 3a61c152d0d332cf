"""A contact's rights in SQL: find what is stored about a person, export it, erase it; and the
retention job's purge of old raw texts and delivered payloads.

What each column may hold is declared once in :mod:`storage.privacy_map`; this module works from
that map, so a table added there is exported and erased with the others. Text is searched in SQL
(a case-insensitive ``LIKE`` on the column as text, JSON included) and then scrubbed in Python
(:class:`routing.privacy.Scrubber`), row by row, by primary key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Table,
    Text,
    and_,
    cast,
    delete,
    false,
    func,
    or_,
    select,
    update,
)

from routing import limits
from routing.lead import SourceRef
from routing.privacy import (
    DETAILS_ERASED,
    DROPPED_KEYS,
    KEPT_FIELDS,
    Person,
    PostedMessage,
    Scrubber,
    erased_fields,
    erased_key,
    identifiers_of,
    unambiguous,
)
from storage import tables as t
from storage.codec import Row
from storage.privacy_map import COLUMNS, LEAD_LINKS, contact_columns, mentioning
from storage.repositories import _upsert_ignore

TABLES: dict[str, Table] = {table.name: table for table in t.metadata.sorted_tables}


class SqlPrivacy:
    """One transaction's view of a contact's stored data."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # --- finding the person ----------------------------------------------------------------

    def person(self, *, email: str | None = None, lead_id: int | None = None) -> Person:
        """The leads held about the person with ``email`` (as their email, or in a raw post or
        payload that could not be read) or about the contact of ``lead_id`` (and their other
        leads under the same email), with the values that identify them."""
        leads = t.leads
        found: set[int] = set()
        emails: set[str] = set()
        if lead_id is not None:
            row = self.conn.execute(select(leads.c.email).where(leads.c.id == lead_id)).first()
            if row is not None:
                found.add(lead_id)
                if row.email:
                    emails.add(row.email)
        if email:
            emails.add(email.strip())
        for address in list(emails):
            lowered = address.lower()
            query = select(leads.c.id).where(
                or_(
                    func.lower(leads.c.email) == lowered,
                    func.lower(leads.c.raw_text).contains(lowered, autoescape=True),
                )
            )
            found.update(int(i) for i in self.conn.execute(query).scalars())
        rows = self.conn.execute(
            select(leads.c.email, leads.c.name, leads.c.phone).where(leads.c.id.in_(found))
        ).all()
        values = [*emails, *(v for r in rows for v in (r.email, r.name, r.phone))]
        return Person(tuple(sorted(found)), identifiers_of(values))

    # --- export ------------------------------------------------------------------------------

    def export(self, person: Person) -> dict[str, list[dict[str, Any]]]:
        """Every stored row about ``person``, by table: the rows of their leads, and every other
        row whose text names them."""
        scrub = Scrubber(person.identifiers)
        document: dict[str, list[dict[str, Any]]] = {}
        for name, table in TABLES.items():
            rows = [
                {k: _plain(v) for k, v in row.items()}
                for row in self._rows_about(table, person, scrub)
            ]
            if rows:
                document[name] = rows
        return document

    def _rows_about(self, table: Table, person: Person, scrub: Scrubber) -> list[Row]:
        linked = self._linked(table, person.lead_ids)
        where = [w for w in (linked, self._naming(table, person.identifiers)) if w is not None]
        if not where:
            return []
        key = list(table.primary_key.columns)
        rows = self.conn.execute(select(table).where(or_(*where)).order_by(*key)).mappings()
        columns = [*mentioning(table.name), *contact_columns(table.name)]
        return [
            row
            for row in rows
            if self._belongs(table, row, person)
            or any(scrub.json_finds(row[c]) for c in columns if row[c] is not None)
        ]

    def _belongs(self, table: Table, row: Row, person: Person) -> bool:
        column = LEAD_LINKS.get(table.name)
        if column is not None:
            return row[column] in person.lead_ids
        if table is t.outbox:
            return row["lane"] in _lanes(person.lead_ids)
        return False

    def _linked(self, table: Table, lead_ids: Sequence[int]) -> ColumnElement[bool] | None:
        column = LEAD_LINKS.get(table.name)
        if not lead_ids:
            return None
        if column is not None:
            return table.c[column].in_(list(lead_ids))
        if table is t.outbox:
            return table.c.lane.in_(_lanes(lead_ids))
        return None

    def _naming(self, table: Table, identifiers: Sequence[str]) -> ColumnElement[bool] | None:
        """Rows whose text columns may name an identifier (a superset: Python decides)."""
        columns = [*mentioning(table.name), *contact_columns(table.name)]
        tests = [
            func.lower(cast(table.c[c], Text)).contains(needle, autoescape=True)
            for c in columns
            for needle in _needles(identifiers, json_=isinstance(table.c[c].type, JSON))
        ]
        return or_(*tests) if tests else None

    def posted_messages(self, lead_ids: Sequence[int]) -> list[PostedMessage]:
        """Baton's own messages about the leads, by their platform ids, oldest first: replies
        in each lead's thread (not its card, which is updated as a card) and direct messages."""
        o = t.outbox
        rows = self.conn.execute(
            select(o.c.lane, o.c.notice, o.c.sent_ref)
            .where(o.c.lane.in_(_lanes(lead_ids)), o.c.status == "sent", o.c.sent_ref.is_not(None))
            .order_by(o.c.id)
        ).all()
        found: list[PostedMessage] = []
        for row in rows:
            notice = row.notice or {}
            lead_id = int(row.lane.removeprefix("lead:"))
            rep_id = notice.get("rep_id")
            if isinstance(rep_id, int):
                found.append(PostedMessage(lead_id, rep_id, row.sent_ref))
            elif notice.get("thread") and not (notice.get("card") or notice.get(HAD_CARD)):
                found.append(PostedMessage(lead_id, None, row.sent_ref))
        return found

    # --- erasure -----------------------------------------------------------------------------

    def erase(self, person: Person, salt: str, day: str) -> int:
        """Take ``person``'s details out of every table; returns the rows changed.

        Their leads keep what the figures read (:mod:`routing.privacy`); their intake keys stay
        as salted hashes; every other row naming them has the identifying values replaced."""
        scrub = Scrubber(person.identifiers)
        own = Scrubber(identifiers_of([*person.identifiers, *self._dropped(person)]))
        changed = self._erase_leads(person, own, day)
        changed += self._erase_lead_outbox(person, own)
        changed += self._hash_keys(person, salt)
        for table in TABLES.values():
            changed += self._scrub_mentions(table, person, scrub)
        return changed

    def _dropped(self, person: Person) -> list[str]:
        """The free text an erasure drops from the person's leads (notes, fields no figure
        reads): also taken out of the messages about those leads, which quoted it."""
        leads = t.leads
        rows = self.conn.execute(
            select(leads.c.fields, leads.c.qualification).where(
                leads.c.id.in_(list(person.lead_ids))
            )
        ).all()
        dropped: list[str] = []
        for row in rows:
            fields = row.fields or {}
            dropped += [str(v) for k, v in fields.items() if k not in KEPT_FIELDS]
            dropped += [str(v) for k, v in (row.qualification or {}).items() if k in DROPPED_KEYS]
        return dropped

    def _erase_leads(self, person: Person, scrub: Scrubber, day: str) -> int:
        leads = t.leads
        rows = self.conn.execute(
            select(leads).where(leads.c.id.in_(list(person.lead_ids)))
        ).mappings()
        changed = 0
        for row in list(rows):
            values = {
                "email": None,
                "name": None,
                "phone": None,
                "raw_text": None,
                "fields": erased_fields(row["fields"] or {}, day, scrub),
                "qualification": (
                    scrub.json(row["qualification"], drop=DROPPED_KEYS)
                    if row["qualification"]
                    else None
                ),
            }
            self.conn.execute(update(leads).where(leads.c.id == row["id"]).values(**values))
            events = t.lead_events
            for event in list(
                self.conn.execute(
                    select(events.c.id, events.c.payload).where(events.c.lead_id == row["id"])
                )
            ):
                payload = scrub.json(event.payload or {}, drop=DROPPED_KEYS)
                if payload != event.payload:
                    self.conn.execute(
                        update(events).where(events.c.id == event.id).values(payload=payload)
                    )
            changed += 1
        return changed

    def _erase_lead_outbox(self, person: Person, scrub: Scrubber) -> int:
        """The lead's own messages (cards, thread replies, DMs about it): the card's details
        become "details erased", the text is scrubbed."""
        o = t.outbox
        rows = self.conn.execute(
            select(o.c.id, o.c.notice).where(o.c.lane.in_(_lanes(person.lead_ids)))
        ).all()
        for row in rows:
            notice = scrub.json(dict(row.notice))
            card = notice.get("card")
            if isinstance(card, dict):
                company = (card.get("details") or {}).get("Company")
                card["details"] = {
                    **({"Company": company} if company else {}),
                    "Contact": DETAILS_ERASED,
                }
                card["title"] = f"{company} — {DETAILS_ERASED}" if company else DETAILS_ERASED
                card["qualification"] = None
            self.conn.execute(update(o).where(o.c.id == row.id).values(notice=notice))
        return len(rows)

    def _hash_keys(self, person: Person, salt: str) -> int:
        """The intake keys of the person's posts, rows and calls, as salted hashes."""
        keys = t.intake_keys
        ids = list(person.lead_ids)
        chat = [_chat_key(ref) for ref in self._sources(ids)]
        found = self.conn.execute(
            select(keys.c.key, keys.c.created_at, keys.c.lead_id).where(
                or_(keys.c.lead_id.in_(ids), keys.c.key.in_(chat) if chat else false())
            )
        ).all()
        for row in found:
            if row.key.startswith("erased:"):
                continue
            self.conn.execute(delete(keys).where(keys.c.key == row.key))
            self.conn.execute(
                _upsert_ignore(self.conn, keys).values(
                    key=erased_key(salt, row.key), created_at=row.created_at, lead_id=row.lead_id
                )
            )
        return len(found)

    def _sources(self, lead_ids: Sequence[int]) -> list[SourceRef]:
        leads = t.leads
        rows = self.conn.execute(
            select(
                leads.c.source_platform, leads.c.source_channel, leads.c.source_message_id
            ).where(leads.c.id.in_(list(lead_ids)), leads.c.source_message_id.is_not(None))
        ).all()
        return [SourceRef(r[0], r[1], r[2]) for r in rows if r[0] and r[1] and r[2]]

    def _scrub_mentions(self, table: Table, person: Person, scrub: Scrubber) -> int:
        """Every row naming the person: text that may mention anyone loses every identifier;
        another lead's own details lose only the unambiguous ones (an email, a phone number),
        since a name there may be someone else's."""
        sure = Scrubber(unambiguous(person.identifiers))
        scrubbers = dict.fromkeys(mentioning(table.name), scrub)
        scrubbers.update(dict.fromkeys(contact_columns(table.name), sure))
        where = self._naming(table, person.identifiers) if scrubbers else None
        if where is None:
            return 0
        key = list(table.primary_key.columns)
        changed = 0
        for row in list(self.conn.execute(select(table).where(where)).mappings()):
            values = {
                c: how.json(row[c])
                for c, how in scrubbers.items()
                if row[c] is not None and how.json_finds(row[c])
            }
            if values:
                self.conn.execute(
                    update(table).where(and_(*(k == row[k.name] for k in key))).values(**values)
                )
                changed += 1
        return changed

    # --- retention ---------------------------------------------------------------------------

    def purge(self, before: datetime) -> dict[str, int]:
        """Clear raw post texts and payloads kept with leads created before ``before``, the
        payloads of outbox rows delivered before it and the replies kept for redeliveries
        before it; the leads' fields stay."""
        leads, o, d = t.leads, t.outbox, t.delivery_keys
        raw = self.conn.execute(
            update(leads)
            .where(leads.c.created_at < before, leads.c.raw_text.is_not(None))
            .values(raw_text=None)
        ).rowcount
        delivered = list(
            self.conn.execute(
                select(o.c.id, o.c.notice).where(o.c.status == "sent", o.c.sent_at < before)
            )
        )
        cleared = 0
        for row in delivered:
            notice = _cleared_notice(row.notice)
            if notice != row.notice:
                self.conn.execute(update(o).where(o.c.id == row.id).values(notice=notice))
                cleared += 1
        replies = self.conn.execute(
            update(d).where(d.c.created_at < before, d.c.reply.is_not(None)).values(reply=None)
        ).rowcount
        return {"raw_texts": raw, "outbox_payloads": cleared, "delivery_replies": replies}


CLEARED = "cleared"
"""The key a delivered outbox row's notice keeps once its payload was cleared (retention)."""
HAD_CARD = "had_card"
"""Whether a cleared row was a card: an erasure updates a card as a card, not as a reply."""


def _cleared_notice(notice: Mapping[str, Any]) -> dict[str, Any]:
    """What a delivered row keeps: where it went, never what it said."""
    kept = ("kind", "rep_id", "thread", "channel", "platform", "lead_id", "update_card")
    was = {k: notice.get(k) for k in kept}
    return {
        **was,
        "text": "",
        HAD_CARD: bool(notice.get("card") or notice.get(HAD_CARD)),
        CLEARED: True,
    }


def _lanes(lead_ids: Iterable[int]) -> list[str]:
    return [f"lead:{i}" for i in lead_ids]


def _chat_key(ref: SourceRef) -> str:
    """The intake key a channel post was stored under (:func:`routing.arrival.intake_keys`)."""
    prefix = f"{ref.platform}:"
    return limits.fitted_key(f"{prefix}msg:{ref.channel}:{ref.message_id}", prefix)


def _needles(identifiers: Sequence[str], *, json_: bool) -> list[str]:
    """What to look for in a column as lower-cased text: the value itself, and in a JSON column
    also as JSON writes it (non-ASCII escaped)."""
    found: set[str] = set()
    for value in identifiers:
        lowered = value.lower()
        found.add(lowered)
        if json_:
            found.add(json.dumps(lowered)[1:-1].lower())
            found.add(json.dumps(value)[1:-1].lower())
    return sorted(found)


def _plain(value: Any) -> Any:
    """A stored value as JSON can hold it."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def classified_tables() -> set[str]:
    return set(COLUMNS)
