"""A profile edit in chat renames the rep Baton keeps (and moves their timezone), by the one rule
for outside text, and never adds someone who is not in the team."""

from __future__ import annotations

from routing import limits
from routing.relay import SYSTEM
from routing.roles import Platform
from routing.status import DEFAULT_AWAY, ChatStatus
from routing.team import Rep
from routing.usecases.context import Ctx, Outcome
from routing.usecases.profile import profile_changed, user_changed
from tests.support.fakes import Desk


def _with_bob(desk: Desk) -> Rep:
    with desk.uow as uow:
        rep = uow.reps.add(Rep(Platform.SLACK, "UBOB", "bob", "UTC"))
        uow.commit()
    return rep


def _rename(desk: Desk, name: str | None, timezone: str | None = None) -> Outcome:
    def use_case(ctx: Ctx) -> Outcome:
        return profile_changed(ctx, Platform.SLACK, "UBOB", name, timezone)

    return desk.relay.run(SYSTEM, use_case)


def _bob(desk: Desk) -> Rep | None:
    with desk.uow as uow:
        return uow.reps.find(Platform.SLACK, "UBOB")


def test_a_rep_renamed_in_chat_is_stored_with_the_new_name_and_timezone() -> None:
    desk = Desk()
    _with_bob(desk)
    outcome = _rename(desk, "Bob Baker", "Europe/Berlin")
    bob = _bob(desk)
    assert bob is not None
    assert (bob.name, bob.timezone) == ("Bob Baker", "Europe/Berlin")
    assert outcome.reply == "bob is now named Bob Baker."


def test_someone_outside_the_team_is_not_added() -> None:
    desk = Desk()
    assert _rename(desk, "Stranger").reply == "Not in Baton's team."
    assert _bob(desk) is None


def test_an_empty_name_keeps_the_one_stored_and_nothing_changed_says_so() -> None:
    desk = Desk()
    _with_bob(desk)
    assert _rename(desk, "   ").reply.endswith("profile is unchanged.")
    assert _rename(desk, "bob", "UTC").reply.endswith("profile is unchanged.")
    bob = _bob(desk)
    assert bob is not None
    assert bob.name == "bob"


def test_a_name_enters_by_the_storable_rule_and_a_bad_timezone_is_passed_over() -> None:
    desk = Desk()
    _with_bob(desk)
    name = "Le\u0301\x00a " + "x" * 500  # a NUL, a combining accent (NFC), too long
    _rename(desk, name, "Z" * 500)
    bob = _bob(desk)
    assert bob is not None
    assert bob.name == limits.fitted_text(name, limits.REP_NAME)
    assert "\x00" not in bob.name
    assert len(bob.name) <= limits.REP_NAME
    assert bob.timezone == "UTC"


def test_a_profile_edit_renames_and_applies_the_status_together() -> None:
    desk = Desk()
    _with_bob(desk)

    def use_case(ctx: Ctx) -> Outcome:
        status = ChatStatus(":palm_tree:", "Vacationing")
        return user_changed(ctx, Platform.SLACK, "UBOB", "Bob Baker", None, status, DEFAULT_AWAY)

    outcome = desk.relay.run(SYSTEM, use_case)
    bob = _bob(desk)
    assert bob is not None
    assert bob.name == "Bob Baker"
    assert bob.away_status is not None
    assert "is away" in outcome.reply
