"""A rep's email, one place for every reader (``routing.ports.RepEmails``): the CRM matches
owners by it, calendars recognise the rep's own attendance by it, invitations name the closer by
it. It lives in ``crm_owners.email``, where the HubSpot work first kept it; that column is the
only copy, so the CRM's ``SqlCrmOwnersOn`` and this port always agree."""

from __future__ import annotations

from sqlalchemy import Connection, select

from routing.roles import Platform
from storage import tables as t
from storage.repositories import upsert


class SqlRepEmailsOn:
    """Reps' emails inside a transaction (``uow.rep_emails``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def email_of(self, rep_id: int) -> str | None:
        c = t.crm_owners
        return self.conn.execute(select(c.c.email).where(c.c.rep_id == rep_id)).scalar()

    def set_email(self, rep_id: int, email: str) -> None:
        stmt = upsert(self.conn, t.crm_owners, ["rep_id"], {"email": email})
        self.conn.execute(stmt.values(rep_id=rep_id, email=email))

    def calendar_reps_without(self, platform: Platform) -> list[str]:
        """User ids of ``platform``'s reps with a calendar feed and no known email: whose
        email their chat should be asked for, so their declined invitations count as free."""
        r, c, f = t.reps, t.crm_owners, t.rep_calendars
        rows = self.conn.execute(
            select(r.c.user_id)
            .join(f, f.c.rep_id == r.c.id)
            .outerjoin(c, c.c.rep_id == r.c.id)
            .where(r.c.platform == platform.value, f.c.url.is_not(None), c.c.email.is_(None))
            .order_by(r.c.id)
        ).scalars()
        return [str(user_id) for user_id in rows]
