"""Managing the rotations, and the rotation's rules as the use cases apply them: weights, away,
working hours, daily caps, the queue and its oldest-first drain, and starting level."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Collection
from datetime import date
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.commands import RotationAway
from routing.commands.words import self_join_roles
from routing.errors import InvalidInput, NotAllowed, NotFound
from routing.roles import Platform
from routing.rules import Rule, RuleSet, parse_condition
from routing.stages import OPEN_STAGES, Stage
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
    desk = Desk(self_join=("closer",))
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
    desk = Desk(self_join=("closer",))
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
        "leads (L-1, L-3): a manager can `/lead reassign <id> @someone`."
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
    assert "still own 1 open lead (L-1)" in desk.say("alice", "/rotation away").reply


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
    desk = Desk(self_join=("qualifier",))
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
    desk = Desk(self_join=("qualifier",))
    desk.say("nick", "/rotation join qualifier", timezone="Europe/Berlin")
    assert desk.say("nick", "/rotation hours 08:30-17:00 mon-fri").reply == (
        f"Working hours for {desk.mention('nick')}: 08:30–17:00 Mon–Fri (Europe/Berlin)."
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
    desk = Desk(self_join=("qualifier",))
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
    desk = Desk(self_join=("qualifier",))
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
    post_leads(desk, 5, tag="q")
    assert Counter(owners_of_last(desk, 5))["carl"] == 1


def test_managers_named_in_the_settings_hear_about_waiting_leads_before_they_ever_speak() -> None:
    desk = Desk(managers=(), config_managers=("boss",))
    desk.relay.seed_managers()
    desk.post("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    boss = desk.rep("boss")
    assert boss.is_manager
    assert any(n.rep_id == boss.id and "is waiting" in n.text for n in desk.notices())


# --- the defects of issue 9, one test each ---------------------------------------------------


def test_going_away_and_coming_back_never_wins_a_rep_the_next_lead() -> None:
    desk = Desk()
    desk.team(qualifier="a b")
    for round_ in range(4):
        post_leads(desk, 1, tag=f"r{round_}")
        desk.say("a", "/rotation away")
        desk.say("a", "/rotation back")
    assert Counter(desk.owners()) == {"a": 2, "b": 2}
    assert all(x != y for x, y in pairwise(desk.owners()))


def test_reps_of_equal_weight_keep_alternating_when_heavy_reps_go_away() -> None:
    desk = Desk()
    desk.team(qualifier="a b c d")
    desk.say("maya", "/rotation add @b qualifier weight=3")
    desk.say("maya", "/rotation add @d qualifier weight=4")
    post_leads(desk, 3)
    desk.say("maya", "/rotation away @b")
    post_leads(desk, 2, tag="x")
    desk.say("maya", "/rotation away @d")
    post_leads(desk, 6, tag="y")
    last = owners_of_last(desk, 6)
    assert Counter(last) == {"a": 3, "c": 3}
    assert all(x != y for x, y in pairwise(last))


def test_a_queued_duplicate_is_matched_again_and_goes_to_the_contacts_owner() -> None:
    desk = Desk()
    desk.team(qualifier="a b")
    desk.say("maya", "/rotation add @a qualifier cap=1")
    desk.say("maya", "/rotation away @a")
    desk.say("maya", "/rotation away @b")
    desk.post("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    desk.post("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp (again)")
    desk.say("maya", "/rotation back @a")
    desk.say("maya", "/rotation back @b")
    assert desk.owners() == ["a", "a"]
    assert "Same email as L-1" in desk.uow.events_of(2)[-1].payload["explanation"]


def test_a_rules_pool_whose_last_member_left_falls_back_to_the_default_pool_and_says_so() -> None:
    rules = RuleSet((Rule("Enterprise", (parse_condition("employees >= 1000"),), "enterprise"),))
    desk = Desk(rules=rules)
    desk.team(qualifier="alice")
    desk.say("maya", "/rotation add @erin qualifier pool=enterprise")
    desk.say("maya", "/rotation remove @erin qualifier pool=enterprise")
    outcome = desk.say("alice", "/lead new Globex kim@globex.com employees=5000")
    assert (desk.owner(1), desk.lead(1).pool) == ("alice", "qualifier")
    assert "nobody is in the enterprise pool, so it goes to qualifier" in outcome.reply


def test_the_daily_cap_counts_leads_from_reassignment_and_duplicate_matching() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.say("maya", "/rotation add @alice qualifier cap=2")
    desk.post("Lead: Pat 1, pat@one.example, One")  # alice by rotation
    desk.post("Lead: Pat 2, pat@two.example, Two")  # bob
    desk.say("maya", "/lead reassign L-2 @alice")  # alice: 2 today
    desk.post("Lead: Pat 1, pat@one.example, One again")  # alice by match: 3 today
    desk.post("Lead: Pat 4, pat@four.example, Four")
    assert desk.owner(4) == "bob"
    assert "alice: at daily cap 3/2" in desk.lead_explanation(4)


def test_a_tie_goes_to_the_rep_assigned_least_recently_not_the_first_in_the_pool() -> None:
    desk = Desk()
    desk.team(qualifier="a b")
    desk.say("maya", "/rotation away @b")
    post_leads(desk, 1)
    desk.say("maya", "/rotation back @b")
    post_leads(desk, 1, tag="q")
    assert desk.owners() == ["a", "b"]


# --- workload limit, manual credit, dry run --------------------------------------------------


def test_a_rep_holding_max_open_leads_is_skipped_with_the_count_and_limit() -> None:
    desk = Desk()
    desk.team(qualifier="dave erin")
    desk.say("maya", "/rotation add @dave qualifier max_open=1")
    post_leads(desk, 3)
    assert desk.owners() == ["dave", "erin", "erin"]
    assert "dave: 1 open lead (limit 1)" in desk.lead_explanation(3)
    desk.say("dave", "/lead disqualify L-1 spam")
    post_leads(desk, 2, tag="q")
    assert owners_of_last(desk, 2) == ["erin", "dave"]  # back level: erin was owed a lead


def test_a_managers_credit_moves_the_reps_place_is_recorded_and_explained() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    post_leads(desk, 2)
    reply = desk.say("maya", "/rotation credit @alice +1 junk lead L-1").reply
    assert "moves +1 lead in the qualifier rotation: junk lead L-1" in reply
    [event] = desk.uow.committed.rotation_events
    assert (event.kind, event.amount, event.reason) == ("credit", 1, "junk lead L-1")
    assert "(credit +1 by maya: junk lead L-1)" in desk.say("bob", "/rotation show").reply
    post_leads(desk, 3, tag="q")
    assert owners_of_last(desk, 3) == ["alice", "alice", "bob"]
    assert "weight 1; credit +1 by maya: junk lead L-1" in desk.lead_explanation(3)


def test_a_negative_credit_makes_the_rep_wait_and_only_managers_give_credit() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.say("maya", "/rotation credit @alice -1 big account counted twice")
    post_leads(desk, 3)
    assert desk.owners() == ["bob", "alice", "bob"]  # alice, bob, alice without the credit
    with pytest.raises(NotAllowed, match="Only a manager can credit"):
        desk.say("bob", "/rotation credit @bob +5 please")


def test_credit_granted_while_away_survives_the_absence() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.say("maya", "/rotation away @alice")
    post_leads(desk, 2)
    desk.say("maya", "/rotation credit @alice +1 missed a call")
    desk.say("maya", "/rotation back @alice")
    post_leads(desk, 3, tag="q")
    assert owners_of_last(desk, 3) == ["alice", "alice", "bob"]


def test_preview_says_who_would_get_the_lead_and_why_and_changes_nothing() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.say("maya", "/rotation add @bob qualifier cap=1")
    post_leads(desk, 2)
    before = copy.deepcopy(desk.uow.committed)
    reply = desk.say("alice", "/rotation preview Lead: Sam Ortiz, sam@umbrella.co, Umbrella").reply
    assert reply == (
        f"Preview: Umbrella — Sam Ortiz would go to {desk.mention('alice')}. alice is next in "
        "the qualifier rotation (weight 1). Skipped: bob: at daily cap 1/1. Nothing changed."
    )
    assert desk.uow.committed == before


def test_preview_names_the_duplicate_owner() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    desk.post("Lead: Sam Ortiz, sam@umbrella.co, Umbrella Corp")
    reply = desk.say("maya", "/rotation preview Lead: Kim, kim@umbrella.co, Umbrella").reply
    assert f"would go to {desk.mention('alice')}. Same domain umbrella.co as L-1" in reply
    assert len(desk.uow.leads_list()) == 1


# --- who reads leads (issue 8, item 3) --------------------------------------------------------


def test_someone_in_no_rotation_reads_no_lead_and_no_funnel_and_is_told_who_can() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    post_leads(desk, 1)
    for line in ("/lead show L-1", "/funnel", "/rotation preview Lead: Kim, kim@x.co, X"):
        with pytest.raises(NotAllowed, match="Only managers and reps in a rotation can"):
            desk.say("zed", line)


def test_a_reps_funnel_shows_team_totals_and_only_their_own_row_and_a_manager_sees_all() -> None:
    desk = Desk()
    desk.team(qualifier="alice bob")
    post_leads(desk, 4)
    desk.clock.advance(minutes=1)
    mine = desk.say("alice", "/funnel").data["digest"].report  # type: ignore[attr-defined]
    everyone = desk.say("maya", "/funnel").data["digest"].report  # type: ignore[attr-defined]
    assert mine.inbound == everyone.inbound == 4
    assert [row.name for row in mine.reps] == ["alice"]
    assert sorted(row.name for row in everyone.reps) == ["alice", "bob"]


# --- one owner per contact, as a property -----------------------------------------------------

desk_op_st = st.one_of(
    st.tuples(st.just("post"), st.integers(0, 3)),
    st.tuples(st.sampled_from(["away", "back", "claim"]), st.integers(0, 2)),
    st.tuples(st.just("cap"), st.integers(0, 2)),
)


@settings(max_examples=30, deadline=None)
@given(ops=st.lists(desk_op_st, max_size=25))
def test_property_no_contact_ever_has_two_open_owners(ops: list[tuple[str, int]]) -> None:
    desk = Desk()
    names = ("a", "b", "c")
    desk.team(qualifier=" ".join(names))
    for kind, n in ops:
        if kind == "post":
            desk.post(f"Lead: Pat {n}, pat{n}@co{n}.example, Co{n}")
        elif kind == "cap":
            desk.say("maya", f"/rotation add @{names[n]} qualifier cap=1")
        elif kind == "claim":
            mine = [x for x in desk.uow.leads_list() if x.owner_id == desk.rep(names[n]).id]
            if mine and mine[-1].stage is Stage.ASSIGNED:
                desk.say(names[n], f"/lead claim {mine[-1].id}")
        else:
            desk.say("maya", f"/rotation {kind} @{names[n]}")
        owners: dict[str | None, set[int]] = {}
        for lead in desk.uow.leads_list():
            if lead.owner_id is not None and lead.stage in OPEN_STAGES:
                owners.setdefault(lead.email, set()).add(lead.owner_id)
        assert all(len(who) == 1 for who in owners.values()), owners


@settings(max_examples=30, deadline=None)
@given(
    ops=st.lists(
        st.one_of(
            st.tuples(st.just("post"), st.integers(0, 2)),
            st.tuples(st.sampled_from(["away", "back", "cap"]), st.integers(0, 2)),
        ),
        max_size=20,
    ),
    toggles=st.lists(st.tuples(st.integers(0, 20), st.integers(0, 2)), max_size=6),
)
def test_property_away_back_toggles_change_nothing_for_anyone(
    ops: list[tuple[str, int]], toggles: list[tuple[int, int]]
) -> None:
    """Toggling a present rep away and back between any two steps gives the same owners."""
    assert _owners_after(ops, ()) == _owners_after(ops, toggles)


def _owners_after(
    ops: list[tuple[str, int]], toggles: Collection[tuple[int, int]]
) -> list[str | None]:
    desk = Desk()
    names = ("a", "b", "c")
    desk.team(qualifier=" ".join(names))
    away: set[str] = set()
    for step, (kind, n) in enumerate(ops):
        for where, who in toggles:
            if where == step and names[who] not in away:
                desk.say(names[who], "/rotation away")
                desk.say(names[who], "/rotation back")
        if kind == "post":
            post_leads(desk, 1, tag=f"s{step}-")
        elif kind == "cap":
            desk.say("maya", f"/rotation add @{names[n]} qualifier cap=2")
        else:
            desk.say("maya", f"/rotation {kind} @{names[n]}")
            (away.add if kind == "away" else away.discard)(names[n])
    return desk.owners()


# --- self-service joining (BATON_SELF_JOIN) ----------------------------------------------------


def test_joining_a_rotation_yourself_is_off_by_default_and_the_managers_hear_once() -> None:
    """A rotation's members read every lead, so by default only a manager adds reps."""
    desk = Desk()
    desk.team(qualifier="alice")
    mark = desk.mark()
    outcome = desk.say("quinn", "/rotation join qualifier")
    assert outcome.reply == (
        "Joining the qualifier rotation yourself is off here: a manager adds reps. "
        "I've told the managers you asked."
    )
    assert [pool for (pool, _rep) in desk.uow.committed.memberships] == ["qualifier"]
    told = desk.since(mark)
    assert [n.rep_id for n in told] == [desk.rep("maya").id]
    assert told[0].text == (
        f"{desk.mention('quinn')} asked to join the qualifier rotation. Joining it yourself is "
        "off, so nothing changed; to add them: `/rotation add @quinn qualifier`."
    )
    with pytest.raises(NotAllowed, match="Only managers and reps in a rotation can"):
        desk.say("quinn", "/lead show L-1")


def test_self_join_opens_only_the_roles_the_setting_names() -> None:
    desk = Desk(self_join=("qualifier", "prospector"))
    assert desk.say("quinn", "/rotation join qualifier").reply == "You joined the qualifier pool."
    assert desk.say("quinn", "/rotation join prospector").reply == "You joined the prospector pool."
    assert desk.say("quinn", "/rotation join closer").reply.startswith(
        "Joining the closer rotation yourself is off here"
    )


def test_a_manager_joins_any_rotation_and_a_member_is_told_they_are_in_already() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    assert desk.say("maya", "/rotation join closer").reply == "You joined the closer pool."
    mark = desk.mark()
    assert desk.say("alice", "/rotation join qualifier").reply == (
        "You're already in the qualifier pool."
    )
    assert desk.since(mark) == []


def test_with_no_managers_a_refused_join_says_how_to_name_one() -> None:
    desk = Desk(managers=())
    reply = desk.say("quinn", "/rotation join qualifier").reply
    assert reply.startswith("Joining the qualifier rotation yourself is off here")
    assert "No managers are set up yet" in reply


def test_the_self_join_setting_names_roles_and_never_manager() -> None:
    assert self_join_roles("qualifier, SDRs,prospector") == {"qualifier", "prospector"}
    assert self_join_roles("") == frozenset()
    with pytest.raises(ValueError, match="`cleaner` is not a role"):
        self_join_roles("qualifier,cleaner")
    with pytest.raises(ValueError, match="leave `manager` out"):
        self_join_roles("manager")


# --- away for someone in no rotation -------------------------------------------------------------


def test_setting_away_someone_in_no_rotation_says_so_and_changes_nothing() -> None:
    desk = Desk()
    desk.team(qualifier="alice")
    desk.say("zed", "/lead mine")  # zed has talked to Baton but is in no rotation
    mark = desk.mark()
    with pytest.raises(InvalidInput) as refused:
        desk.say("maya", "/rotation away @zed")
    assert refused.value.message == (
        f"{desk.mention('zed')} is in no rotation, so there is nothing to be away from: nothing "
        "changed. A manager adds someone to one with `/rotation add @zed qualifier`."
    )
    assert desk.rep("zed").away_until is None
    assert desk.mark() == mark
    with pytest.raises(InvalidInput, match=r"^You're in no rotation"):
        desk.say("zed", "/rotation away until friday")
    assert desk.say("maya", "/rotation away @alice").reply.startswith(
        f"{desk.mention('alice')} is away"
    )
