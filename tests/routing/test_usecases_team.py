"""Managing the rotations, and the rotation's rules as the use cases apply them: weights, away,
working hours, daily caps, the queue and its oldest-first drain, and starting level."""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import pairwise

import pytest

from routing.commands import RotationAway
from routing.errors import InvalidInput, NotAllowed, NotFound
from routing.roles import Platform
from routing.stages import Stage
from routing.usecases.context import Actor
from tests.support.fakes import Desk


def post_leads(desk: Desk, count: int, tag: str = "p") -> None:
    """``count`` distinct leads (distinct company domains, so none matches another)."""
    start = len(desk.uow.leads_list())
    for i in range(start, start + count):
        desk.post(f"Lead: Pat {i}, pat@{tag}{i}.example, Company {i}")


def owners_of_last(desk: Desk, count: int) -> list[str | None]:
    return desk.owners()[-count:]


# --- who may manage the rotations -------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "/rotation add @bob qualifier",
        "/rotation remove @alice qualifier",
        "/rotation add @bob manager",
        "/rotation away @alice",
        "/rotation back @alice",
        "/rotation hours @alice 09:00-17:00",
    ],
)
def test_only_a_manager_changes_rotations_or_sets_someone_else_away_back_or_hours(
    line: str,
) -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    desk.say("carl", "/rotation join closer")
    mark = desk.mark()
    with pytest.raises(NotAllowed) as refused:
        desk.say("carl", line)
    assert refused.value.message.startswith("Only a manager can ")
    assert refused.value.message.endswith(f"Managers: {desk.mention('maya')}.")
    assert desk.mark() == mark
    assert desk.rep("alice").away_until is None


def test_a_manager_named_in_the_settings_may_manage_before_being_flagged() -> None:
    desk = Desk(managers=(), config_managers=("boss",))
    desk.say("boss", "/rotation add @alice qualifier")
    assert desk.uow.membership("qualifier", "alice").weight == 1
    with pytest.raises(NotAllowed) as refused:
        desk.say("alice", "/rotation add @bob qualifier")
    assert refused.value.message.endswith(f"Managers: {desk.mention('boss')}.")


def test_reps_manage_their_own_availability() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    assert desk.say("alice", "/rotation away").reply.startswith("You are away until")
    assert desk.say("alice", "/rotation back").reply.startswith("Welcome back")
    desk.say("alice", "/rotation hours 09:00-17:00 mon-fri")
    assert desk.rep("alice").hours is not None
    desk.say("alice", "/rotation hours off")
    assert desk.rep("alice").hours is None
    assert desk.say("bob", "/rotation join closer").reply == "You joined the closer pool."
    assert desk.say("bob", "/rotation join closer").reply == "You're already in the closer pool."
    assert desk.say("bob", "/rotation leave closer").reply == "You left the closer pool."
    with pytest.raises(NotFound, match="You're not in the closer pool"):
        desk.say("bob", "/rotation leave closer")


def test_nobody_makes_themselves_a_manager() -> None:
    desk = Desk()
    with pytest.raises(NotAllowed, match="Only a manager can make someone a manager"):
        desk.say("bob", "/rotation join manager")
    assert not any(rep.is_manager for rep in desk.uow.committed.reps.values() if rep.name == "bob")


# --- adding and removing ----------------------------------------------------------------------


def test_adding_a_rep_tells_them_their_terms_and_creates_the_pool() -> None:
    desk = Desk()
    outcome = desk.say("maya", "/rotation add @alice qualifier weight=2 cap=20")
    assert outcome.reply == (
        f"Added {desk.mention('alice')} to the qualifier pool: weight 2, cap 20/day."
    )
    [dm] = desk.dms("alice")
    assert dm.text == (
        f"{desk.mention('maya')} added you to the qualifier rotation (weight 2, cap 20/day)."
    )
    member = desk.uow.membership("qualifier", "alice")
    assert (member.weight, member.cap) == (2, 20)


def test_adding_a_rep_again_updates_their_weight_and_cap() -> None:
    desk = Desk()
    desk.say("maya", "/rotation add @alice qualifier weight=2 cap=20")
    outcome = desk.say("maya", "/rotation add @alice qualifier weight=3")
    assert outcome.reply.startswith("Updated")
    member = desk.uow.membership("qualifier", "alice")
    assert (member.weight, member.cap) == (3, None)


def test_a_named_pool_keeps_its_role() -> None:
    desk = Desk()
    desk.say("maya", "/rotation add @dora qualifier pool=dach")
    with pytest.raises(InvalidInput, match="The dach pool is for qualifiers, not closers"):
        desk.say("maya", "/rotation add @carl closer pool=dach")


def test_managers_are_made_and_unmade_with_the_manager_role() -> None:
    desk = Desk()
    desk.say("maya", "/rotation add @ops manager")
    assert desk.rep("ops").is_manager
    desk.say("ops", "/rotation add @alice qualifier")
    desk.say("maya", "/rotation remove @ops manager")
    assert not desk.rep("ops").is_manager
    with pytest.raises(NotAllowed):
        desk.say("ops", "/rotation add @bob qualifier")


def test_removing_a_rep_reminds_the_manager_of_the_leads_they_still_own() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    post_leads(desk, 3)
    outcome = desk.say("maya", "/rotation remove @alice qualifier")
    assert outcome.reply == (
        f"Removed {desk.mention('alice')} from the qualifier pool. They still own 2 open "
        "lead(s) (L-1, L-3): a manager can `/lead reassign <id> @someone`."
    )
    post_leads(desk, 2, tag="q")
    assert owners_of_last(desk, 2) == ["bob", "bob"]
    with pytest.raises(NotFound, match="is not in the qualifier pool"):
        desk.say("maya", "/rotation remove @alice qualifier")


# --- weights ------------------------------------------------------------------------------------


def test_leads_alternate_between_equal_reps() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob carl")
    post_leads(desk, 6)
    assert desk.owners() == ["alice", "bob", "carl"] * 2


def test_a_weight_two_rep_gets_twice_the_leads_spread_out_not_back_to_back() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob carl")
    desk.say("maya", "/rotation add @alice qualifier weight=2")
    post_leads(desk, 12)
    owners = desk.owners()
    assert Counter(owners) == {"alice": 6, "bob": 3, "carl": 3}
    assert all(a != b for a, b in pairwise(owners))


def test_each_assignment_explains_who_got_it_and_why() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    desk.say("maya", "/rotation add @alice qualifier weight=2")
    post_leads(desk, 1)
    assert desk.uow.events_of(1)[-1].payload["explanation"] == (
        "alice is next in the qualifier rotation (weight 2)."
    )


# --- away -------------------------------------------------------------------------------------


def test_an_away_rep_is_skipped_and_the_explanation_says_until_when() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    reply = desk.say("maya", "/rotation away @bob until 30 Nov").reply
    assert reply == f"{desk.mention('bob')} is away until Mon 30 Nov: no new leads in the meantime."
    post_leads(desk, 3)
    assert desk.owners() == ["alice"] * 3
    assert desk.uow.events_of(2)[-1].payload["explanation"] == (
        "alice is next in the qualifier rotation (weight 1). Skipped: bob: away until Mon 30 Nov."
    )


def test_an_away_date_ends_by_itself() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.say("bob", "/rotation away until 25 Nov")
    post_leads(desk, 2)
    desk.clock.advance(days=2)
    post_leads(desk, 2, tag="q")
    assert desk.owners()[:2] == ["alice", "alice"]
    assert sorted(owners_of_last(desk, 2)) == ["alice", "bob"], "no backlog owed for time away"


def test_an_away_date_already_past_is_refused() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    with pytest.raises(InvalidInput, match="already past"):
        desk.relay.execute(
            Actor(Platform.CONSOLE, "alice", "alice"), RotationAway(None, date(2026, 11, 23))
        )
    assert desk.rep("alice").away_until is None


def test_going_away_reminds_the_rep_of_the_leads_they_still_own() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    post_leads(desk, 1)
    assert "still own 1 open lead(s) (L-1)" in desk.say("alice", "/rotation away").reply


# --- working hours ------------------------------------------------------------------------------


def test_a_rep_outside_their_working_hours_is_skipped_with_the_hours_in_the_explanation() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.say("maya", "/rotation hours @bob 10:00-18:00 mon-fri")
    post_leads(desk, 2)
    assert desk.owners() == ["alice", "alice"]
    assert (
        desk.uow.events_of(2)[-1]
        .payload["explanation"]
        .endswith("Skipped: bob: outside working hours (10:00–18:00 Mon–Fri, UTC).")
    )
    desk.clock.advance(hours=1)
    post_leads(desk, 2, tag="q")
    assert "bob" in owners_of_last(desk, 2)


def test_working_hours_are_read_on_the_reps_own_clock() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    desk.say("nick", "/rotation join qualifier", timezone="America/New_York")
    desk.say("nick", "/rotation hours 09:00-17:00 mon-fri")
    post_leads(desk, 2)
    assert desk.owners() == ["alice", "alice"]
    assert (
        "nick: outside working hours (09:00–17:00 Mon–Fri, America/New_York)"
        in (desk.uow.events_of(1)[-1].payload["explanation"])
    )
    desk.clock.advance(hours=5)  # 14:00 UTC is 09:00 in New York
    post_leads(desk, 2, tag="q")
    assert "nick" in owners_of_last(desk, 2)


def test_setting_hours_replies_with_them_in_the_reps_timezone() -> None:
    desk = Desk()
    desk.say("nick", "/rotation join qualifier", timezone="Europe/Berlin")
    assert desk.say("nick", "/rotation hours 08:30-17:00 mon-fri").reply == (
        f"Working hours for {desk.mention('nick')}: 08:30–17:00 (Europe/Berlin)."
    )
    assert desk.say("nick", "/rotation hours off").reply == (
        f"Working hours cleared for {desk.mention('nick')}: available any time."
    )


# --- daily caps ---------------------------------------------------------------------------------


def test_a_rep_at_their_daily_cap_is_skipped_until_their_next_day() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.say("maya", "/rotation add @bob qualifier cap=1")
    post_leads(desk, 4)
    assert desk.owners() == ["alice", "bob", "alice", "alice"]
    assert (
        desk.uow.events_of(4)[-1].payload["explanation"].endswith("Skipped: bob: at daily cap 1/1.")
    )
    desk.clock.advance(days=1)
    post_leads(desk, 2, tag="q")
    assert "bob" in owners_of_last(desk, 2)


def test_the_cap_counts_the_day_on_the_reps_own_clock() -> None:
    desk = Desk()
    desk.say("maya", "/rotation add @kai qualifier cap=1")
    desk.say("kai", "/rotation back", timezone="Asia/Tokyo")
    post_leads(desk, 1)  # Monday 18:00 in Tokyo
    desk.clock.advance(hours=6)  # Tuesday 00:00 in Tokyo, still Monday in UTC
    post_leads(desk, 1, tag="q")
    assert desk.owners() == ["kai", "kai"]


# --- the queue ----------------------------------------------------------------------------------


def test_with_everyone_unavailable_leads_wait_and_the_managers_hear_why() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    desk.say("alice", "/rotation away")
    mark = desk.mark()
    post_leads(desk, 1)
    assert desk.lead(1).stage is Stage.NEW
    thread, told = desk.since(mark)
    assert thread.text.startswith(
        "L-1 is waiting in the queue. Nobody in the qualifier rotation is available "
        "(alice: away until"
    )
    assert told.rep_id == desk.rep("maya").id
    assert told.card is not None


@pytest.mark.parametrize(
    ("who", "line"),
    [
        ("alice", "/rotation back"),
        ("maya", "/rotation back @alice"),
        ("bob", "/rotation join qualifier"),
        ("maya", "/rotation add @bob qualifier"),
    ],
)
def test_queued_leads_go_oldest_first_as_soon_as_someone_is_available(who: str, line: str) -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    desk.say("alice", "/rotation away")
    post_leads(desk, 3)
    outcome = desk.say(who, line)
    assert outcome.reply.endswith(" Assigned from the queue: L-1, L-2, L-3.")
    assert [lead.stage for lead in desk.uow.leads_list()] == [Stage.ASSIGNED] * 3
    assigned = [desk.lead(i).assigned_at for i in (1, 2, 3)]
    assert assigned == [desk.clock.now] * 3
    assert desk.uow.events_of(1)[-1].payload["explanation"].startswith("From the queue.")


def test_the_drain_stops_when_the_returning_rep_reaches_their_cap() -> None:
    desk = Desk()
    desk.say("maya", "/rotation add @alice qualifier cap=2")
    desk.say("alice", "/rotation away")
    post_leads(desk, 3)
    reply = desk.say("alice", "/rotation back").reply
    assert reply.endswith("Assigned from the queue: L-1, L-2.")
    assert [lead.stage for lead in desk.uow.leads_list()] == [
        Stage.ASSIGNED,
        Stage.ASSIGNED,
        Stage.NEW,
    ]


def test_new_working_hours_that_start_now_drain_the_queue() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    desk.say("alice", "/rotation hours 10:00-18:00 mon-fri")
    post_leads(desk, 1)
    assert desk.lead(1).stage is Stage.NEW
    assert desk.say("alice", "/rotation hours 08:00-18:00 mon-fri").reply.endswith(
        "Assigned from the queue: L-1."
    )


def test_each_drained_lead_is_announced_in_its_thread_and_to_its_assignee() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    desk.say("alice", "/rotation away")
    post_leads(desk, 1)
    mark = desk.mark()
    desk.say("alice", "/rotation back")
    texts = [n.text for n in desk.since(mark)]
    assert texts[0].startswith(f"L-1 → {desk.mention('alice')}.")
    assert any(n.rep_id == desk.rep("alice").id and n.card for n in desk.since(mark))


# --- starting level -----------------------------------------------------------------------------


def test_a_rep_who_joins_late_gets_their_share_not_a_flood() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    post_leads(desk, 10)
    desk.say("carl", "/rotation join qualifier")
    post_leads(desk, 6, tag="q")
    assert Counter(owners_of_last(desk, 6)) == {"alice": 2, "bob": 2, "carl": 2}


def test_a_rep_back_from_away_starts_level_with_the_pool() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob carl")
    desk.say("maya", "/rotation add @alice qualifier weight=3")
    desk.say("carl", "/rotation away")
    post_leads(desk, 9)
    desk.say("carl", "/rotation back")
    carl = desk.uow.membership("qualifier", "carl").credit
    others = [desk.uow.membership("qualifier", n).credit for n in ("alice", "bob")]
    assert carl == round(sum(others) / 2)
    post_leads(desk, 5, tag="q")
    assert Counter(owners_of_last(desk, 5))["carl"] == 1


def test_managers_named_in_the_settings_hear_about_waiting_leads_before_they_ever_speak() -> None:
    desk = Desk(managers=(), config_managers=("boss",))
    desk.relay.seed_managers()
    desk.post("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    boss = desk.rep("boss")
    assert boss.is_manager
    assert any(n.rep_id == boss.id and "is waiting" in n.text for n in desk.notices())
