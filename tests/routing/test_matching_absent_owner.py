"""A lead whose contact already has an owner, when that owner is away or off shift: it says so,
waits for them as long as its pool waits (24 h unless the rules file says otherwise), and goes
to the rotation when the owner is gone for longer or the wait is over."""

from __future__ import annotations

import pytest

from routing.errors import InvalidInput
from routing.rules import DEFAULT_WAIT_FOR_OWNER_HOURS, ruleset_from_data
from routing.stages import Stage
from tests.support.fakes import Desk

FIRST = "Lead: Sam Ortiz, sam@acme.io, Acme"
AGAIN = "Lead: Kim Lee, kim@acme.io, Acme"
SAME = "Same domain acme.io as L-1 (Acme — Sam Ortiz, working)"


def _desk(**kwargs: object) -> Desk:
    """bob owns Acme (L-1, claimed); alice is the rest of the qualifier rotation."""
    desk = Desk(**kwargs)  # type: ignore[arg-type]
    desk.team(qualifier="bob alice")
    desk.post(FIRST)
    desk.say("bob", "/lead claim 1")
    return desk


def test_an_owner_away_past_the_wait_is_passed_over_at_once_and_the_thread_says_why() -> None:
    desk = _desk()
    desk.say("maya", "/rotation away @bob until 31 Dec")
    mark = desk.mark()
    desk.post(AGAIN)
    assert desk.owner(2) == "alice"
    thread = desk.since(mark)[0].text
    assert thread.startswith(
        f"L-2 → {desk.mention('alice')}. {SAME}, but its owner bob is away until Thu 31 Dec and "
        "the qualifier pool waits 24 h for an account's owner, so it goes to the rotation. "
    )


def test_an_owner_away_until_they_are_back_is_waited_for_and_gets_the_lead_when_back() -> None:
    desk = _desk()
    desk.say("maya", "/rotation away @bob")
    mark = desk.mark()
    desk.post(AGAIN)
    assert desk.lead(2).stage is Stage.NEW
    assert desk.owner(2) is None
    thread = desk.since(mark)[0].text
    assert thread == (
        f"L-2 waits for {desk.mention('bob')}. {SAME}, whose owner bob is away until they're "
        "back. It goes to bob as soon as they're available, or to the rotation at "
        "Tue 24 Nov 09:00 (the qualifier pool waits 24 h for an account's owner)."
    )
    assert any(n.text.startswith("L-2 (Acme — Kim Lee) waits for you.") for n in desk.dms("bob"))
    assert not any("L-2" in n.text for n in desk.dms("maya")), "a rule followed pages nobody"
    desk.clock.advance(hours=3)
    desk.sweep()
    assert desk.owner(2) is None, "still waiting"
    desk.say("maya", "/rotation back @bob")
    assert desk.owner(2) == "bob"


def test_when_the_wait_is_over_the_lead_goes_to_the_rotation_and_says_the_owner_was_away() -> None:
    desk = _desk()
    desk.say("maya", "/rotation away @bob")
    desk.post(AGAIN)
    desk.clock.advance(hours=23, minutes=59)
    desk.sweep()
    assert desk.owner(2) is None
    desk.clock.advance(minutes=1)
    desk.sweep()
    assert desk.owner(2) == "alice"
    explanation = str(desk.uow.events_of(2)[-1].payload["explanation"])
    assert explanation.startswith(f"From the queue. {SAME}, but its owner bob is still away")


def test_an_owner_off_shift_who_is_back_within_the_wait_gets_the_lead_at_the_start_of_it() -> None:
    desk = _desk()
    desk.say("maya", "/rotation hours @bob 10:00-18:00 mon-fri")
    desk.post(AGAIN)  # Monday 09:00 UTC: bob starts at 10:00
    assert desk.owner(2) is None
    desk.clock.advance(minutes=59)
    desk.sweep()
    assert desk.owner(2) is None
    desk.clock.advance(minutes=1)
    desk.sweep()
    assert desk.owner(2) == "bob"


def test_a_pool_that_does_not_wait_sends_the_lead_to_the_rotation_at_once() -> None:
    rules = ruleset_from_data({"pools": {"qualifier": {"wait_for_owner_hours": 0}}})
    desk = _desk(rules=rules)
    desk.say("maya", "/rotation away @bob")
    desk.post(AGAIN)
    assert desk.owner(2) == "alice"
    explanation = str(desk.uow.events_of(2)[-1].payload["explanation"])
    assert "the qualifier pool does not wait for an account's owner" in explanation


def test_an_available_owner_still_gets_the_lead_as_before() -> None:
    desk = _desk()
    desk.post(AGAIN)
    assert desk.owner(2) == "bob"


def test_the_wait_is_read_per_pool_from_the_rules_file_with_a_days_default() -> None:
    rules = ruleset_from_data({"pools": {"enterprise": {"wait_for_owner_hours": 4.5}}})
    assert rules.wait_for_owner_hours("enterprise") == 4.5
    assert rules.wait_for_owner_hours("qualifier") == DEFAULT_WAIT_FOR_OWNER_HOURS == 24


@pytest.mark.parametrize("hours", [-1, "24", True, 10_000, float("nan")])
def test_a_wait_that_is_not_a_number_of_hours_is_refused_when_the_file_is_read(
    hours: object,
) -> None:
    with pytest.raises(InvalidInput, match="'wait_for_owner_hours' must be a number of hours"):
        ruleset_from_data({"pools": {"qualifier": {"wait_for_owner_hours": hours}}})
