"""A rep's email on SQLite and PostgreSQL: one place the CRM and calendars read alike, the reps
whose chat should be asked for it, and a feed made due again without touching its reading."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from routing.calendars import BusyInterval, BusyKind, RepCalendar
from routing.roles import Platform
from routing.team import Rep
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_a_reps_email_is_the_one_the_crm_reads_and_reps_with_feeds_lack(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    busy = (BusyInterval(NOW, NOW + timedelta(hours=1), BusyKind.BUSY),)
    with SqlUnitOfWork(engine) as uow:
        ann, bob, cy, dee = (
            uow.reps.add(Rep(platform, user_id, name))
            for platform, user_id, name in (
                (Platform.SLACK, "UANN", "ann"),
                (Platform.SLACK, "UBOB", "bob"),
                (Platform.TEAMS, "29:cy", "cy"),
                (Platform.SLACK, "UDEE", "dee"),
            )
        )
        for rep in (ann, bob, cy):
            uow.calendars.save(
                RepCalendar(rep.id or 0, url="https://x.example/c.ics", etag='"e"', busy=busy)
            )
        uow.calendars.save(RepCalendar(dee.id or 0, booking_url="https://cal.example/dee"))
        uow.crm_owners.set(ann.id or 0, owner_id="501")  # an owner, but no email
        uow.rep_emails.set_email(bob.id or 0, "bob@firm.example")
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.crm_owners.email_of(bob.id or 0) == "bob@firm.example"
        assert uow.rep_emails.calendar_reps_without(Platform.SLACK) == ["UANN"]
        assert uow.rep_emails.calendar_reps_without(Platform.TEAMS) == ["29:cy"]
        uow.rep_emails.set_email(ann.id or 0, "ann@firm.example")
        assert uow.crm_owners.owner_of(ann.id or 0) == "501"  # the owner is left as it was
        assert uow.rep_emails.calendar_reps_without(Platform.SLACK) == []
        uow.calendars.claim_due(NOW, NOW)
        uow.calendars.save(
            RepCalendar(
                bob.id or 0, url="https://x.example/c.ics", etag='"e"', read_at=NOW, busy=busy
            )
        )
        uow.calendars.read_again(bob.id or 0)
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        again = uow.calendars.get(bob.id or 0)
        assert again is not None
        assert (again.checked_at, again.read_at, again.etag, again.busy) == (
            None,
            None,
            '"e"',
            busy,
        )
        assert [c.rep_id for c in uow.calendars.claim_due(NOW, NOW)] == [bob.id]
    engine.dispose()
