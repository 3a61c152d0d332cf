"""A rep's CRM owner: the id a manager set, else looked up once by email and remembered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.crm.owners import OwnerResolver
from routing.crm.port import CrmRefused

T0 = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


class Owners:
    def __init__(self) -> None:
        self.rows: dict[int, tuple[str | None, str | None]] = {}

    def owner_of(self, rep_id: int) -> str | None:
        return self.rows.get(rep_id, (None, None))[1]

    def email_of(self, rep_id: int) -> str | None:
        return self.rows.get(rep_id, (None, None))[0]

    def set(self, rep_id: int, *, email: str | None = None, owner_id: str | None = None) -> None:
        old = self.rows.get(rep_id, (None, None))
        self.rows[rep_id] = (email or old[0], owner_id or old[1])


def test_an_email_is_looked_up_once_then_remembered_and_a_miss_asked_again_an_hour_later() -> None:
    owners, asked, now = Owners(), [], [T0]
    owners.set(1, email="alice@acme.io")
    owners.set(2, email="nobody@acme.io")
    found = {"alice@acme.io": "501"}

    def lookup(email: str) -> str | None:
        asked.append(email)
        return found.get(email)

    resolve = OwnerResolver(owners, lookup, lambda: now[0])
    assert resolve(1) == "501"
    assert resolve(1) == "501"
    assert resolve(2) is None
    assert resolve(2) is None
    assert asked == ["alice@acme.io", "nobody@acme.io"]
    now[0] = T0 + timedelta(hours=2)
    assert resolve(2) is None
    assert asked.count("nobody@acme.io") == 2
    assert resolve(3) is None  # no email, no owner: HubSpot's owner stays


def test_a_refused_lookup_leaves_the_owner_unset_rather_than_failing_the_write() -> None:
    owners = Owners()
    owners.set(1, email="bad@@acme.io")

    def lookup(_email: str) -> str | None:
        raise CrmRefused("HubSpot 400: invalid email")

    assert OwnerResolver(owners, lookup, lambda: T0)(1) is None
