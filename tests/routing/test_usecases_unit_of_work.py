"""The in-memory unit of work the use-case tests run on keeps the promises of the real one."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

import pytest

from routing import ports
from routing.errors import BatonError, NotAllowed, NotFound
from routing.lead import Lead
from routing.notices import Notice
from routing.roles import Platform, Role
from routing.stages import Stage
from routing.team import Membership, Rep
from routing.usecases.context import Actor, Ctx, Outcome
from tests.support import fakes
from tests.support.fakes import Desk, FakeUnitOfWork

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

_FAKE_FOR = {
    ports.RepRepository: fakes.FakeReps,
    ports.PoolRepository: fakes.FakePools,
    ports.LeadRepository: fakes.FakeLeads,
    ports.IntakeKeys: fakes.FakeIntakeKeys,
    ports.DeliveryKeys: fakes.FakeDeliveryKeys,
    ports.Outbox: fakes.FakeOutbox,
    ports.DigestRuns: fakes.FakeDigestRuns,
    ports.UnitOfWork: fakes.FakeUnitOfWork,
}


def _members(protocol: type) -> dict[str, object]:
    return {
        name: value
        for name, value in vars(protocol).items()
        if not name.startswith("_") or name in {"__enter__", "__exit__"}
        if callable(value) or isinstance(value, property)
    }


@pytest.mark.parametrize("protocol", list(_FAKE_FOR), ids=lambda p: p.__name__)
def test_the_fake_has_every_member_of_each_port_with_the_same_parameters(protocol: type) -> None:
    fake = _FAKE_FOR[protocol]
    for name, declared in _members(protocol).items():
        implemented = getattr(fake, name)
        if isinstance(declared, property):
            assert isinstance(implemented, property), name
            continue
        wanted = list(inspect.signature(declared).parameters)  # type: ignore[arg-type]
        assert list(inspect.signature(implemented).parameters) == wanted, name


def _add_lead(uow: FakeUnitOfWork) -> Lead:
    lead = Lead(company="Acme", email="a@acme.io", fields={"domain": "acme.io"})
    lead.record_creation(NOW, None)
    return uow.leads.add(lead)


def test_nothing_is_kept_unless_committed() -> None:
    uow = FakeUnitOfWork()
    with uow:
        _add_lead(uow)
        uow.outbox.add(Notice(text="hi", channel="C1", platform="slack"))
    assert uow.committed.leads == {}
    assert uow.committed.outbox == []
    with uow:
        assert uow.leads.owned_by(1) == []


def test_a_commit_keeps_the_work_and_an_error_after_it_keeps_only_what_was_committed() -> None:
    uow = FakeUnitOfWork()

    def fail_after_commit() -> None:
        with uow:
            lead = _add_lead(uow)
            uow.commit()
            lead.assign(1, NOW, "first")
            uow.leads.save(lead)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_after_commit()
    assert uow.lead(1).stage is Stage.NEW
    assert [e.type.value for e in uow.events_of(1)] == ["created"]


def test_rollback_inside_a_transaction_forgets_the_uncommitted_work() -> None:
    uow = FakeUnitOfWork()
    with uow:
        _add_lead(uow)
        uow.rollback()
        with pytest.raises(NotFound, match="There is no lead L-1"):
            uow.leads.get(1)


def test_a_lead_is_read_as_a_copy_so_only_a_saved_change_counts() -> None:
    uow = FakeUnitOfWork()
    with uow:
        _add_lead(uow)
        lead = uow.leads.get(1)
        lead.assign(7, NOW, "unsaved")
        assert uow.leads.get(1).stage is Stage.NEW
        uow.leads.save(lead)
        assert uow.leads.get(1).stage is Stage.ASSIGNED
        assert [e.id for e in uow.leads.events(1)] == [1, 2]
        assert {e.lead_id for e in uow.leads.events(1)} == {1}


def test_reps_are_one_object_per_transaction_like_an_identity_map() -> None:
    uow = FakeUnitOfWork()
    with uow:
        rep = uow.reps.add(Rep(Platform.SLACK, "U1", "alice"))
        assert uow.reps.get(rep.id or 0) is rep
        rep.is_manager = True
        uow.reps.save(rep)
        uow.commit()
    with uow:
        assert [r.name for r in uow.reps.managers()] == ["alice"]
        assert uow.reps.find(Platform.TEAMS, "U1") is None


def test_a_duplicate_rep_or_membership_breaks_a_constraint() -> None:
    uow = FakeUnitOfWork()
    with uow:
        rep = uow.reps.add(Rep(Platform.SLACK, "U1", "alice"))
        with pytest.raises(ValueError, match="duplicate rep"):
            uow.reps.add(Rep(Platform.SLACK, "U1", "alice again"))
        with pytest.raises(ValueError, match="constraint"):
            uow.pools.add_member(Membership("closer", rep))
        uow.pools.ensure("closer", Role.CLOSER)
        uow.pools.add_member(Membership("closer", rep))
        with pytest.raises(ValueError, match="constraint"):
            uow.pools.add_member(Membership("closer", rep))


def test_pool_members_come_back_in_position_order_with_saved_credits() -> None:
    uow = FakeUnitOfWork()
    with uow:
        uow.pools.ensure("qualifier", Role.QUALIFIER)
        bob = uow.reps.add(Rep(Platform.SLACK, "U2", "bob"))
        alice = uow.reps.add(Rep(Platform.SLACK, "U1", "alice"))
        uow.pools.add_member(Membership("qualifier", bob, position=1))
        uow.pools.add_member(Membership("qualifier", alice, position=0))
        members = uow.pools.members("qualifier")
        assert [m.rep.name for m in members] == ["alice", "bob"]
        members[0].credit = 5
        assert uow.pools.members("qualifier")[0].credit == 0
        uow.pools.save_members(members)
        assert uow.pools.members("qualifier")[0].credit == 5
        assert [p.name for p, _m in uow.pools.memberships_of(bob.id or 0)] == ["qualifier"]
        assert uow.pools.remove_member("qualifier", bob.id or 0)
        assert not uow.pools.remove_member("qualifier", bob.id or 0)


def test_an_intake_key_is_claimed_once_and_any_known_key_makes_a_retry() -> None:
    uow = FakeUnitOfWork()
    with uow:
        assert uow.intake.claim(["msg:1", "event:a"], NOW)
        assert not uow.intake.claim(["msg:1", "event:b"], NOW)
        assert not uow.intake.claim(["msg:2", "event:a"], NOW)
        assert uow.intake.claim(["msg:3"], NOW)
        uow.commit()
    assert set(uow.committed.intake_keys) == {"msg:1", "event:a", "event:b", "msg:2", "msg:3"}


def test_a_digest_is_claimed_once_per_period() -> None:
    uow = FakeUnitOfWork()
    with uow:
        assert uow.digests.claim("daily", "2026-11-23", NOW)
        assert not uow.digests.claim("daily", "2026-11-23", NOW)
        assert uow.digests.claim("daily", "2026-11-24", NOW)


def test_a_notice_needs_exactly_one_destination() -> None:
    uow = FakeUnitOfWork()
    with uow, pytest.raises(ValueError, match="exactly one destination"):
        uow.outbox.add(Notice(text="lost"))


def test_open_matches_prefer_the_same_email_then_the_newest_lead() -> None:
    uow = FakeUnitOfWork()
    with uow:
        for email in ("sam@acme.io", "kim@acme.io", "lee@acme.io"):
            lead = Lead(company="Acme", email=email, fields={"domain": "acme.io"})
            lead.assign(1, NOW, "x")
            uow.leads.add(lead)
        assert (uow.leads.find_open_match("sam@acme.io", "acme.io") or Lead(None, None)).id == 1
        assert (uow.leads.find_open_match("new@acme.io", "acme.io") or Lead(None, None)).id == 3
        assert uow.leads.find_open_match("new@gmail.com", None) is None
        assert uow.leads.find_open_match(None, None) is None


def test_a_use_case_that_raises_leaves_no_trace_not_even_the_new_rep() -> None:
    desk = Desk()

    def refuse(ctx: Ctx) -> Outcome:
        ctx.uow.outbox.add(Notice(text="never sent", rep_id=ctx.actor.id))
        raise NotAllowed("no")

    before = desk.mark()
    with pytest.raises(BatonError):
        desk.relay.run(Actor(Platform.SLACK, "U9", "newcomer"), refuse)
    assert desk.mark() == before
    assert [r.name for r in desk.uow.committed.reps.values()] == ["maya"]
